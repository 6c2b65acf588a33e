#!/usr/bin/env bash
# store-ab.sh MODE BOLED STORE [NAME=VALUE ...] — one run of the A/B
# measurements of docs/BENCHMARKS.md §8 and docs/LIVE.md (29 Nov). Run it
# for each binary in turn, alternated, under the machine lock:
#   flock /tmp/bole-machine.lock tools/bench/store-ab.sh puts OLD/boled S
#   flock /tmp/bole-machine.lock tools/bench/store-ab.sh puts NEW/boled S
#
# MODE
#   match  STORE is used in place (a drained store: its live matcher has
#          caught up). Start with --index-nprobe 4, health + 3 s, bole-bench
#          --match-only (1 M talents, 100 k needs, 8 clients, 10 s phases);
#          prints its lines and the daemon's CPU per match answered.
#   live   STORE is copied first (a store whose live matcher is behind).
#          After "ready" + 10 s, the live cursor and the bole-live thread's
#          CPU over 60 s: changes worked off and CPU per change.
#   puts   STORE is copied first. Health + 5 s, bole-bench --puts-only
#          twice (8 clients, 10 s): single puts while the backlog drains.
#   load   STORE is a directory to (re)create empty. bole-bench --load-only
#          of 200,000 talents and 1,000 needs: bulk-load rate.
# BOLED  the boled binary to measure (e.g. another checkout's build).
# NAME=VALUE  environment for that boled (e.g. an experiment's switch).
# Needs this tree's build (tools/dev build) and sqlite3 (live mode).
set -euo pipefail
if [[ $# -lt 3 || $1 == --help || $1 == -h ]]; then
  sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'
  [[ ${1:-} == --help || ${1:-} == -h ]] && exit 0 || exit 2
fi
mode=$1 boled=$(realpath "$2") store=$(realpath -m "$3")
shift 3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bench=$here/build/tools/bench/bole-bench ctl=$here/build/tools/bolectl/bolectl
port=47561 ep=tcp://127.0.0.1:47561
work=$(mktemp -d /tmp/store-ab.XXXXXX)
trap 'rm -rf "$work"' EXIT
db=$store/b.db args=()
case $mode in
  match) args=(--index-nprobe 4) ;;
  live|puts) cp "$store"/b.db* "$work"/; db=$work/b.db ;;
  load) rm -rf "$store"; mkdir -p "$store" ;;
  *) echo "store-ab.sh: unknown mode '$mode' (match, live, puts, load)" >&2; exit 2 ;;
esac
cd "$here"
env "$@" "$boled" --db "$db" --model models --listen "$ep" --events "tcp://127.0.0.1:$((port + 1))" \
  --log-level info "${args[@]}" >"$work/boled.log" 2>&1 &
pid=$!
until "$ctl" --server "$ep" --timeout 200 health >/dev/null 2>&1; do
  kill -0 "$pid" 2>/dev/null || { echo "boled did not start:" >&2; tail -3 "$work/boled.log" >&2; exit 1; }
  sleep 0.2
done
cpu() { awk '{print $14 + $15}' "$1"; }
hz=$(getconf CLK_TCK) load=$(cut -d' ' -f1 /proc/loadavg)
case $mode in
  match)
    sleep 3
    c0=$(cpu /proc/$pid/stat)
    out=$("$bench" --server "$ep" --match-only --talents 1000000 --needs 100000 --clients 8 --duration 10 2>&1)
    c1=$(cpu /proc/$pid/stat)
    ok=$(grep -o '([0-9]* ok' <<<"$out" | grep -o '[0-9]*' | paste -sd+ | bc)
    grep 'req/s' <<<"$out"
    echo "load $load: daemon CPU per match $(( (c1 - c0) * 1000000 / hz / ok )) us ($ok matches)" ;;
  live)
    sleep 10
    tid=$(for t in /proc/$pid/task/*; do [[ $(cat "$t/comm") == bole-live ]] && echo "${t##*/}"; done)
    s0=$(sqlite3 -readonly "$db" "SELECT seq FROM live_cursor") c0=$(cpu /proc/$pid/task/$tid/stat)
    sleep 60
    s1=$(sqlite3 -readonly "$db" "SELECT seq FROM live_cursor") c1=$(cpu /proc/$pid/task/$tid/stat)
    n=$((s1 - s0))
    echo "load $load: $n changes in 60 s, live matcher CPU per change $(( n ? (c1 - c0) * 1000000 / hz / n : 0 )) us" ;;
  puts)
    sleep 5
    for _ in 1 2; do "$bench" --server "$ep" --puts-only --duration 10 2>&1 | grep acknowledged; done ;;
  load)
    "$bench" --server "$ep" --load-only --talents 200000 --needs 1000 2>&1 | grep 'talents:' ;;
esac
kill -TERM "$pid"
wait "$pid" || true
