"""crawl_warc.py -- --warc DIR writes WARC 1.1 (ISO 28500) files, checked by
a reader written here from the spec: every record is its own gzip member,
the first is warcinfo, then one response record per fetched page with
WARC-Target-URI, a WARC-Record-ID, a Content-Length that matches the block,
an application/http block whose body, decoded as its Content-Encoding says,
is exactly what the server sent (gzip bodies are kept as sent).
"""
import gzip
import os
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import UA, Resp, Server, check, db_rows, finish, html_page, malmoi, tmpdir

H = "warc.test"
pages = {f"/w{i}": html_page(f"보관 {i}").encode() for i in range(6)}
routes = {(H, "/robots.txt"): Resp(404, "", ctype="text/plain"),
          (H, "/"): Resp(200, html_page("보관소", list(pages)))}
for i, (p, body) in enumerate(pages.items()):
    if i % 2:
        routes[(H, p)] = Resp(200, gzip.compress(body), {"Content-Encoding": "gzip"})
    else:
        routes[(H, p)] = Resp(200, body)
srv = Server(routes)
P = srv.port
d = tmpdir()
wd = os.path.join(d, "warc")
os.makedirs(wd)
db = os.path.join(d, "w.db")
rc, out, err = malmoi("crawl", "--db", db, "--user-agent", UA, "--delay", "0", "--resolve", f"{H}:{P}:127.0.0.1",
                      "--seed", f"http://{H}:{P}/", "--warc", wd)
check(rc == 0, f"crawl exit {rc}: {err}")
files = sorted(os.listdir(wd))
run_id = db_rows(db, "SELECT max(id) FROM runs")[0][0]
check(files == [f"malmoi-{run_id}-00001.warc.gz"], f"WARC files {files}")

raw = open(os.path.join(wd, files[0]), "rb").read() if files else b""
records = []
members = 0
while raw:
    dec = zlib.decompressobj(wbits=31)  # exactly one gzip member
    data = dec.decompress(raw)
    check(dec.eof, "a gzip member is cut short")
    members += 1
    raw = dec.unused_data
    head, sep, rest = data.partition(b"\r\n\r\n")
    check(sep and head.startswith(b"WARC/1.1\r\n"), f"not a WARC/1.1 record: {data[:40]!r}")
    fields = {}
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        fields[k.strip().lower().decode()] = v.strip().decode("utf-8", "replace")
    n = int(fields.get("content-length", "-1"))
    check(len(rest) == n + 4 and rest[n:] == b"\r\n\r\n", f"record block length {len(rest) - 4} != {n}")
    records.append((fields, rest[:n]))
check(members == len(records) and members >= 1, "one record per gzip member")
check(records and records[0][0].get("warc-type") == "warcinfo", "first record is not warcinfo")
info_id = records[0][0].get("warc-record-id") if records else None
resp = [r for r in records if r[0].get("warc-type") == "response"]
ids = {r[0].get("warc-record-id") for r in records}
check(len(ids) == len(records) and all(i and i.startswith("<urn:uuid:") for i in ids), "record ids not unique uuids")
by_uri = {}
for f, block in resp:
    check(f.get("content-type") == "application/http;msgtype=response", f"content type {f.get('content-type')}")
    check(f.get("warc-warcinfo-id") == info_id, "response does not point at its warcinfo")
    http_head, _, body = block.partition(b"\r\n\r\n")
    lines = http_head.split(b"\r\n")
    check(lines[0].startswith(b"HTTP/1."), f"status line {lines[0]!r}")
    hdr = {l.split(b":", 1)[0].strip().lower(): l.split(b":", 1)[1].strip() for l in lines[1:] if b":" in l}
    check(int(hdr.get(b"content-length", b"-1")) == len(body), "HTTP Content-Length does not match the body")
    if hdr.get(b"content-encoding") == b"gzip":
        body = gzip.decompress(body)
    by_uri[f["warc-target-uri"]] = body
for p, body in pages.items():
    u = f"http://{H}:{P}{p}"
    check(by_uri.get(u) == body, f"{u}: WARC body differs from what was served")
check(len(resp) == len(pages) + 1, f"{len(resp)} response records, want {len(pages) + 1}")
srv.stop()
finish()
