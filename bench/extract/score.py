#!/usr/bin/python3
"""Score bench outputs (JSON lines: id, set, text) against the ground truth
with the ScrapingHub benchmark metric (tests/parser/aeb_metric.py), per set."""
import json, sys, os
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tests', 'parser'))
from aeb_metric import corpus_scores  # noqa: E402

truth = json.load(open(sys.argv[1], encoding='utf-8'))  # id -> text
for path in sys.argv[2:]:
    name = os.path.basename(path).split('.')[0]
    by_set = {}
    for line in open(path, encoding='utf-8'):
        if not line.strip():
            continue
        d = json.loads(line)
        if d['id'] in truth:
            by_set.setdefault(d['set'], []).append((truth[d['id']], d['text']))
    for s, pairs in sorted(by_set.items()):
        P, R, F = corpus_scores(pairs)
        print(f'{name:18s} {s:8s} pages={len(pairs):3d}  P={P:.4f}  R={R:.4f}  F1={F:.4f}')
