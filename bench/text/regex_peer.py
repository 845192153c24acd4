#!/usr/bin/python3
"""regex_peer.py FILE -- the Kiwi/Kss benchmarks' regex baseline
(re.split(r"(?<=[.!?])\\s", text)) over the same input, one paragraph a
line: the peer whose speed and quality run.sh prints beside ours."""
import re
import sys
import time

lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
nbytes = sum(len(l.encode()) + 1 for l in lines)
pat = re.compile(r"(?<=[.!?])\s")
best, count = 1e30, 0
for _ in range(3):
    t0 = time.perf_counter()
    n = 0
    for l in lines:
        if l:
            n += sum(1 for s in pat.split(l) if s.strip())
    t = time.perf_counter() - t0
    best, count = min(best, t), n
print("regex baseline (python re)\tbytes %d\tsentences %d\tseconds %.3f\tMB/s %.1f\tsentences/s %.0f" %
      (nbytes, count, best, nbytes / 1e6 / best, count / best))
