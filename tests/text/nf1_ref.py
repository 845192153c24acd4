#!/usr/bin/python3
"""nf1_ref.py -- independent Python reimplementation of the Kiwi/Kss sentence
split metric (EM, F1, normalized F1), written from the description in
tests/data/text/SOURCES.md, to cross-check the C scorer (text/eval.c).

usage: nf1_ref.py GOLD PRED
  GOLD: gold file (one sentence a line, blank line between paragraphs)
  PRED: splitter output in the same layout (`malmoi sentences` output)
prints: "gold N system M em X f1 Y nf1 Z"
"""
import re
import sys

WS = re.compile(r"\s", re.UNICODE)


def paragraphs(path, keep_ws):
    paras, cur = [], []
    with open(path, encoding="utf-8") as f:
        for line in f.read().split("\n"):
            if line.strip() == "":
                if cur:
                    paras.append(cur)
                cur = []
            else:
                cur.append(line if keep_ws else line.strip())
    if cur:
        paras.append(cur)
    return paras


def score_paragraph(gold, pred):
    g = [WS.sub("", s) for s in gold]
    p = [WS.sub("", s) for s in pred]
    full = "".join(g)
    gi, pos = [], 0
    for s in g:
        gi.append((pos, pos + len(s)))
        pos += len(s)
    scores = [0.0] * len(g)
    exact = [False] * len(g)
    at = 0
    for s in p:
        if s == "":
            continue
        k = full.find(s, at)
        if k < 0:
            raise SystemExit("prediction not found in gold text: %r" % s)
        a, b = k, k + len(s)
        at = b
        hit = False
        for j, (ga, gb) in enumerate(gi):
            if (ga, gb) == (a, b):
                scores[j] = 1.0
                exact[j] = True
                hit = True
        if hit:
            continue
        best, bj = -1.0, -1
        for j, (ga, gb) in enumerate(gi):
            ov = min(gb, b) - max(ga, a)
            if ov <= 0:
                continue
            r = 2.0 * ov / ((gb - ga) + (b - a))
            if r >= best:
                best, bj = r, j
        if bj >= 0 and best > scores[bj]:
            scores[bj] = best
    pen = min(1.0, len(g) / len(pred)) if pred else 1.0
    return sum(exact), sum(scores), sum(x * pen for x in scores)


def main():
    gold = paragraphs(sys.argv[1], True)
    pred = paragraphs(sys.argv[2], False)
    if len(gold) != len(pred):
        raise SystemExit("paragraph count differs: gold %d, pred %d" % (len(gold), len(pred)))
    n = m = 0
    em = f1 = nf1 = 0.0
    for gp, pp in zip(gold, pred):
        e, f, nf = score_paragraph(gp, pp)
        n += len(gp)
        m += len(pp)
        em += e
        f1 += f
        nf1 += nf
    print("gold %d system %d em %.5f f1 %.5f nf1 %.5f" % (n, m, em / n, f1 / n, nf1 / n))


if __name__ == "__main__":
    main()
