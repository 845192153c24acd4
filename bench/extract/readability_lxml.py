#!/usr/bin/python3
"""readability-lxml (Debian python3-readability) over a bench manifest: one
JSON line per page with the text of Document.summary(); prints the time."""
import json, sys, time
import lxml.html
from readability import Document

manifest, out_path = sys.argv[1], sys.argv[2]
pages = []
for line in open(manifest, encoding='utf-8'):
    pid, url, path, pset = line.rstrip('\n').split('\t')
    pages.append((pid, url, pset, open(path, 'rb').read().decode('utf-8', 'replace')))
rows = []
t0 = time.perf_counter()
for pid, url, pset, html in pages:
    try:
        summary = Document(html, url=url).summary(html_partial=True)
        doc = lxml.html.fromstring(summary)
        for el in doc.iter('p', 'div', 'li', 'br', 'h1', 'h2', 'h3', 'h4', 'tr'):
            el.tail = '\n' + (el.tail or '')
        text = doc.text_content()
    except Exception:
        text = ''
    rows.append(json.dumps({'id': pid, 'set': pset, 'text': text}, ensure_ascii=False))
dt = time.perf_counter() - t0
open(out_path, 'w', encoding='utf-8').write('\n'.join(rows) + '\n')
print(f'readability-lxml\t{len(pages)} pages\t{dt:.3f} s\t{len(pages) / dt:.1f} pages/s')
