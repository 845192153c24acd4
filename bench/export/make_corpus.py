#!/usr/bin/python3
"""make_corpus.py OUT MB -- a BERT-text corpus of at least MB megabytes made
from the real Korean text in tests/data/export/kowiki-kss.txt, repeated;
every copy of a document gets one extra closing sentence naming the copy,
so its text (and content hash) is new and the import keeps it."""
import os
import sys

out, mb = sys.argv[1], float(sys.argv[2])
src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "data", "export", "kowiki-kss.txt")
docs, cur = [], []
for line in open(src, encoding="utf-8").read().split("\n"):
    if line.strip():
        cur.append(line)
    elif cur:
        docs.append(cur)
        cur = []
if cur:
    docs.append(cur)
target = int(mb * 1e6)
n = 0
copy = 0
with open(out, "w", encoding="utf-8") as f:
    while n < target:
        copy += 1
        for d in docs:
            text = "\n".join(d) + "\n이 문서는 %d번째 사본입니다.\n\n" % copy
            f.write(text)
            n += len(text.encode("utf-8"))
print(f"{out}: {n / 1e6:.1f} MB, {copy} copies of {len(docs)} documents")
