#!/usr/bin/env bash
# tests/valgrind/run.sh — run one integration test with every boled it
# starts under valgrind memcheck, then fail if any daemon had a memory error
# or a definite leak.
#
# Usage: tests/valgrind/run.sh TEST_BINARY [args...]
#
# Each daemon writes its own report (vg.<pid>.log in a temporary folder).
# A daemon that exited reports "ERROR SUMMARY: N errors"; definite leaks
# count as errors (--errors-for-leak-kinds=definite). A daemon the test
# killed with SIGKILL writes no summary, so its report is searched for the
# error kinds memcheck prints as they happen. Only boled runs under
# valgrind: the test program and the tools it runs do not.
#
# Environment: BOLE_VALGRIND_KEEP=1 keeps the reports; BOLE_TEST_TIME_SCALE
# (default 20) stretches the harness's start and stop waits.
set -uo pipefail

if [ $# -lt 1 ] || [ "$1" = "--help" ] || [ "$1" = "-h" ]; then
    sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    [ $# -ge 1 ] && exit 0 || exit 2
fi
if ! command -v valgrind >/dev/null; then
    echo "valgrind-run: valgrind is not installed (apt-get install valgrind)" >&2
    exit 2
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
logs=$(mktemp -d "${TMPDIR:-/tmp}/bole-vg-XXXXXX")

export BOLE_TEST_WRAPPER="valgrind --tool=memcheck --leak-check=full \
--show-leak-kinds=definite --errors-for-leak-kinds=definite \
--track-origins=no --num-callers=30 --suppressions=$here/boled.supp \
--log-file=$logs/vg.%p.log"
export BOLE_TEST_TIME_SCALE=${BOLE_TEST_TIME_SCALE:-20}

"$@"
test_rc=$?

bad=0
reports=0
for f in "$logs"/vg.*.log; do
    [ -e "$f" ] || continue
    reports=$((reports + 1))
    if grep -q 'ERROR SUMMARY:' "$f"; then
        if ! grep -q 'ERROR SUMMARY: 0 errors' "$f"; then
            bad=1
        fi
    elif grep -Eq '^==[0-9]+== (Invalid (read|write|free)|Conditional jump|Use of uninitialised|Syscall param|Mismatched free|Source and destination overlap)' "$f"; then
        bad=1
    fi
    if [ "$bad" = 1 ]; then
        echo "valgrind-run: memcheck found errors in $(basename "$f"):" >&2
        sed -n '1,200p' "$f" >&2
        break
    fi
done

echo "valgrind-run: $reports boled report(s) checked, test exit status $test_rc"
if [ "$reports" = 0 ]; then
    echo "valgrind-run: no boled ran under valgrind (is BOLE_TEST_WRAPPER honoured?)" >&2
    bad=1
fi
if [ "${BOLE_VALGRIND_KEEP:-0}" = 1 ] || [ "$bad" = 1 ]; then
    echo "valgrind-run: reports kept in $logs" >&2
else
    rm -rf "$logs"
fi
[ "$test_rc" = 0 ] || exit "$test_rc"
[ "$bad" = 0 ] || exit 1
exit 0
