"""crawl_feeds.py -- discovery from the config's feeds and sitemaps: a real
EUC-KR RSS 2.0 feed (its items listed independently by Python's
ElementTree), an Atom feed, robots.txt Sitemap: lines, a sitemap index, a
gzip sitemap and a Google News sitemap with publication dates. Also: feeds
are scheduled for revisit after revisit_feed, and a changed <lastmod>
queues a page again.
"""
import gzip
import os
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (DATA, UA, Resp, Server, check, db_rows, finish, html_page, malmoi, tmpdir, write_config)

routes = {}
srv = Server(routes)
P = srv.port
for h in ("kina.egloos.com", "atom.test", "sitemap.test"):
    routes[(h, "/robots.txt")] = Resp(404, "", ctype="text/plain")

# 1. the real EUC-KR feed, its host given our port (the bytes are ASCII there)
raw = open(os.path.join(DATA, "feeds", "kina.egloos.com.xml"), "rb").read()
feed = raw.replace(b"http://kina.egloos.com/", f"http://kina.egloos.com:{P}/".encode())
routes[("kina.egloos.com", "/index.xml")] = Resp(200, feed, ctype="text/xml")
# expat has no EUC-KR: decode with Python's codec, drop the declaration, then parse
text = raw.decode("euc-kr")
text = text[text.index("?>") + 2:]
items = [it.findtext("link").strip() for it in ET.fromstring(text).iter("item")]
check(len(items) == 10, f"reference reader found {len(items)} items")
rss_paths = []
for link in items:
    path = "/" + link.split("/", 3)[3]
    rss_paths.append(path)
    routes[("kina.egloos.com", path)] = Resp(200, html_page(f"이글루 {path}"))

# 2. an Atom feed with relative links
atom = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>아톰</title>
<link rel="self" href="http://atom.test:{P}/atom.xml"/>
<entry><title>하나</title><link href="/entry/1"/><updated>2024-03-01T00:00:00Z</updated></entry>
<entry><title>둘</title><link rel="alternate" href="http://atom.test:{P}/entry/2"/></entry>
</feed>"""
routes[("atom.test", "/atom.xml")] = Resp(200, atom, ctype="application/atom+xml")
for i in (1, 2):
    routes[("atom.test", f"/entry/{i}")] = Resp(200, html_page(f"아톰 {i}"))

# 3. robots.txt -> sitemap index -> gzip sitemap + Google News sitemap
S = f"http://sitemap.test:{P}"
routes[("sitemap.test", "/robots.txt")] = Resp(200, f"User-agent: *\nDisallow: /admin/\nSitemap: {S}/sitemap_index.xml\n",
                                               ctype="text/plain")
routes[("sitemap.test", "/sitemap_index.xml")] = Resp(200, f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{S}/sitemap-1.xml.gz</loc></sitemap>
<sitemap><loc>{S}/news-sitemap.xml</loc><lastmod>2024-05-02</lastmod></sitemap>
</sitemapindex>""", ctype="application/xml")
plain = "".join(f"<url><loc>{S}/arti/{i}.html</loc><lastmod>2024-05-01</lastmod></url>" for i in range(5))
plain += f"<url><loc>{S}/admin/secret.html</loc></url>"
routes[("sitemap.test", "/sitemap-1.xml.gz")] = Resp(200, gzip.compress(
    f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{plain}</urlset>'.encode()),
    ctype="application/x-gzip")


def news(date):
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>{S}/news/1.html</loc><news:news><news:publication><news:name>시험</news:name><news:language>ko</news:language>
</news:publication><news:publication_date>{date}</news:publication_date><news:title>속보</news:title></news:news></url>
</urlset>"""


routes[("sitemap.test", "/news-sitemap.xml")] = Resp(200, news("2024-05-02T09:00:00+09:00"), ctype="application/xml")
for i in range(5):
    routes[("sitemap.test", f"/arti/{i}.html")] = Resp(200, html_page(f"기사 {i}"))
routes[("sitemap.test", "/news/1.html")] = Resp(200, html_page("속보"))
routes[("sitemap.test", "/")] = Resp(200, "<html><head><title>홈</title></head><body>홈</body></html>")

d = tmpdir()
conf = write_config(d, f"""
[crawler]
user_agent = malmoi/0.1
contact = https://example.org/crawl-contact
delay = 0
idle_wait = 2
revisit_feed = 600

[site egloos]
hosts = kina.egloos.com
feed = http://kina.egloos.com:{P}/index.xml

[site atom]
hosts = atom.test
feed = http://atom.test:{P}/atom.xml

[site sitemaptest]
hosts = sitemap.test
seed = {S}/
""")
db = os.path.join(d, "feeds.db")
res = []
for h in ("kina.egloos.com", "atom.test", "sitemap.test"):
    res += ["--resolve", f"{h}:{P}:127.0.0.1"]
rc, out, err = malmoi("crawl", "--db", db, "--config", conf, *res)
check(rc == 0, f"crawl exit {rc}: {err}")

got = {(e["host"], e["path"]) for e in srv.log}
for p in rss_paths:
    check(("kina.egloos.com", p) in got, f"RSS item {p} not fetched")
for i in (1, 2):
    check(("atom.test", f"/entry/{i}") in got, f"Atom entry {i} not fetched")
for i in range(5):
    check(("sitemap.test", f"/arti/{i}.html") in got, f"gzip sitemap page {i} not fetched")
check(("sitemap.test", "/news/1.html") in got, "news sitemap page not fetched")
check(("sitemap.test", "/admin/secret.html") not in got, "robots-disallowed sitemap URL fetched")
kinds = dict(db_rows(db, "SELECT url, kind FROM urls"))
check(kinds.get(f"{S}/sitemap-1.xml.gz") == "sitemap" and kinds.get(f"{S}/news-sitemap.xml") == "sitemap",
      "sitemaps not recorded as kind sitemap")
check(kinds.get(f"http://atom.test:{P}/atom.xml") == "feed", "feed not recorded as kind feed")
lm = db_rows(db, "SELECT lastmod FROM urls WHERE url = ?", f"{S}/news/1.html")
check(lm and lm[0][0] == "2024-05-02T09:00:00+09:00", f"news publication date not kept: {lm}")
n_docs = db_rows(db, "SELECT count(*) FROM documents")[0][0]
check(n_docs >= 10 + 2 + 5 + 1, f"{n_docs} documents")
# feeds come back after revisit_feed; articles are never revisited by default
now = time.time()
nf = db_rows(db, "SELECT next_fetch, state FROM urls WHERE url = ?", f"http://atom.test:{P}/atom.xml")
check(nf and nf[0][1] == "done" and 590 <= nf[0][0] - now <= 610, f"feed revisit not scheduled: {nf}")
na = db_rows(db, "SELECT next_fetch FROM urls WHERE url = ?", f"http://atom.test:{P}/entry/1")
check(na and na[0][0] == 0, f"article scheduled for revisit: {na}")

# A changed publication date in the news sitemap queues its page again.
routes[("sitemap.test", "/news-sitemap.xml")] = Resp(200, news("2024-05-03T10:00:00+09:00"), ctype="application/xml")
db_rows(db, "UPDATE urls SET state = 'queued', next_fetch = 0 WHERE url = ?", f"{S}/news-sitemap.xml")
before = len(srv.log)
rc, out, err = malmoi("crawl", "--db", db, "--config", conf, *res)
check(rc == 0, f"second crawl exit {rc}: {err}")
again = [e["path"] for e in srv.log[before:] if e["host"] == "sitemap.test"]
check("/news/1.html" in again, f"changed lastmod did not refetch the page: {again}")
check(not any(p.startswith("/arti/") for p in again), f"unchanged pages fetched again: {again}")
check(db_rows(db, "PRAGMA integrity_check")[0][0] == "ok", "integrity_check")

srv.stop()
finish()
