"""crawl_faults.py -- the crawler against a misbehaving server on 127.0.0.1:
429 and 503 with Retry-After, a slow drip, a stalled response, a connection
reset, truncated gzip, a compression bomb, wrong and missing Content-Type,
redirect chains, loops and redirects to ftp:, an EUC-KR page, robots.txt
answering 500 (disallow all) and 404 (allow all), a host that keeps failing
(parked), per-host concurrency measured at the server, and a conditional-GET
round (304 keeps the stored page). Expected outcomes follow RFC 9110/9309
and the issue; timings are only lower bounds the server measures.
"""
import gzip
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (DATA, UA, Resp, Server, check, db_rows, finish, html_page, inflate, malmoi, max_overlap,
                     tmpdir, write_config)

H = "faults.test"
# good pages between the faulty ones: a success resets the host's failure
# count, so its back-off pause (which doubles per failure) stays short
paths = ["/retry429", "/retry503", "/drip", "/ok1", "/stall", "/ok2", "/reset", "/ok3", "/truncgz", "/ok4", "/cutgz",
         "/bomb", "/wrongtype", "/notype", "/redir1", "/loop1", "/toftp", "/cross", "/chain0", "/euckr", "/etag"]
euc = open(os.path.join(DATA, "pages", "apache-ko-bind.html"), "rb").read()
bomb = gzip.compress(b"\0" * (40 << 20), 9)
good = html_page("정상 페이지")


def retry(status, after):
    def f(h, n):
        if n == 1:
            return Resp(status, "<html>busy</html>", {"Retry-After": after})
        return Resp(200, html_page(f"재시도 {status}"))
    return f


def etag(h, n):
    if h.headers.get("If-None-Match") == '"v1"':
        return Resp(304, b"", {"ETag": '"v1"'}, ctype=None)
    return Resp(200, html_page("조건부 요청"), {"ETag": '"v1"', "Last-Modified": "Tue, 07 Mar 2023 01:02:03 GMT"})


routes = {
    (H, "/robots.txt"): Resp(404, "nope", ctype="text/plain"),
    (H, "/"): Resp(200, html_page("시작", paths)),
    (H, "/retry429"): retry(429, "2"),
    (H, "/retry503"): retry(503, "1"),
    (H, "/drip"): Resp(200, good, mode="drip"),
    (H, "/stall"): Resp(200, good, mode="stall"),
    (H, "/reset"): Resp(200, good, mode="reset"),
    (H, "/truncgz"): Resp(200, gzip.compress(good.encode()), {"Content-Encoding": "gzip"}, mode="truncate"),
    # a complete HTTP response whose gzip stream stops half way
    (H, "/cutgz"): Resp(200, gzip.compress(good.encode())[:300], {"Content-Encoding": "gzip"}),
    (H, "/bomb"): Resp(200, bomb, {"Content-Encoding": "gzip"}),
    (H, "/wrongtype"): Resp(200, good, ctype="image/png"),
    (H, "/notype"): Resp(200, html_page("형식 없음"), ctype=None),
    (H, "/redir1"): Resp(301, "", {"Location": "/redir2"}),
    (H, "/redir2"): Resp(302, "", {"Location": f"/final"}),
    (H, "/final"): Resp(200, html_page("최종 목적지")),
    (H, "/loop1"): Resp(302, "", {"Location": "/loop2"}),
    (H, "/loop2"): Resp(302, "", {"Location": "/loop1"}),
    (H, "/toftp"): Resp(302, "", {"Location": "ftp://127.0.0.1/x"}),
    # a redirect to another host goes through that host's robots.txt (500 here)
    (H, "/cross"): Resp(302, "", {"Location": f"http://down.test:{{PORT}}/from-redirect"}),
    (H, "/euckr"): Resp(200, euc, ctype="text/html; charset=EUC-KR"),
    (H, "/etag"): etag,
    (H, "/ok1"): Resp(200, html_page("정상 1")),
    (H, "/ok2"): Resp(200, html_page("정상 2")),
    (H, "/ok3"): Resp(200, html_page("정상 3")),
    (H, "/ok4"): Resp(200, html_page("정상 4")),
    # robots.txt 500: the host is off limits for now (RFC 9309 2.3.1.4)
    ("down.test", "/robots.txt"): Resp(500, "oops", ctype="text/plain"),
    ("down.test", "/"): Resp(200, html_page("금지")),
    # a host whose pages all fail: parked after host_fail_park failures
    ("flaky.test", "/robots.txt"): Resp(404, "", ctype="text/plain"),
    ("flaky.test", "/"): Resp(200, html_page("불안정", [f"/p{i}" for i in range(10)])),
}
for i in range(10):
    routes[("flaky.test", f"/p{i}")] = Resp(500, "error")
for i in range(13):  # a chain of 12 redirects: 10 are followed
    routes[(H, f"/chain{i}")] = Resp(301, "", {"Location": f"/chain{i + 1}"})
for i in range(8):
    routes[("slow.test", f"/s{i}")] = Resp(200, html_page(f"느린 {i}"), delay=0.4)
routes[("slow.test", "/robots.txt")] = Resp(404, "", ctype="text/plain")
routes[("slow.test", "/")] = Resp(200, html_page("느린 사이트", [f"/s{i}" for i in range(8)]))

srv = Server(routes)
P = srv.port
routes[(H, "/cross")].headers["Location"] = f"http://down.test:{P}/from-redirect"
d = tmpdir()
conf = write_config(d, f"""
[crawler]
user_agent = malmoi/0.1
contact = CHANGE-ME
connect_timeout = 3
timeout = 6
low_speed_limit = 100
low_speed_time = 2
max_body = 1048576
retry_base = 120
max_attempts = 3
host_fail_park = 3
idle_wait = 4

[site faults]
hosts = faults.test
host_fail_park = 100
""")
db = os.path.join(d, "f.db")
res = []
for h in (H, "down.test", "flaky.test", "slow.test"):
    res += ["--resolve", f"{h}:{P}:127.0.0.1"]

# The shipped placeholder contact makes crawl refuse to start, naming the key.
rc, out, err = malmoi("crawl", "--db", db, "--config", conf, "--seed", f"http://{H}:{P}/", *res)
check(rc == 1 and "contact" in err and "[crawler]" in err, f"placeholder contact: exit {rc}, {err!r}")
check(not srv.log, "requests were made without a user agent")

seeds = []
for h in (H, "down.test", "flaky.test", "slow.test"):
    seeds += ["--seed", f"http://{h}:{P}/"]
t0 = time.monotonic()
rc, out, err = malmoi("crawl", "--db", db, "--config", conf, "--user-agent", UA, "--delay", "0", "--per-host", "2",
                      *seeds, *res, timeout=90)
check(rc == 0, f"crawl exit {rc}: {err}")

rows = {u.split(str(P), 1)[1]: (s, st, e, a) for u, s, st, e, a in
        db_rows(db, "SELECT url, state, last_status, last_error, attempts FROM urls WHERE host = ?", f"http://{H}:{P}")}


def state(p):
    return rows.get(p, (None, None, None, None))


# 429 / 503 with Retry-After: retried after at least the time asked for
for p, wait in (("/retry429", 2), ("/retry503", 1)):
    reqs = sorted([e for e in srv.log if e["host"] == H and e["path"] == p], key=lambda e: e["start"])
    check(len(reqs) == 2, f"{p}: {len(reqs)} requests, want 2")
    if len(reqs) == 2:
        check(reqs[1]["start"] - reqs[0]["end"] >= wait - 0.05, f"{p}: Retry-After {wait} not kept")
    check(state(p)[0] == "done", f"{p}: state {state(p)}")
for p, kind in (("/drip", "timeout"), ("/stall", "timeout"), ("/reset", "net"), ("/truncgz", None)):
    s = state(p)
    check(s[0] == "queued" and s[3] == 1, f"{p}: want queued for a retry after one attempt, got {s}")
    if kind:
        check(s[2] == kind, f"{p}: error kind {s[2]}, want {kind}")
check(state("/bomb")[0] == "failed" and state("/bomb")[2] == "limit", f"/bomb: {state('/bomb')}")
check(not db_rows(db, "SELECT 1 FROM responses r JOIN urls u ON u.id = r.url_id WHERE u.url LIKE '%/bomb'"),
      "compression bomb stored")
check(state("/wrongtype")[:3] == ("skipped", 200, "not_html"), f"/wrongtype: {state('/wrongtype')}")
check(db_rows(db, "SELECT count(*), max(length(r.body)) FROM responses r JOIN urls u ON u.id = r.url_id"
                  " WHERE u.url LIKE '%/wrongtype'")[0][0] == 1, "non-HTML response not recorded")
check(state("/notype")[0] == "done", f"/notype: {state('/notype')}")
check(db_rows(db, "SELECT count(*) FROM documents WHERE title = '형식 없음'")[0][0] == 1,
      "page without Content-Type not extracted")
# redirects: each hop is a frontier URL of its own, fetched once
for p, code in (("/redir1", 301), ("/redir2", 302), ("/final", 200)):
    check(state(p)[:2] == ("done", code), f"{p}: {state(p)}")
    check(srv.hits(H, p) == 1, f"{p} fetched {srv.hits(H, p)} times")
check(db_rows(db, "SELECT count(*) FROM documents WHERE title = '최종 목적지'")[0][0] == 1, "redirect target not extracted")
check(srv.hits(H, "/loop1") == 1 and srv.hits(H, "/loop2") == 1, "a redirect loop was fetched more than once")
check(state("/toftp")[0] == "failed" and state("/toftp")[2] == "http", f"/toftp: {state('/toftp')}")
check(srv.hits("down.test", "/from-redirect") == 0, "a redirect bypassed the target host's robots.txt (500)")
chain = [i for i in range(13) if srv.hits(H, f"/chain{i}")]
check(chain == list(range(11)), f"redirect chain fetched {chain}, want /chain0../chain10 (10 redirects)")
check(state("/chain10")[2] == "redirects", f"/chain10: {state('/chain10')}")
check(db_rows(db, "SELECT count(*) FROM urls WHERE url LIKE '%/chain11'")[0][0] == 0, "hop 11 was queued")

# EUC-KR: the document text equals what Python's own decoder finds in the page
doc = db_rows(db, "SELECT d.text FROM documents d JOIN urls u ON u.document_id = d.id WHERE u.url LIKE '%/euckr'")
ref = euc.decode("euc-kr")
check(doc and "주소" in doc[0][0] and "주소" in ref, "EUC-KR page not decoded into a document")
if doc:
    words = [w for w in doc[0][0].split() if any("\uac00" <= ch <= "\ud7a3" for ch in w)][:30]
    check(words and all(w in ref for w in words), "EUC-KR text has words the page does not have")

# robots.txt 500: nothing but robots.txt fetched from down.test
down = [e["path"] for e in srv.log if e["host"] == "down.test"]
check(down == ["/robots.txt"], f"down.test (robots 500) requests: {down}")
check(db_rows(db, "SELECT robots_status FROM hosts WHERE host = ?", f"http://down.test:{P}")[0][0] == 500,
      "robots 500 not recorded")
# a failing host is parked, not hammered
flaky = [e["path"] for e in srv.log if e["host"] == "flaky.test" and e["path"].startswith("/p")]
check(3 <= len(flaky) <= 4, f"flaky.test got {len(flaky)} page requests, want it parked after 3")
park = db_rows(db, "SELECT parked_until, parked_reason FROM hosts WHERE host = ?", f"http://flaky.test:{P}")
check(park and park[0][0] > time.time() and "failures" in (park[0][1] or ""), f"flaky host not parked: {park}")
# per-host 2: two at a time on slow.test, never three
slow = [(e["start"], e["end"]) for e in srv.log if e["host"] == "slow.test" and e["path"].startswith("/s")]
check(len(slow) == 8, f"slow.test: {len(slow)} pages")
check(max_overlap(slow) == 2, f"slow.test: {max_overlap(slow)} requests at once, want 2 (--per-host 2)")
others = [(e["start"], e["end"]) for e in srv.log if e["host"] == H]
check(max_overlap(others) <= 2, "faults.test: more than 2 requests at once")

runs = db_rows(db, "SELECT status, errors FROM runs ORDER BY id DESC LIMIT 1")
check(runs and runs[0][0] == "ok" and '"timeout":2' in runs[0][1] and '"encoding":1' in runs[0][1]
      and '"limit":1' in runs[0][1], f"runs row {runs}")
check(state("/truncgz")[2] in ("encoding", "net"), f"/truncgz error kind {state('/truncgz')}")
check(state("/cutgz")[0] == "queued" and state("/cutgz")[2] == "encoding", f"/cutgz: {state('/cutgz')}")

# Conditional GET: when the page is due again (made due here), a 304 keeps the stored page.
db_rows(db, "UPDATE urls SET state = 'queued', next_fetch = 0 WHERE url LIKE '%/etag'")
n_resp = db_rows(db, "SELECT count(*) FROM responses")[0][0]
before = len(srv.log)
rc, out, err = malmoi("crawl", "--db", db, "--config", conf, "--user-agent", UA, "--delay", "0",
                      "--seed", f"http://{H}:{P}/", *res, "--max-seconds", "20", timeout=60)
check(rc == 0, f"revisit crawl exit {rc}: {err}")
et = [e for e in srv.log[before:] if e["path"] == "/etag"]
check(et and et[0]["headers"].get("If-None-Match") == '"v1"', f"no If-None-Match sent: {et[:1]}")
check(et and et[0]["headers"].get("If-Modified-Since") == "Tue, 07 Mar 2023 01:02:03 GMT",
      "no If-Modified-Since sent")
st = db_rows(db, "SELECT last_status, state FROM urls WHERE url LIKE '%/etag'")
check(st and st[0][0] == 304, f"/etag after revisit: {st}")
check(db_rows(db, "SELECT count(*) FROM responses r JOIN urls u ON u.id = r.url_id WHERE u.url LIKE '%/etag'")[0][0]
      == 1, "304 stored a second response")
check(db_rows(db, "SELECT count(*) FROM documents WHERE title = '조건부 요청'")[0][0] == 1, "304 lost the document")
check(db_rows(db, "PRAGMA integrity_check")[0][0] == "ok", "integrity_check failed")

srv.stop()
finish()
