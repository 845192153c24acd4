#!/usr/bin/python3
"""Gate: the generic extractor on the ScrapingHub article-extraction-benchmark
(181 pages with human-annotated articleBody, MIT licence; copied into
tests/data/parser/aeb). Scored with the benchmark's own metric (aeb_metric.py).
Fails when F1 drops under 0.965 (0.971 when this gate was last raised; published:
trafilatura 0.958, Readability.js 0.947) or a page makes the extractor fail."""
import gzip, io, json, os, sys, tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from aeb_metric import corpus_scores, page_f1  # noqa: E402
from kofix import extract  # noqa: E402

DATA = os.path.join(os.environ.get('MALMOI_TEST_DATA', os.path.join(HERE, '..', 'data')), 'parser', 'aeb')
FLOOR = 0.965


def main():
    gt = json.loads(gzip.open(os.path.join(DATA, 'ground-truth.json.gz')).read())
    pairs, worst = [], []
    with tarfile.open(os.path.join(DATA, 'pages.tar.xz')) as tf:
        for m in tf.getmembers():
            key = m.name[:-len('.html')]
            html = tf.extractfile(m).read()
            d = extract(html, url=gt[key]['url'], config='')
            pairs.append((gt[key]['articleBody'], d['text']))
            worst.append((page_f1(gt[key]['articleBody'], d['text'])[2], key[:12], d['method']))
    if len(pairs) != len(gt):
        print(f'FAIL: {len(pairs)} pages read, ground truth has {len(gt)}')
        return 1
    for f, k, meth in sorted(worst)[:10]:
        print(f'lowest: {k} F1={f:.3f} {meth}')
    P, R, F = corpus_scores(pairs)
    print(f'ScrapingHub AEB ({len(pairs)} pages): P={P:.4f} R={R:.4f} F1={F:.4f} (floor {FLOOR})')
    if F < FLOOR:
        print(f'FAIL: F1 {F:.4f} < {FLOOR}')
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
