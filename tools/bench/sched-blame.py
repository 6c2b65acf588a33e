#!/usr/bin/env python3
"""sched-blame.py - who held the CPU while the request path waited for it.

Reads `perf sched timehist` output (one line per time a thread ran:
end time, CPU, thread, wait time, scheduling delay, run time). A thread's
scheduling delay is the time it was runnable but not running; this tool
takes every delay of at least --min-ms of the threads whose name matches
PATTERN, and charges each to whatever ran on that CPU meanwhile (overlap in
ms, by thread name; the bench's threads by name and tid). So it answers
"what were Match requests waiting behind" (docs/LIVE.md, "Where the
request path waits").

usage: perf sched record -a -o ps.data -- sleep 6      # during the load
       perf sched timehist -i ps.data > th.txt
       tools/bench/sched-blame.py [--min-ms 2] [--top 15] [PATTERN] < th.txt

PATTERN is a Python regular expression over timehist's thread column
(name[tid/pid]); the default is boled's request path (server thread,
readers, ZeroMQ I/O) and bole-bench's threads.
"""
import argparse
import collections
import re
import sys

DEFAULT = r"bole-reader|^boled\[|ZMQbg/IO/0|bole-bench"
LINE = re.compile(r"\s*([\d.]+)\s+\[(\d+)\]\s+(\S+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*$")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("pattern", nargs="?", default=DEFAULT,
                    help="threads whose waits are charged (regex; default: %(default)s)")
    ap.add_argument("--min-ms", type=float, default=2.0,
                    help="only delays at least this long (default 2)")
    ap.add_argument("--top", type=int, default=15, help="lines to print (default 15)")
    a = ap.parse_args()
    wanted = re.compile(a.pattern)

    runs = collections.defaultdict(list)   # cpu -> [(start, end, thread)]
    waits = []                             # (from, to, cpu, thread, delay ms)
    for line in sys.stdin:
        m = LINE.match(line)
        if not m:
            continue
        end, cpu, thread = float(m[1]), int(m[2]), m[3]
        delay, run = float(m[5]), float(m[6])
        start = end - run / 1e3
        runs[cpu].append((start, end, thread))
        if delay > 0:
            waits.append((start - delay / 1e3, start, cpu, thread, delay))
    for cpu in runs:
        runs[cpu].sort()

    blame = collections.Counter()
    n, total = 0, 0.0
    for (t0, t1, cpu, thread, delay) in waits:
        if delay < a.min_ms or not wanted.search(thread):
            continue
        n += 1
        total += delay
        for (s, e, who) in runs[cpu]:
            if s >= t1:
                break
            overlap = min(e, t1) - max(s, t0)
            if overlap > 0:
                name = who if "bench" in who else re.sub(r"\[[\d/]+\]$", "", who)
                blame[name] += overlap * 1e3
    print(f"{n} waits of at least {a.min_ms:g} ms by /{a.pattern}/, {total:.1f} ms in all;")
    print("ran on that CPU meanwhile (ms):")
    for who, ms in blame.most_common(a.top):
        print(f"  {who:40s} {ms:8.1f}")


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        sys.exit(0)
