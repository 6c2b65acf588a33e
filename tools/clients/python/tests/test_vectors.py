#!/usr/bin/env python3
"""Shared encoding vectors (tests/data/vectors/requests.json): every request
described there must serialize to exactly the expected bytes with this
client's generated code. --regenerate rewrites the hex from the descriptions
(only when a vector is added on purpose; the C and Java checks then confirm)."""

import json
import sys

from google.protobuf import json_format

import bole_pb2 as pb


def main():
    path = sys.argv[1]
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    failures = 0
    for v in doc["vectors"]:
        got = json_format.ParseDict(v["request"], pb.Request()).SerializeToString().hex()
        if "--regenerate" in sys.argv:
            v["hex"] = got
        elif got != v["hex"]:
            failures += 1
            print("FAIL %s\n  expected %s\n  got      %s" % (v["name"], v["hex"], got))
        else:
            print("ok   %s (%d bytes)" % (v["name"], len(got) // 2))
    if "--regenerate" in sys.argv:
        with open(path, "w", encoding="utf-8") as f:
            f.write(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
    if len(doc["vectors"]) < 10:
        print("FAIL: expected at least 10 vectors")
        failures += 1
    print("%d vectors, %d failures" % (len(doc["vectors"]), failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
