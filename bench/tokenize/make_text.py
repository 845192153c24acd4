#!/usr/bin/python3
"""make_text.py CORPUS_DIR [MIN_MB] -- Korean benchmark text on stdout: the
text runs of every UTF-8 page and text file under CORPUS_DIR (tags, scripts
and styles removed, entities decoded, one run a line, duplicates dropped),
keeping lines with Hangul, repeated until at least MIN_MB (default 8) MB."""
import gzip
import html
import os
import re
import sys

root = sys.argv[1]
min_bytes = float(sys.argv[2] if len(sys.argv) > 2 else 8) * 1e6
lines, seen = [], set()
for d, _, files in sorted(os.walk(root)):
    for f in sorted(files):
        p = os.path.join(d, f)
        try:
            b = open(p, 'rb').read()
            if f.endswith('.gz'):
                b = gzip.decompress(b)
            t = b.decode('utf-8')
        except (OSError, UnicodeDecodeError, EOFError, gzip.BadGzipFile):
            continue
        t = re.sub(r'(?is)<(script|style)[^>]*>.*?</\1>', ' ', t)
        t = html.unescape(re.sub(r'<[^>]+>', '\n', t))
        for line in t.split('\n'):
            line = line.strip()
            if len(line) > 1 and line not in seen and re.search('[가-힣]', line):
                seen.add(line)
                lines.append(line)
text = ('\n'.join(lines) + '\n').encode()
if not text.strip():
    sys.exit('make_text.py: no Korean text under ' + root)
out = text
while len(out) < min_bytes:
    out += text
sys.stdout.buffer.write(out)
