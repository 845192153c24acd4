"""The ScrapingHub article-extraction-benchmark metric, reimplemented from
the description in its evaluate.py (scrapinghub/article-extraction-benchmark):
per page, TP/FP/FN over 4-gram shingles of \\w+ tokens, normalised by their
sum; precision and recall are macro means over pages (pages with no
predicted / no true shingles left out), F1 from the two means."""
import re
from collections import Counter

_TOKEN = re.compile(r'\w+', re.UNICODE)


def shingles(text, n=4):
    toks = _TOKEN.findall(text or '')
    out = Counter()
    for i in range(0, max(1, len(toks) - n + 1)):
        sh = tuple(toks[i:i + n])
        if sh:
            out[sh] += 1
    return out


def tp_fp_fn(true, pred):
    t, p = shingles(true), shingles(pred)
    tp = fp = fn = 0.0
    for k in set(t) | set(p):
        a, b = t.get(k, 0), p.get(k, 0)
        tp += min(a, b)
        fp += max(0, b - a)
        fn += max(0, a - b)
    s = tp + fp + fn
    return (tp / s, fp / s, fn / s) if s > 0 else (0.0, 0.0, 0.0)


def precision(tp, fp, fn):
    if fp == fn == 0:
        return 1.0
    if tp == fp == 0:
        return 0.0
    return tp / (tp + fp)


def recall(tp, fp, fn):
    if fp == fn == 0:
        return 1.0
    if tp == fn == 0:
        return 0.0
    return tp / (tp + fn)


def page_f1(true, pred):
    c = tp_fp_fn(true, pred)
    p, r = precision(*c), recall(*c)
    return p, r, (2 * p * r / (p + r) if p + r > 0 else 0.0)


def corpus_scores(pairs):
    """pairs: list of (true, pred). Returns (precision, recall, f1)."""
    cs = [tp_fp_fn(t, p) for t, p in pairs]
    ps = [precision(*c) for c in cs if c[0] + c[1] > 0]
    rs = [recall(*c) for c in cs if c[0] + c[2] > 0]
    P = sum(ps) / len(ps) if ps else 0.0
    R = sum(rs) / len(rs) if rs else 0.0
    return P, R, (2 * P * R / (P + R) if P + R > 0 else 0.0)
