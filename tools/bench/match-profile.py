#!/usr/bin/env python3
"""match-profile.py - where a reader thread's time goes, from perf samples.

Reads `perf script -F tid,ip,sym` output of a boled recorded with
`perf record --call-graph dwarf` (docs/BENCHMARKS.md, "Where a match's time
goes") and puts every sample of the given threads into one bucket, by the
first rule below that matches its call stack. Prints the share of each bucket.

usage: perf script -i perf.data -F tid,ip,sym --tid=T1,T2 > s.txt
       tools/bench/match-profile.py s.txt
"""
import collections
import sys

# (bucket, any of these names somewhere in the stack), first match wins.
RULES = [
    ("idle: waiting for a job", ("bole_queue_pop", "pthread_cond_wait")),
    ("protobuf encode of the response", ("s_pack", "protobuf_c_message_pack",
                                         "get_packed_size")),
    ("protobuf free of the request", ("bole_protocol_free_request", "free_unpacked")),
    ("feature logging (queue, features)", ("bole_feedback_log_answer", "bole_feedback_request_id",
                                           "bole_rank_features_ctx")),
    ("explanations (s_explain)", ("s_explain",)),
    ("search: filter callback (s_pass)", ("s_pass",)),
]
SEARCH = [
    ("search: IVF coarse quantizer", ("faiss::IndexFlat", "knn_inner_product")),
    ("search: FAISS IVF list scan", ("faiss",)),
    ("search: rest of bole_index_search (rescoring, top-k, malloc)", ("",)),
]
AFTER = [
    ("query vector (bole_index_get)", ("bole_index_get",)),
    ("sorting/selecting candidates", ("qsort", "msort", "s_select_best")),
    ("re-ranking (bole_rank_score_ctx)", ("bole_rank_score_ctx",)),
    ("arena", ("bole_arena",)),
    ("locks", ("rwlock", "mutex")),
    ("rest of s_match", ("s_match",)),
    ("s_complete (stats, completion queue, eventfd)", ("s_complete",)),
]


def samples(path):
    cur = None
    for line in open(path):
        if not line.strip():
            if cur is not None:
                yield cur
            cur = None
        elif line.strip().isdigit():
            cur = []  # a sample's header: its tid (right-aligned, may start with spaces)
        elif cur is not None:
            parts = line.split(None, 1)
            if len(parts) == 2:
                cur.append(parts[1].strip())
    if cur is not None:
        yield cur


def bucket(stack):
    def has(names):
        return any(n in f for f in stack for n in names)
    for name, names in RULES:
        if has(names):
            return name
    if has(("bole_index_search",)):
        for name, names in SEARCH:
            if has(names):
                return name
    for name, names in AFTER:
        if has(names):
            return name
    return "other: " + (stack[0] if stack else "?")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    counts = collections.Counter(bucket(s) for s in samples(sys.argv[1]))
    total = sum(counts.values())
    busy = total - counts["idle: waiting for a job"]
    print("%d samples, %d busy" % (total, busy))
    for name, n in counts.most_common():
        print("%6.1f %% of busy  %6d  %s" % (100.0 * n / max(busy, 1), n, name))


if __name__ == "__main__":
    main()
