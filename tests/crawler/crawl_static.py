"""crawl_static.py -- a polite crawl of two real Korean news sites served by
Debian's nginx on 127.0.0.1 under their original host names and paths
(--resolve). Checked at the server (nginx's access log) and in the database:
robots.txt first and obeyed, Crawl-delay kept, one connection per host, each
page fetched once, the User-Agent from the config, raw responses kept
byte-exact, documents extracted with the titles the news scraper recorded
(tests/data/crawler/pages/index.json), and a second run fetching nothing.
"""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (DATA, Nginx, check, db_rows, finish, html_page, inflate, malmoi, max_overlap, tmpdir,
                     write_config)

d = tmpdir()
index = json.load(open(os.path.join(DATA, "pages", "index.json"), encoding="utf-8"))
roots = {"news.kbs.co.kr": os.path.join(d, "kbs"), "www.mbn.co.kr": os.path.join(d, "mbn")}
for r in roots.values():
    os.makedirs(r)
port_placeholder = "{PORT}"
pages = {}  # url path -> (host, file bytes, scraper title)
for e in index:
    host = e["url"].split("/")[2]
    path = "/" + e["url"].split("/", 3)[3]
    fpath = path.replace("?", "__") if "?" in path else path
    dst = roots[host] + fpath
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    raw = open(os.path.join(DATA, "pages", e["name"] + ".html"), "rb").read()
    open(dst, "wb").write(raw)
    pages[(host, path)] = (raw, e["title"])

os.makedirs(os.path.join(roots["news.kbs.co.kr"], "private"))
open(os.path.join(roots["news.kbs.co.kr"], "private", "secret.html"), "w").write(html_page("비밀"))
open(os.path.join(roots["news.kbs.co.kr"], "robots.txt"), "w").write(
    "User-agent: *\nDisallow: /private/\nCrawl-delay: 0.3\n")

ng = Nginx(d, roots, extra="location /news/view.do { try_files ${uri}__${args} =404; }")
port = ng.port
for host, root in roots.items():
    links = [f"http://{h}:{port}{p}" for (h, p) in pages if h == host]
    if host == "news.kbs.co.kr":
        links.append("/private/secret.html")
    else:
        links.append("/no/such/page.html")
    open(os.path.join(root, "index.html"), "w", encoding="utf-8").write(html_page(host, links))

conf = write_config(d, """
[crawler]
user_agent = malmoi/0.1
contact = https://example.org/crawl-contact
delay = 0
idle_wait = 2

[site kbs]
hosts = news.kbs.co.kr
max_depth = 1

[site mbn]
hosts = www.mbn.co.kr
max_depth = 1
""")
db = os.path.join(d, "crawl.db")
args = ["crawl", "--db", db, "--config", conf,
        "--resolve", f"news.kbs.co.kr:{port}:127.0.0.1", "--resolve", f"www.mbn.co.kr:{port}:127.0.0.1",
        "--seed", f"http://news.kbs.co.kr:{port}/", "--seed", f"http://www.mbn.co.kr:{port}/"]
rc, out, err = malmoi(*args)
check(rc == 0, f"crawl exit {rc}: {err}")
log = ng.log()

for host in roots:
    reqs = sorted([e for e in log if e["host"] == host], key=lambda e: e["start"])
    check(reqs and reqs[0]["path"] == "/robots.txt", f"{host}: robots.txt is not the first request: {reqs[:1]}")
    check(sum(1 for e in reqs if e["path"] == "/robots.txt") == 1, f"{host}: robots.txt fetched more than once")
    check(max_overlap([(e["start"], e["end"]) for e in reqs]) <= 1, f"{host}: more than one request at a time")
    paths = [e["path"] for e in reqs]
    check(len(paths) == len(set(paths)), f"{host}: a page was fetched twice: {paths}")
    for (h, p) in pages:
        if h == host:
            check(p in paths, f"{host}{p} was not fetched")
kbs = sorted([e for e in log if e["host"] == "news.kbs.co.kr"], key=lambda e: e["start"])
gaps = [b["start"] - a["end"] for a, b in zip(kbs, kbs[1:])]
check(gaps and min(gaps) >= 0.28, f"Crawl-delay 0.3 s not kept on news.kbs.co.kr: gaps {gaps}")
check(not any(e["path"].startswith("/private/") for e in log), "robots.txt Disallow: /private/ was fetched")
check(all("malmoi/0.1 (+https://example.org/crawl-contact)" in open(os.path.join(d, "access.log")).read()
          for _ in [0]), "User-Agent from the config was not sent")

st = dict((u, (s, e)) for u, s, e in db_rows(db, "SELECT url, state, last_error FROM urls"))
check(st.get(f"http://news.kbs.co.kr:{port}/private/secret.html") == ("skipped", "robots"),
      f"private page state {st.get(f'http://news.kbs.co.kr:{port}/private/secret.html')}")
check(st.get(f"http://www.mbn.co.kr:{port}/no/such/page.html", ("?",))[0] == "failed", "404 page not failed")

# raw responses are kept byte-exact (nginx sent them gzip-compressed)
for (host, path), (raw, title) in pages.items():
    url = f"http://{host}:{port}{path}"
    rows = db_rows(db, "SELECT r.body, r.body_size, r.status FROM responses r JOIN urls u ON u.id = r.url_id"
                       " WHERE u.url = ?", url)
    check(len(rows) == 1, f"{url}: {len(rows)} responses stored")
    if rows:
        check(inflate(rows[0][0]) == raw, f"{url}: stored body differs from the served file")
    doc = db_rows(db, "SELECT d.title, d.site, length(d.text) FROM documents d JOIN urls u ON u.document_id = d.id"
                      " WHERE u.url = ?", url)
    check(len(doc) == 1, f"{url}: no document")
    if doc:
        # the scraper wrote typographic quotes (U+2033 ...) as ASCII ones
        q = str.maketrans({"\u2033": '"', "\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})
        t = (doc[0][0] or "").translate(q)
        title = title.translate(q).strip()
        check(t and (title in t or t in title), f"{url}: title {t!r}, scraper says {title!r}")
        check(doc[0][1] == ("kbs" if "kbs" in host else "mbn"), f"{url}: site {doc[0][1]}")
        check(doc[0][2] > 0, f"{url}: empty text")

hosts = dict(db_rows(db, "SELECT host, robots_status FROM hosts"))
check(hosts.get(f"http://news.kbs.co.kr:{port}") == 200, f"kbs robots status {hosts}")
check(hosts.get(f"http://www.mbn.co.kr:{port}") == 404, f"mbn robots status {hosts}")
runs = db_rows(db, "SELECT status, pages, errors FROM runs")
n_pages = sum(1 for e in log if e["path"] != "/robots.txt")
check(runs and runs[0][0] == "ok" and runs[0][1] == n_pages, f"runs row {runs}, server saw {n_pages} pages")

# a second run: everything is fetched and committed, robots.txt is cached
before = len(ng.log())
rc, out, err = malmoi(*args)
check(rc == 0, f"second crawl exit {rc}: {err}")
after = ng.log()
check(len(after) == before, f"second run fetched again: {[e['path'] for e in after[before:]]}")
check(len(db_rows(db, "SELECT id FROM runs")) == 2, "second run not recorded")
check(db_rows(db, "PRAGMA integrity_check")[0][0] == "ok", "integrity_check failed")

ng.stop()
if not __import__('harness').failures:
    shutil.rmtree(d, ignore_errors=True)
finish()
