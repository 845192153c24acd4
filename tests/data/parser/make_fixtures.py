#!/usr/bin/python3
"""Rebuild tests/data/parser/ from /work/shared/corpus (run once by hand;
the tests never need /work/shared). Writes korean/<name>.html.gz plus
korean/truth.json (url, ground-truth text and metadata per page), and
aeb/ (the ScrapingHub benchmark pages and ground truth, gzip as published)."""
import ast, gzip, io, json, lzma, os, shutil, tarfile

SRC = '/work/shared/corpus'
DST = os.path.dirname(os.path.abspath(__file__))
K = os.path.join(DST, 'korean')
os.makedirs(K, exist_ok=True)
truth = {}

def put(name, html_bytes, gz_already, rec):
    path = os.path.join(K, name + '.html.gz')
    if gz_already:
        open(path, 'wb').write(html_bytes)
    else:
        with gzip.GzipFile(path, 'wb', mtime=0, compresslevel=9) as f:
            f.write(html_bytes)
    truth[name] = rec

# scrapping-webs: site-spider output as ground truth; skip items whose
# spider text is empty or only a caption (see corpus SOURCES.md).
BAD = {'mbc-01', 'mbc-08', 'mbc-09', 'mbc-10', 'mbc-15', 'sbs-14', 'sbs-15', 'tvchosun-06',
       'chosun-01', 'chosun-02', 'chosun-03', 'chosun-04'}
idx = json.load(open(f'{SRC}/news/scrapping-webs/index.json'))
for it in idx:
    n = it['name']
    html = open(f'{SRC}/news/scrapping-webs/html/{n}.html', 'rb').read()
    if n in BAD and not n.startswith('chosun-'):
        continue
    rec = {'url': it['url'], 'source': 'scrapping-webs', 'title': it['title'],
           'published': it['published_at']}
    if n in BAD:  # chosun-*: body only in Fusion.globalContent; spider text is a caption
        rec['text'] = None
    else:
        rec['text'] = open(f'{SRC}/news/scrapping-webs/text/{n}.txt', encoding='utf-8').read()
    put(n, html, False, rec)

# fundus kr: structured ground truth (MIT).
def fundus(dirpath, jsonname, files):
    meta = json.load(open(os.path.join(dirpath, 'meta.info')))
    gt = json.load(open(os.path.join(dirpath, jsonname)))
    for ver, fn in zip(sorted(gt, key=lambda v: int(v[1:])), files):
        v = gt[ver]
        body = ast.literal_eval(v['body']) if isinstance(v['body'], str) else v['body']
        paras = list(body.get('summary', []))
        for s in body.get('sections', []):
            paras += s.get('headline', []) + s.get('paragraphs', [])
        authors = ast.literal_eval(v['authors']) if isinstance(v['authors'], str) else v['authors']
        name = 'fundus-' + fn.replace('.html.gz', '')
        put(name, open(os.path.join(dirpath, fn), 'rb').read(), True,
            {'url': meta[fn]['url'], 'source': 'fundus', 'title': v['title'],
             'published': v['publishing_date'], 'authors': authors, 'text': '\n'.join(paras),
             'body_paragraphs': [p for s in body.get('sections', []) for p in s.get('paragraphs', [])]})

H = f'{SRC}/news/fundus/kr/HEAD'
fundus(H, 'HankookIlbo.json', sorted(f for f in os.listdir(H) if f.startswith('HankookIlbo_')))
fundus(H, 'MBN.json', ['MBN_2025_06_03.html.gz'])
for d in sorted(os.listdir(f'{SRC}/news/fundus/kr/history')):
    p = f'{SRC}/news/fundus/kr/history/{d}'
    fundus(p, 'MBN.json', [d + '.html.gz'])

# goose3 Donga (Apache-2.0)
g = json.load(open(f'{SRC}/news/goose3/donga-korean.expected.json'))
put('goose3-donga', open(f'{SRC}/news/goose3/donga-korean.html', 'rb').read(), False,
    {'url': g.get('url', 'http://news.donga.com/3/all/20131023/58406128/1'), 'source': 'goose3',
     'text': g['expected']['cleaned_text']})

# ScrapingHub benchmark: the 2 Korean pages also count as Korean fixtures.
gt = json.load(open(f'{SRC}/benchmark/scrapinghub-aeb/ground-truth.json'))
for h in ['0ec95c7261d122f304728e90c983450ef1ce1e0b423546835c397d50aaf0d0f2',
          '9da36ae4714bfccc72374c6c146e9d1cd3cca39e2110bd67ccdbcc806f4cf139']:
    put('aeb-' + h[:12], open(f'{SRC}/benchmark/scrapinghub-aeb/html/{h}.html.gz', 'rb').read(),
        True, {'url': gt[h]['url'], 'source': 'scrapinghub-aeb', 'text': gt[h]['articleBody']})

json.dump(truth, open(os.path.join(K, 'truth.json'), 'w'), ensure_ascii=False, indent=1,
          sort_keys=True)

# The whole benchmark (MIT): the 181 pages un-gzipped into one solid tar.xz
# (3 MB instead of 6.3 MB of separate .gz files) + the ground truth.
A = os.path.join(DST, 'aeb')
os.makedirs(A, exist_ok=True)
with tarfile.open(os.path.join(A, 'pages.tar.xz'), 'w:xz',
                  preset=9 | lzma.PRESET_EXTREME) as tf:
    for f in sorted(os.listdir(f'{SRC}/benchmark/scrapinghub-aeb/html')):
        data = gzip.open(f'{SRC}/benchmark/scrapinghub-aeb/html/{f}').read()
        ti = tarfile.TarInfo(f[:-3])
        ti.size, ti.mtime, ti.mode = len(data), 0, 0o644
        tf.addfile(ti, io.BytesIO(data))
small = {k: {'url': v['url'], 'articleBody': v['articleBody']} for k, v in gt.items()}
with gzip.GzipFile(os.path.join(A, 'ground-truth.json.gz'), 'wb', mtime=0) as f:
    f.write(json.dumps(small, ensure_ascii=False, sort_keys=True).encode())
shutil.copyfile(f'{SRC}/benchmark/scrapinghub-aeb/LICENSE.txt', os.path.join(A, 'LICENSE.txt'))
print(len(truth), 'korean pages')

# Legacy-charset files (chardet test set; third-party web text) and their
# UTF-8 decoding by Python's codecs, an independent reference decoder.
E = os.path.join(DST, 'encodings')
os.makedirs(E, exist_ok=True)
for src, name, codec in [
        ('chardet/EUC-KR/_mozilla_bug9357_text.html', 'euckr-meta.html', 'cp949'),
        ('chardet/EUC-KR/_chromium_windows-949_with_no_encoding_specified.html', 'euckr-nolabel.html', 'cp949'),
        ('chardet/EUC-KR/blog.rss.naver.com.xml', 'euckr-feed.xml', 'cp949'),
        ('chardet/CP949/ricanet.com.xml', 'cp949-labelled-euckr.xml', 'cp949'),
        ('chardet/iso-2022-kr/_ude_iso1.txt', 'iso2022kr.txt', 'iso2022_kr'),
        ('chardet/Johab/hlpro-readme.txt', 'johab.txt', 'johab'),
        ('apache2-doc-ko/bind.html', 'apache-bind-euckr.html', 'cp949')]:
    raw = open(f'{SRC}/encodings/{src}', 'rb').read()
    open(os.path.join(E, name), 'wb').write(raw)
    open(os.path.join(E, name + '.utf8'), 'wb').write(raw.decode(codec, errors='replace').encode('utf-8'))
cn = gzip.open(f'{SRC}/news/fundus/cn/HEAD/People_2024_04_24.html.gz').read()
with gzip.GzipFile(os.path.join(E, 'gb2312-labelled-utf8.html.gz'), 'wb', mtime=0) as f:
    f.write(cn)
print('encodings written')
