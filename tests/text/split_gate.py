#!/usr/bin/python3
"""split_gate.py -- the sentence-split quality gate.

1. `malmoi sentences --gold` scores our splitter on the Kiwi (kiwipiepy) and
   Kss test sets with the C scorer; fail if pooled NF1 on kiwipiepy < 0.882
   (Kiwi 0.21.0) or the Kss average NF1 < 0.851 (Kss 4.2.0 mecab).
2. Cross-check: the same splits, produced by plain `malmoi sentences` on the
   joined paragraphs, are scored by nf1_ref.py (an independent Python
   implementation of the metric); every file's EM/F1/NF1 must agree.
3. No empty sentence, and every paragraph's sentences rejoin to its text.
4. A small news set labelled by hand after the rules were frozen
   (heldout/news.txt): pooled NF1 >= 0.95.
"""
import glob
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nf1_ref  # noqa: E402

MALMOI = os.environ["MALMOI"]
DATA = os.path.join(os.environ["MALMOI_TEST_DATA"], "text")
failed = []


def c_scores(files):
    out = subprocess.run([MALMOI, "sentences", "--gold"] + files, check=True, capture_output=True,
                         text=True).stdout
    rows = {}
    for line in out.splitlines():
        name, *fields = line.split("\t")
        d = {}
        for f in fields:
            k, v = f.split(" ")
            d[k] = float(v)
        rows[name] = d
    print(out, end="")
    return rows


def py_scores(path):
    gold = nf1_ref.paragraphs(path, True)
    inp = "\n".join("".join(p) for p in gold) + "\n"
    out = subprocess.run([MALMOI, "sentences"], input=inp, check=True, capture_output=True, text=True).stdout
    blocks = out.split("\n\n")
    assert blocks[-1] == "", "output must end with an empty line"
    blocks = blocks[:-1]
    if len(blocks) != len(gold):
        failed.append("%s: %d paragraphs in, %d out" % (path, len(gold), len(blocks)))
        return None
    n = m = 0
    em = f1 = nf1 = 0.0
    for g, b in zip(gold, blocks):
        pred = b.split("\n") if b else []
        if any(s.strip() == "" for s in pred):
            failed.append("%s: empty sentence emitted" % path)
        if re.sub(r"\s", "", "".join(pred)) != re.sub(r"\s", "", "".join(g)):
            failed.append("%s: sentences do not rejoin to the paragraph" % path)
        e, f, nf = nf1_ref.score_paragraph(g, pred)
        n += len(g)
        m += len(pred)
        em += e
        f1 += f
        nf1 += nf
    return {"gold": n, "system": m, "em": em / n, "f1": f1 / n, "nf1": nf1 / n}


# heldout/news.txt: 73 sentences of real news (tests/data/text/news), labelled
# by hand after the rules were written; the regex baseline scores 0.550 NF1.
for setname, gate_row, gate_key, target in (("kiwipiepy", "pooled", "nf1", 0.882), ("kss", "average", "nf1", 0.851),
                                            ("heldout", "pooled", "nf1", 0.95)):
    files = sorted(glob.glob(os.path.join(DATA, setname, "*.txt")))
    assert files, "no test files in " + setname
    rows = c_scores(files)
    got = rows[gate_row][gate_key]
    print("gate %s %s %s = %.5f (target >= %.3f)" % (setname, gate_row, gate_key, got, target))
    if got < target:
        failed.append("%s %s NF1 %.5f below %.3f" % (setname, gate_row, got, target))
    for f in files:
        p = py_scores(f)
        if p is None:
            continue
        c = rows[f]
        for k in ("gold", "system", "em", "f1", "nf1"):
            if abs(p[k] - c[k]) > 0.000011:
                failed.append("%s: %s differs: C %.5f, Python %.5f" % (os.path.basename(f), k, c[k], p[k]))

if failed:
    for f in failed:
        print("FAIL", f)
    sys.exit(1)
print("ok")
