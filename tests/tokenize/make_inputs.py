#!/usr/bin/python3
"""make_inputs.py OUTDIR -- writes the generated test inputs of tests/tokenize:

edge.txt       hand-picked edge cases (empty and whitespace-only lines, tabs,
               compatibility jamo, full-width, emoji, Hanja, accents, literal
               special tokens, NUL and control bytes, invalid UTF-8) plus
               seeded random byte soup and random Korean/mixed lines
codepoints.txt the Unicode scalar values except LF (planes 4-13 and 15-16
               sampled), 32 per line, each as
               "x<c>y <c>" (inside a word and alone)
oneline.txt    one line of 1 MiB of Korean text (from the file given as $2)
Deterministic (fixed seed), so a failure reproduces.
"""
import os
import random
import sys

out = sys.argv[1]
random.seed(20240229)
lines = [b'', b'   ', b'\t', b' \t \t ', '\u3000\u3000'.encode(),
         'ㅋㅋㅋ ㅎㅎ ㅠㅠ ㄱㄴㄷ'.encode(), 'ＡＢＣ　１２３ ｈｅｌｌｏ'.encode(),
         '😀 이모지 👍🏽 🇰🇷 🥰'.encode(), '漢字 韓國 大韓民國 丁酉 𠀀'.encode(),
         'café naïve Ångström façade'.encode(),
         '[CLS] 특수 [SEP] 토큰 [MASK] [PAD] [UNK] x[MASK]y [[CLS]]'.encode(),
         '㈜ ① ㎏ ℃ ½ … ‥ ™'.encode(), '\u200b제로\u200b폭 \ufeffBOM \u00adsoft'.encode(),
         b'\xff\xfe invalid \xc3\x28 bytes \xed\xa0\x80 surrogate \xf4\x90\x80\x80 \xc0\xaf',
         b'\x00nul\x00 byte', b'\x01\x02 ctrl \x7f \x1b[0m', 'a\rb\r'.encode(),
         '  leading and trailing  '.encode(), '가\u11a8 decomposed 한\u1100\u1161'.encode(),
         '\u1100\u1161\u11a8 \u1112\u1161\u11ab'.encode(), '⁇ ▁ ▁▁ _ <unk> <s> </s>'.encode(),
         '4,000 1,234,567 3.14 2025년 ３，０００원'.encode(),
         ('가' * 150 + ' ' + 'a' * 150).encode(), 'Ｈｅｌｌｏ　Ｗｏｒｌｄ！'.encode(),
         'İstanbul ΣΊΣΥΦΟΣ straße ǅ'.encode()]
soup = [0x20, 0x41, 0xea, 0xb0, 0x80, 0xed, 0x9e, 0xa3, 0xc3, 0xa9, 0xff, 0xe2, 0x96,
        0x81, 0x09, 0x5b, 0x43, 0x4c, 0x53, 0x5d, 0x00, 0x0d, 0xf0, 0x9f]
for _ in range(300):
    lines.append(bytes(random.choice(soup) for _ in range(random.randint(1, 80))))
pool = ('가나다라마바사아자차카타파하한국어모델ㄱㄴㅋㅎㅏㅓ漢字ＡＢ１２abcXYZ 　\t…①㈜😀'
        'é\u0301\u0308,.!?"\'[]<>#')
for _ in range(500):
    lines.append(''.join(random.choice(pool) for _ in range(random.randint(1, 60))).encode())
with open(os.path.join(out, 'edge.txt'), 'wb') as f:
    f.write(b'\n'.join(lines) + b'\n')

# every assigned plane whole (0-3 and 14); planes 4-13 (unassigned) and
# 15-16 (private use) are uniform, so every 97th code point there
cps = [c for c in range(1, 0x110000) if c != 10 and not 0xD800 <= c <= 0xDFFF and
       (c < 0x40000 or 0xE0000 <= c < 0xF0000 or c % 97 == 0)]
with open(os.path.join(out, 'codepoints.txt'), 'wb') as f:
    for i in range(0, len(cps), 32):
        f.write(' '.join('x%sy %s' % (chr(c), chr(c))
                         for c in cps[i:i + 32]).encode('utf-8', 'surrogatepass') + b'\n')

if len(sys.argv) > 2:
    text = open(sys.argv[2], 'rb').read().replace(b'\n', b' ')
    big = (text * (1 + (1 << 20) // max(1, len(text))))[:1 << 20]
    big = big.decode('utf-8', 'ignore').encode()
    with open(os.path.join(out, 'oneline.txt'), 'wb') as f:
        f.write(big + b'\n')
