#!/usr/bin/python3
"""Gate: extraction quality on the Korean news fixtures (tests/data/parser/
korean, ground truth from the site spiders, fundus, goose3 and the
ScrapingHub annotators). Scored with the ScrapingHub shingle metric
(aeb_metric.py). Fails when
  - corpus F1 with the site rules of config/malmoi.ini drops below 0.96
    (0.972 when last raised; the issue's target is 0.95),
  - corpus F1 of the generic extractor alone (no rules) drops below 0.95
    (0.970 when last raised),
  - a page scores under its floor in korean_expect.tsv or uses another method,
  - a title or published time differs from the ground truth where the
    expectation file marks them as checked."""
import datetime, gzip, json, os, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from aeb_metric import corpus_scores, page_f1  # noqa: E402
from kofix import extract  # noqa: E402

DATA = os.path.join(os.environ.get('MALMOI_TEST_DATA', os.path.join(HERE, '..', 'data')), 'parser', 'korean')
SRC = os.environ.get('MALMOI_SOURCE', os.path.join(HERE, '..', '..'))
CONFIG = os.path.join(SRC, 'config', 'malmoi.ini')
KST = datetime.timezone(datetime.timedelta(hours=9))


def instant(s):
    """ISO-ish date from the ground truth or from us -> aware datetime (naive = KST)."""
    m = re.match(r'(\d{4})[-.](\d\d)[-.](\d\d)[T ](\d\d):(\d\d)(?::(\d\d))?(?:\.\d+)?\s*(Z|[+-]\d\d:?\d\d)?', s or '')
    if not m:
        return None
    y, mo, d, h, mi, sec, tz = m.groups()
    if tz in (None, ''):
        tzinfo = KST
    elif tz == 'Z':
        tzinfo = datetime.timezone.utc
    else:
        sign = 1 if tz[0] == '+' else -1
        tzinfo = datetime.timezone(sign * datetime.timedelta(hours=int(tz[1:3]), minutes=int(tz[-2:])))
    return datetime.datetime(int(y), int(mo), int(d), int(h), int(mi), int(sec or 0), tzinfo=tzinfo)


def main():
    truth = json.load(open(os.path.join(DATA, 'truth.json'), encoding='utf-8'))
    expect = {}
    for line in open(os.path.join(HERE, 'korean_expect.tsv'), encoding='utf-8'):
        if line.startswith('#') or not line.strip():
            continue
        name, floor, method, checks = line.rstrip('\n').split('\t')
        expect[name] = (float(floor), method, checks.split(','))
    fails = []
    pairs_rule, pairs_gen = [], []
    for name, t in sorted(truth.items()):
        html = gzip.open(os.path.join(DATA, name + '.html.gz')).read()
        d = extract(html, url=t['url'], config=CONFIG)
        g = extract(html, url=t['url'], config='')
        floor, method, checks = expect.get(name, (0.0, '', []))
        if method and d['method'] != method:
            fails.append(f'{name}: method {d["method"]}, expected {method}')
        if t['text'] is None:  # no usable truth: the body must be there
            need = 500 if 'long' in checks else 50  # chosun-02/03 are photo stories
            if len(d['text']) < need:
                fails.append(f'{name}: only {len(d["text"])} bytes of text')
            continue
        p, r, f = page_f1(t['text'], d['text'])
        pairs_rule.append((t['text'], d['text']))
        pairs_gen.append((t['text'], g['text']))
        print(f'{name:32s} F1={f:.3f} P={p:.3f} R={r:.3f} {d["method"]:8s} generic F1={page_f1(t["text"], g["text"])[2]:.3f}')
        if f < floor:
            fails.append(f'{name}: F1 {f:.3f} under its floor {floor}')
        if 'title' in checks and d['title'] != t['title'].strip():
            fails.append(f'{name}: title {d["title"]!r}, expected {t["title"]!r}')
        if 'published' in checks and instant(d['published']) != instant(t['published']):
            fails.append(f'{name}: published {d["published"]!r}, expected {t["published"]!r}')
        if 'authors' in checks and sorted(d['authors']) != sorted(t['authors']):
            fails.append(f'{name}: authors {d["authors"]}, expected {t["authors"]}')
        if 'nonempty' in checks and not d['text']:
            fails.append(f'{name}: empty text')
    P, R, F = corpus_scores(pairs_rule)
    Pg, Rg, Fg = corpus_scores(pairs_gen)
    print(f'with site rules: P={P:.4f} R={R:.4f} F1={F:.4f} ({len(pairs_rule)} pages)')
    print(f'generic only:    P={Pg:.4f} R={Rg:.4f} F1={Fg:.4f}')
    if F < 0.96:
        fails.append(f'corpus F1 with rules {F:.4f} < 0.96')
    if Fg < 0.95:
        fails.append(f'corpus F1 generic only {Fg:.4f} < 0.95')
    for f in fails:
        print('FAIL', f)
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
