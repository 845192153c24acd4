"""import_warc.py -- `malmoi import --format warc|wet`, checked against
WARC files written here from the spec (ISO 28500; Common Crawl's layout: a
gzip member per record, warcinfo/request/response/metadata triples,
revisits) out of real saved pages, and against WARC files written by
`malmoi crawl --warc`:

- a crawl of real pages and the import of the WARC it wrote store the same
  documents (the same page handler: url, site, title, text);
- the same records plain, gzipped per record and gzipped whole import alike;
  every record type in any order; only HTTP 200 HTML Korean pages become
  documents, the rest are counted in the summary and the run record;
- url = WARC-Target-URI, fetched = WARC-Date, source = import:warc, and
  source_ref = FILE:OFFSET points at the record's bytes (read back here);
- a charset given only in the HTTP header decodes an EUC-KR page
  (compared with the page's UTF-8 reference), chunked + gzip payloads are
  undone;
- a file cut short or damaged fails naming the file and the byte offset,
  keeps nothing of it, and the files around it are still imported;
- a second import adds nothing; memory does not grow with the file;
- WET conversion records (--format wet) give Korean texts only.
"""
import gzip
import os
import random
import re
import sqlite3
import subprocess
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "crawler"))
from harness import UA, Resp, Server, check, db_rows, finish, malmoi, tmpdir  # noqa: E402

DATA = os.environ.get("MALMOI_TEST_DATA", os.path.join(HERE, "..", "data"))
PAGES = os.path.join(DATA, "crawler", "pages")
KOREAN = {  # file -> (host, path)
    "kbs-01.html": ("news.kbs.co.kr", "/news/view.do?ncd=1"),
    "kbs-02.html": ("news.kbs.co.kr", "/news/view.do?ncd=2"),
    "kbs-03.html": ("news.kbs.co.kr", "/news/view.do?ncd=3"),
    "mbn-01.html": ("www.mbn.co.kr", "/news/economy/1"),
    "mbn-02.html": ("www.mbn.co.kr", "/news/economy/2"),
    "mbn-03.html": ("www.mbn.co.kr", "/news/economy/3"),
}
EUCKR = os.path.join(DATA, "parser", "encodings", "euckr-nolabel.html")
NOT_KOREAN = [os.path.join(DATA, "warc", "world.kbs.co.kr-Temperatures.html"),  # English, Korean chrome
              os.path.join(DATA, "warc", "nhk.or.jp.k100.html")]                # Japanese


def read(p):
    with open(p, "rb") as f:
        return f.read()


def docs(db):
    return {r[0]: r[1:] for r in db_rows(db, "SELECT url, site, title, text, content_hash FROM documents")}


# ---- 1. a crawl of real pages vs the import of its own WARC ----------------
d = tmpdir()
routes = {}
for name, (host, path) in KOREAN.items():
    routes[(host, path)] = Resp(200, read(os.path.join(PAGES, name)))
for host in {h for h, _ in KOREAN.values()}:
    allow = "".join(f"Allow: {p}$\n" for h, p in KOREAN.values() if h == host)
    routes[(host, "/robots.txt")] = Resp(200, f"User-agent: *\n{allow}Disallow: /\n", ctype="text/plain")
srv = Server(routes)
P = srv.port
wd = os.path.join(d, "warc")
os.makedirs(wd)
crawl_db = os.path.join(d, "crawl.db")
args = ["crawl", "--db", crawl_db, "--user-agent", UA, "--delay", "0", "--warc", wd]
for host in {h for h, _ in KOREAN.values()}:
    args += ["--resolve", f"{host}:{P}:127.0.0.1"]
for host, path in KOREAN.values():
    args += ["--seed", f"http://{host}:{P}{path}"]
rc, out, err = malmoi(*args)
srv.stop()
check(rc == 0, f"crawl exit {rc}: {err}")
crawled = docs(crawl_db)
check(len(crawled) == len(KOREAN), f"crawl stored {len(crawled)} documents, want {len(KOREAN)}")
warcs = [os.path.join(wd, f) for f in sorted(os.listdir(wd))]
imp_db = os.path.join(d, "from-crawl.db")
rc, out, err = malmoi("import", "--db", imp_db, "--format", "warc", *warcs)
check(rc == 0, f"import of the crawl's WARC: exit {rc}: {err}")
imported = docs(imp_db)
check(imported == crawled, "the crawl and the import of its WARC stored different documents:\n"
      + "\n".join(f"  {u}: crawl {crawled.get(u, (None,))[:3]} import {imported.get(u, (None,))[:3]}"
                  for u in set(crawled) | set(imported) if crawled.get(u) != imported.get(u)))
check(db_rows(imp_db, "SELECT count(*) FROM documents WHERE source = 'import:warc'")[0][0] == len(KOREAN),
      "imported documents are not marked import:warc")


# ---- 2. Common Crawl-shaped files ------------------------------------------
def record(typ, uri, block, date, ctype, extra=""):
    h = (f"WARC/1.0\r\nWARC-Type: {typ}\r\nWARC-Date: {date}\r\n"
         f"WARC-Record-ID: <urn:uuid:{random.getrandbits(128):032x}>\r\n")
    if uri:
        h += f"WARC-Target-URI: {uri}\r\n"
    h += f"{extra}Content-Type: {ctype}\r\nContent-Length: {len(block)}\r\n\r\n"
    return h.encode() + block + b"\r\n\r\n"


def http(status, ctype, body, extra=b""):
    reason = {200: b"OK", 404: b"Not Found", 301: b"Moved Permanently"}[status]
    head = b"HTTP/1.1 %d %s\r\n" % (status, reason)
    if ctype:
        head += b"Content-Type: " + ctype.encode() + b"\r\n"
    return head + extra + b"\r\n" + body


def chunked(b, n=1000):
    out = b""
    for i in range(0, len(b), n):
        out += b"%x\r\n" % len(b[i:i + n]) + b[i:i + n] + b"\r\n"
    return out + b"0\r\n\r\n"


rnd = random.Random(7)
expect = {}  # uri -> (date, a bit of text the document must hold or None)
records = [record("warcinfo", None, b"software: test\r\nformat: WARC File Format 1.0\r\n", "2024-03-01T00:00:00Z",
                  "application/warc-fields")]
triples = []
for i, (name, (host, path)) in enumerate(KOREAN.items()):
    uri = f"https://{host}{path}"
    date = f"2024-03-0{i + 1}T1{i}:00:00Z"
    body = read(os.path.join(PAGES, name))
    if i == 2:  # chunked and gzip, as some WARC writers keep them
        block = http(200, "text/html; charset=UTF-8", chunked(gzip.compress(body)),
                     b"Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n")
    else:
        block = http(200, "text/html; charset=UTF-8", body, b"Server: test\r\n")
    expect[uri] = (date, None)
    triples.append([record("request", uri, b"GET " + path.encode() + b" HTTP/1.1\r\nHost: " + host.encode() +
                           b"\r\n\r\n", date, "application/http; msgtype=request"),
                    record("response", uri, block, date, "application/http; msgtype=response",
                           "WARC-Identified-Payload-Type: text/html\r\n"),
                    record("metadata", uri, b"fetchTimeMs: 120\r\n", date, "application/warc-fields")])
# EUC-KR with the charset only in the HTTP header
euckr = read(EUCKR)
ref = read(EUCKR + ".utf8").decode()
uri = "http://euckr.example.kr/a"
expect[uri] = ("2024-03-09T09:09:09Z", "국회 폭력방지법")
triples.append([record("response", uri, http(200, "text/html; charset=euc-kr", euckr), "2024-03-09T09:09:09Z",
                       "application/http; msgtype=response")])
# Korean written only with character references (&#xD55C;): an ASCII page
ncr = read(os.path.join(PAGES, "apache-ko-bind.html")).decode("cp949")
ncr = "".join(ch if ord(ch) < 128 else f"&#x{ord(ch):X};" for ch in ncr).encode()
uri = "https://ncr.example.kr/bind"
expect[uri] = ("2024-03-09T10:10:10Z", "주소와 포트")
triples.append([record("response", uri, http(200, "text/html", ncr), "2024-03-09T10:10:10Z",
                       "application/http; msgtype=response")])
# counted, not stored: two not 200, two not HTML, two not Korean
not200 = [record("response", "https://news.kbs.co.kr/gone", http(404, "text/html", b"<p>\xec\x97\x86\xec\x9d\x8c</p>"),
                 "2024-03-01T01:00:00Z", "application/http; msgtype=response"),
          record("response", "https://news.kbs.co.kr/moved", http(301, "text/html", b"", b"Location: /x\r\n"),
                 "2024-03-01T01:00:01Z", "application/http; msgtype=response")]
nothtml = [record("response", "https://img.example.kr/a.jpg", http(200, "image/jpeg", bytes(rnd.randrange(256)
                                                                                       for _ in range(3000))),
                  "2024-03-01T01:00:02Z", "application/http; msgtype=response"),
           record("response", "https://news.kbs.co.kr/feed.xml",
                  http(200, "application/rss+xml", b"<rss><channel><title>\xed\x94\xbc\xeb\x93\x9c</title></channel></rss>"),
                  "2024-03-01T01:00:03Z", "application/http; msgtype=response")]
notko = [record("response", "https://world.kbs.co.kr/t", http(200, "text/html; charset=utf-8", read(NOT_KOREAN[0])),
                "2024-03-01T01:00:04Z", "application/http; msgtype=response"),
         record("response", "https://www3.nhk.or.jp/k100", http(200, "text/html; charset=utf-8", read(NOT_KOREAN[1])),
                "2024-03-01T01:00:05Z", "application/http; msgtype=response")]
others = [record("revisit", "https://news.kbs.co.kr/news/view.do?ncd=1", http(200, "text/html", b""),
                 "2024-03-02T00:00:00Z", "application/http; msgtype=response",
                 "WARC-Profile: http://netpreserve.org/warc/1.0/revisit/identical-payload-digest\r\n"),
          record("resource", "file:///x.txt", b"plain resource", "2024-03-02T00:00:00Z", "text/plain")]
items = [r for t in triples for r in t] + not200 + nothtml + notko + others
rnd.shuffle(items)
records += items


def write_per_record(path, recs):
    """A gzip member per record; returns each record's member offset."""
    offs = []
    with open(path, "wb") as f:
        for r in recs:
            offs.append(f.tell())
            f.write(gzip.compress(r))
    return offs


def write_plain(path, recs):
    offs, pos = [], 0
    with open(path, "wb") as f:
        for r in recs:
            offs.append(pos)
            f.write(r)
            pos += len(r)
    return offs


cc = os.path.join(d, "CC-MAIN-test-00000.warc.gz")
plain = os.path.join(d, "plain.warc")
whole = os.path.join(d, "whole.warc.gz")
offs_cc = write_per_record(cc, records)
offs_plain = write_plain(plain, records)
with open(whole, "wb") as f:
    f.write(gzip.compress(b"".join(records)))

results = {}
for path in (cc, plain, whole):
    db = os.path.join(d, os.path.basename(path) + ".db")
    rc, out, err = malmoi("import", "--db", db, "--format", "warc", path)
    check(rc == 0, f"{path}: exit {rc}: {err}")
    got = {r[0]: r[1:] for r in db_rows(db, "SELECT url, fetched, source, source_ref, text, content_hash FROM documents")}
    results[path] = got
    check(set(got) == set(expect), f"{os.path.basename(path)}: documents {sorted(got)}, want {sorted(expect)}")
    for u, (date, bit) in expect.items():
        if u not in got:
            continue
        check(got[u][0] == date, f"{u}: fetched {got[u][0]}, want the WARC-Date {date}")
        check(got[u][1] == "import:warc", f"{u}: source {got[u][1]}")
        check(got[u][2].startswith(path + ":"), f"{u}: source_ref {got[u][2]}")
        if bit:
            check(bit in got[u][3], f"{u}: the text lacks {bit!r} ({got[u][3][:80]!r})")
    msg = db_rows(db, "SELECT message, status, command FROM runs ORDER BY id DESC LIMIT 1")[0]
    check(msg[1] == "ok" and msg[2] == "import", f"run record {msg}")
    want = "2 not 200, 2 not HTML, 2 not Korean"
    check(want in msg[0], f"run message {msg[0]!r} lacks {want!r}")
    check(want in err, f"summary {err!r} lacks {want!r}")
    check(f"{len(records)} records" in msg[0], f"run message {msg[0]!r}: want {len(records)} records")

# the EUC-KR page: every Korean line of the reference is in the text
eu = results[cc].get("http://euckr.example.kr/a")
if eu:
    lines = [l.strip() for l in ref.splitlines() if re.search("[가-힣]", l) and len(l.strip()) > 20]
    check(lines and all(l[:20] in eu[3] for l in lines), "EUC-KR page text differs from its UTF-8 reference")
# the three layouts agree
check(results[cc] and {u: v[4] for u, v in results[cc].items()} == {u: v[4] for u, v in results[plain].items()}
      == {u: v[4] for u, v in results[whole].items()}, "plain, per-record gzip and whole gzip differ")

# source_ref points at the record: the gzip member (per record), the byte (plain), the uncompressed byte (whole)
raw_cc, raw_plain = read(cc), read(plain)
whole_plain = gzip.decompress(read(whole))
for path, raw, kind in ((cc, raw_cc, "member"), (plain, raw_plain, "byte"), (whole, whole_plain, "byte")):
    for u, v in results[path].items():
        off = int(v[2].rsplit(":", 1)[1])
        data = zlib.decompressobj(wbits=31).decompress(raw[off:]) if kind == "member" else raw[off:off + 4096]
        head = data.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
        check(head.startswith("WARC/1.0") and "WARC-Type: response" in head and f"WARC-Target-URI: {u}" in head,
              f"{os.path.basename(path)}: source_ref {v[2]} does not point at the response record of {u}")
check(sorted(int(v[2].rsplit(":", 1)[1]) for v in results[cc].values()) ==
      sorted(offs_cc[i] for i, r in enumerate(records) if b"WARC-Type: response" in r[:200]
             and any(b"WARC-Target-URI: " + u.encode() + b"\r\n" in r[:400] for u in expect)),
      "per-record gzip offsets are not the members' offsets")

# a second import adds nothing
db_cc = os.path.join(d, os.path.basename(cc) + ".db")
n0 = db_rows(db_cc, "SELECT count(*) FROM documents")[0][0]
rc, out, err = malmoi("import", "--db", db_cc, "--format", "warc", cc)
check(rc == 0 and db_rows(db_cc, "SELECT count(*) FROM documents")[0][0] == n0 and "0 documents added" in err,
      f"a second import changed the database: {err}")

# ---- 3. cut short and damaged files ----------------------------------------
# files around the bad one are still imported; nothing of the bad one stays
good1 = os.path.join(d, "good1.warc")
good2 = os.path.join(d, "good2.warc.gz")
write_plain(good1, [records[0]] + triples[0])
write_per_record(good2, [records[0]] + triples[1])
cut = os.path.join(d, "cut.warc.gz")
offs_cut = write_per_record(cut, [records[0]] + triples[3] + triples[4] + triples[5])
blob = read(cut)
member = offs_cut[5]  # the response of triples[4]
cut_at = member + (offs_cut[6] - member) // 2
with open(cut, "wb") as f:
    f.write(blob[:cut_at])
bad = os.path.join(d, "damaged.warc.gz")
blob2 = bytearray(blob)
mid = member + (offs_cut[6] - member) // 2
for k in range(mid, mid + 64):
    blob2[k] ^= 0x5A
with open(bad, "wb") as f:
    f.write(bytes(blob2))
cutplain = os.path.join(d, "cut.warc")
pl = b"".join([records[0]] + triples[3])
with open(cutplain, "wb") as f:
    f.write(pl[:len(pl) - 3000])
notwarc = os.path.join(d, "notes.warc")
with open(notwarc, "wb") as f:
    f.write(b"this is not a web archive\n" * 10)

db = os.path.join(d, "bad.db")
rc, out, err = malmoi("import", "--db", db, "--format", "warc", good1, cut, bad, cutplain, notwarc, good2)
check(rc == 1, f"bad files: exit {rc}, want 1")
check(re.search(re.escape(cut) + r": cut off at byte " + str(cut_at) + r".*member that starts at byte "
                + str(member), err), f"the cut file's message does not name it and its offsets: {err}")
check(re.search(re.escape(bad) + r": byte \d+: damaged gzip data.*member that starts at byte " + str(member), err),
      f"the damaged file's message does not name it and the member: {err}")
check(re.search(re.escape(cutplain) + r": cut off: the record at byte \d+", err),
      f"the cut plain file's message: {err}")
check(re.search(re.escape(notwarc) + r": byte 0: not a WARC record", err), f"not a WARC file: {err}")
urls = {r[0] for r in db_rows(db, "SELECT url FROM documents")}
want = {list(expect)[0], list(expect)[1]}
check(urls == want, f"after the bad files: documents {sorted(urls)}, want those of the good files {sorted(want)}")
msg = db_rows(db, "SELECT status, message FROM runs")[0]
check(msg[0] == "failed" and "imported 2 of 6 files" in msg[1], f"run record after bad files: {msg}")

# ---- 4. memory does not grow with the file ---------------------------------
def peak_kib(path):
    """Peak RSS of one import. A small Python in between starts it: Linux
    carries a process's peak RSS across fork and exec, so a child of this
    (large) test process would report the test's own peak."""
    db = os.path.join(d, os.path.basename(path) + ".mem.db")
    env = dict(os.environ)
    env.pop("MALMOI_CONFIG", None)
    # under ASan, freed memory waits in a quarantine (256 MiB): keep it small
    env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=4").lstrip(":")
    probe = ("import os, subprocess, sys\n"
             "p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
             "_, st, ru = os.wait4(p.pid, 0)\n"
             "print(os.waitstatus_to_exitcode(st), ru.ru_maxrss)\n")
    p = subprocess.run(["/usr/bin/python3", "-c", probe, os.environ.get("MALMOI", "malmoi"), "import", "--db", db,
                        "--format", "warc", path], capture_output=True, text=True, env=env)
    code, kib = (int(x) for x in p.stdout.split())
    check(code == 0, f"{path}: {p.stderr}")
    return kib


def big_file(path, n):
    """n rounds of: a 200 KB image, a 404, a Korean page made unique by a line."""
    recs = [records[0]]
    page = read(os.path.join(PAGES, "kbs-01.html"))
    img = bytes(rnd.randrange(256) for _ in range(4096)) * 50
    for i in range(n):
        uniq = page.replace(b"</body>", f"<p>고유 번호 {i} 번 문단입니다.</p></body>".encode(), 1)
        recs.append(record("response", f"https://img.example.kr/{i}.jpg", http(200, "image/jpeg", img),
                           "2024-03-01T00:00:00Z", "application/http; msgtype=response"))
        recs.append(record("response", f"https://news.kbs.co.kr/x/{i}", http(404, "text/html", page),
                           "2024-03-01T00:00:00Z", "application/http; msgtype=response"))
        if i % 10 == 0:
            recs.append(record("response", f"https://news.kbs.co.kr/p/{i}", http(200, "text/html", uniq),
                               "2024-03-01T00:00:00Z", "application/http; msgtype=response"))
    write_per_record(path, recs)


small, large = os.path.join(d, "small.warc.gz"), os.path.join(d, "large.warc.gz")
big_file(small, 20)
big_file(large, 400)
s_kib, l_kib = peak_kib(small), peak_kib(large)
check(os.path.getsize(large) > 15 * os.path.getsize(small), "the large file is not much larger")
check(l_kib < s_kib + 8 * 1024, f"peak memory {s_kib} KiB for a small file, {l_kib} KiB for one "
      f"{os.path.getsize(large) // os.path.getsize(small)}x larger")

# ---- 5. WET -----------------------------------------------------------------
wet = os.path.join(d, "CC-MAIN-test.warc.wet.gz")
ko_text = "서울 시내 도서관들이 주말 운영 시간을 늘리기로 했다.\n시민들은 반가운 소식이라고 말했다."
wet_recs = [record("warcinfo", None, b"software: test\r\n", "2024-03-01T00:00:00Z", "application/warc-fields"),
            record("conversion", "https://news.kbs.co.kr/w1", ko_text.encode(), "2024-03-05T05:05:05Z", "text/plain"),
            record("conversion", "https://example.com/en", b"An English page about libraries and weekends.",
                   "2024-03-05T05:05:06Z", "text/plain")]
write_per_record(wet, wet_recs)
db = os.path.join(d, "wet.db")
rc, out, err = malmoi("import", "--db", db, "--format", "wet", wet)
check(rc == 0, f"wet: exit {rc}: {err}")
rows = db_rows(db, "SELECT url, text, source, fetched, site FROM documents")
check(rows == [("https://news.kbs.co.kr/w1", ko_text, "import:wet", "2024-03-05T05:05:05Z", "kbs")],
      f"wet documents {rows}")
check("1 not Korean" in err, f"wet summary {err!r}")

finish()
