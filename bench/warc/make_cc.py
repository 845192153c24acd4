"""make_cc.py OUT SIZE_MB KOREAN_SHARE -- a Common Crawl-shaped WARC file
for measuring what one import task costs: per capture a request, a response
and a metadata record, each its own gzip member (as CC-MAIN-*.warc.gz), until
the file reaches SIZE_MB. Responses: KOREAN_SHARE of them real Korean news
pages (tests/data/crawler/pages, each made distinct by a number), 8% not 200
(404 and redirects), 4% not HTML (images), the rest real non-Korean pages
(the 181 pages of tests/data/parser/aeb, mostly English, and
tests/data/warc). Common Crawl's own Korean share is under 1%; a file
selected through the columnar index (content_languages = kor) is near 1."""
import gzip
import io
import os
import random
import sys
import tarfile

out, size_mb, share = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "data")
korean = [open(os.path.join(root, "crawler", "pages", f), "rb").read()
          for f in sorted(os.listdir(os.path.join(root, "crawler", "pages"))) if f.endswith(".html")]
other = []
with tarfile.open(os.path.join(root, "parser", "aeb", "pages.tar.xz")) as t:
    for m in t.getmembers():
        if m.isfile() and m.name.endswith(".html"):
            other.append(t.extractfile(m).read())
other += [open(os.path.join(root, "warc", f), "rb").read() for f in os.listdir(os.path.join(root, "warc"))
          if f.endswith(".html")]
rnd = random.Random(1)
img = bytes(rnd.randrange(256) for _ in range(30000))


def rec(typ, uri, block, ctype):
    head = (f"WARC/1.0\r\nWARC-Type: {typ}\r\nWARC-Date: 2024-03-01T00:00:00Z\r\n"
            f"WARC-Record-ID: <urn:uuid:{rnd.getrandbits(128):032x}>\r\nWARC-Target-URI: {uri}\r\n"
            f"Content-Type: {ctype}\r\nContent-Length: {len(block)}\r\n\r\n").encode()
    return gzip.compress(head + block + b"\r\n\r\n", 6)


n = ko = 0
with open(out, "wb") as f:
    while f.tell() < size_mb * 1e6:
        n += 1
        uri = f"https://site{n % 997}.example/{n}"
        x = rnd.random()
        if x < share:
            ko += 1
            page = rnd.choice(korean)
            enc = "cp949" if b"EUC-KR" in page[:300] else "utf-8"
            # distinct text: a number in every sentence
            body = page.replace("다.".encode(enc), f"다 {n}.".encode(enc))
            resp = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + body
        elif x < share + 0.08:
            resp = b"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n\r\n<html><body>not found</body></html>"
        elif x < share + 0.12:
            resp = b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n\r\n" + img
        else:
            resp = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + rnd.choice(other)
        f.write(rec("request", uri, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "application/http; msgtype=request"))
        f.write(rec("response", uri, resp, "application/http; msgtype=response"))
        f.write(rec("metadata", uri, b"fetchTimeMs: 100\r\n", "application/warc-fields"))
print(f"{out}: {n} captures, {ko} Korean, {os.path.getsize(out) / 1e6:.0f} MB", file=sys.stderr)
