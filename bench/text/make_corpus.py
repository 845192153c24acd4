#!/usr/bin/python3
"""make_corpus.py OUT [MB] -- the benchmark input: real Korean text from
/work/shared/corpus, one paragraph a line, repeated up to MB megabytes:
KorQuAD 1.0 dev contexts (Korean Wikipedia, 964 paragraphs), the news
scraper texts, and the Kiwi/Kss test paragraphs. Read at run time only
(KorQuAD is CC BY-ND: nothing derived from it is committed)."""
import glob
import gzip
import json
import os
import sys

root = os.environ.get("MALMOI_SHARED", "/work/shared") + "/corpus"
paras = []
d = json.load(gzip.open(root + "/wiki/raw/KorQuAD_v1.0_dev.json.gz"))
paras += [p["context"].replace("\n", " ") for a in d["data"] for p in a["paragraphs"]]
for f in sorted(glob.glob(root + "/news/scrapping-webs/text/*.txt")):
    paras += [l for l in open(f, encoding="utf-8").read().split("\n") if l.strip()]
for f in sorted(glob.glob(root + "/sentences/kiwipiepy/*.txt")):
    cur = []
    for line in open(f, encoding="utf-8").read().split("\n"):
        if line.strip():
            cur.append(line)
        elif cur:
            paras.append("".join(cur))
            cur = []
    if cur:
        paras.append("".join(cur))
text = "\n".join(paras) + "\n"
want = float(sys.argv[2] if len(sys.argv) > 2 else 8) * 1e6
n = len(text.encode())
reps = max(1, int(round(want / n)))
with open(sys.argv[1], "w", encoding="utf-8") as f:
    for _ in range(reps):
        f.write(text)
print("corpus: %d paragraphs, %.2f MB unique, x%d = %.2f MB" % (len(paras), n / 1e6, reps, n * reps / 1e6))
