#!/usr/bin/env bash
# puts-cpu.sh SRC PORT [SECONDS] — single-put throughput and the daemon's CPU
# time per acknowledged put (docs/TRENDS.md). Starts SRC/build/daemon/boled
# (SRC: a source tree built with tools/dev build, e.g. another checkout to
# compare with) on a fresh database, runs this tree's
# `bole-bench --server --puts-only` against it, and prints bole-bench's
# figures plus the CPU per put of the whole daemon and of its busiest thread
# (the writer), from /proc/<pid>/task/*/stat before and after: on a shared,
# noisy machine these move far less than puts/s. Alternate the trees to
# compare, back to back.
set -euo pipefail
src=$(cd "$1" && pwd) port=$2 seconds=${3:-10}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$src"
build/daemon/boled --listen "tcp://127.0.0.1:$port" --events "tcp://127.0.0.1:$((port + 1))" \
  --db "$tmp/bole.db" --model models --log-level warn 2>"$tmp/boled.log" &
pid=$!
for _ in $(seq 100); do
  build/tools/bolectl/bolectl --server "tcp://127.0.0.1:$port" health >/dev/null 2>&1 && break
  sleep 0.2
done
ticks() { for t in /proc/"$pid"/task/*; do awk -v t="${t##*/}" '{print t, $14 + $15}' "$t/stat"; done | sort; }
ticks >"$tmp/before"
out=$("$here/build/tools/bench/bole-bench" --server "tcp://127.0.0.1:$port" --puts-only \
        --duration "$seconds" 2>&1 | grep -A1 "single puts" | tail -1)
ticks >"$tmp/after"
kill -TERM "$pid"
wait "$pid" || true
ok=$(sed -n 's/.*(\([0-9]*\) ok.*/\1/p' <<<"$out")
hz=$(getconf CLK_TCK)
join "$tmp/before" "$tmp/after" | awk -v ok="${ok:-0}" -v hz="$hz" -v out="$out" '
  { d = $3 - $2; all += d; if (d > top) top = d }
  END { if (ok == 0) { print out; exit 1 }
        printf "%s | daemon CPU per put %.0f us, busiest thread %.0f us\n", out,
               all * 1e6 / hz / ok, top * 1e6 / hz / ok }'
