"""crawl_outlets.py -- the discovery paths of the 2026 outlets (issue 13) and
rule health, on loopback sites shaped like them:
  - hani.test: the feed URL answers 308 -> /rss (followed for feeds); its
    items carry no dates, so the feed's age comes from the article pages'
    own published dates; a site rule that matches its pages;
  - khan.test: a feed dated with dc:date only (fresh);
  - jtbc.test: a feed whose newest item is from October 2024 (stale), and
    article pages the site rule no longer matches (3 of 4: a redesign);
  - joongang.test: a sitemap per day, {YYYY}/{YYYY}{MM}{DD} (today and
    yesterday, Korea time, as computed here), and hankook.test: a yearly
    index of daily sitemaps.
Then `malmoi stats` must show the per-site counts (checked against what the
pages were built to be, and against the run_sites table read with Python's
sqlite3), one warning for jtbc.test's rule (75%), one for its stale feed,
and none for the others."""
import datetime
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Resp, Server, check, db_rows, finish, malmoi, tmpdir, write_config

routes = {}
srv = Server(routes)
P = srv.port
HOSTS = ("hani.test", "khan.test", "jtbc.test", "joongang.test", "hankook.test")
for h in HOSTS:
    routes[(h, "/robots.txt")] = Resp(404, "", ctype="text/plain")

PARA = ("이 문단은 시험용으로 쓴 한국어 기사 문장입니다. 본문 추출기가 찾을 수 있도록 충분히 길게 적었습니다. "
        "세 번째 문장도 덧붙여 문단을 마칩니다.")


def article(title, published=None, body_class="story"):
    meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    return (f'<html lang="ko"><head><meta charset="utf-8"><title>{title}</title>{meta}</head><body>'
            f'<nav><a href="/">홈</a></nav><div class="{body_class}"><p>{title}. {PARA}</p><p>{PARA}</p></div>'
            f'</body></html>')


KST = datetime.timezone(datetime.timedelta(hours=9))
now = datetime.datetime.now(KST)
recent = (now - datetime.timedelta(hours=2)).replace(microsecond=0)

# hani.test: /rss/ -> 308 -> /rss; undated items; pages dated 2 hours ago
H = f"http://hani.test:{P}"
routes[("hani.test", "/rss/")] = Resp(308, "", headers={"Location": f"{H}/rss"}, ctype="text/html")
items = "".join(f"<item><title>{i}</title><link>{H}/arti/society/{1000 + i}.html</link></item>" for i in range(3))
routes[("hani.test", "/rss")] = Resp(200, f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
                                     f'<title>한겨레</title>{items}</channel></rss>', ctype="application/rss+xml")
for i in range(3):
    routes[("hani.test", f"/arti/society/{1000 + i}.html")] = Resp(200, article(f"한겨레 {i}", recent.isoformat()))

# khan.test: dc:date only, fresh
K = f"http://khan.test:{P}"
routes[("khan.test", "/rss/total_news.xml")] = Resp(200, f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>경향</title>
<item><title>가</title><link>{K}/article/1</link><dc:date>{recent.isoformat()}</dc:date></item>
<item><title>나</title><link>{K}/article/2</link><dc:date>2026-01-05T09:00:00+09:00</dc:date></item>
</channel></rss>""", ctype="application/rss+xml")
for i in (1, 2):
    routes[("khan.test", f"/article/{i}")] = Resp(200, article(f"경향 {i}"))

# jtbc.test: a feed that stopped in October 2024; 3 of its 4 pages redesigned
J = f"http://jtbc.test:{P}"
jitems = "".join(f"<item><title>{i}</title><link>{J}/article/NB{i}</link>"
                 f"<pubDate>Thu, {24 + i} Oct 2024 22:30:00 +0900</pubDate></item>" for i in range(4))
routes[("jtbc.test", "/RSS/newsflash.xml")] = Resp(200, f'<?xml version="1.0"?><rss version="2.0"><channel>'
                                                   f'<title>JTBC</title>{jitems}</channel></rss>',
                                                   ctype="text/xml")
for i in range(4):
    routes[("jtbc.test", f"/article/NB{i}")] = Resp(200, article(f"JTBC {i}", body_class="story" if i == 0 else
                                                                  "article-2026"))

# joongang.test: dated daily sitemaps (Korea time)
G = f"http://joongang.test:{P}"
days = [now, now - datetime.timedelta(days=1)]
for n, day in enumerate(days):
    path = f"/sitemap/articles/{day:%Y}/{day:%Y%m%d}"
    routes[("joongang.test", path)] = Resp(200, f'<?xml version="1.0"?><urlset '
                                           f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>'
                                           f'{G}/article/{day:%Y%m%d}0{n}</loc><lastmod>{recent.isoformat()}</lastmod>'
                                           f'</url></urlset>', ctype="application/xml")
    routes[("joongang.test", f"/article/{day:%Y%m%d}0{n}")] = Resp(200, article(f"중앙 {n}"))

# hankook.test: /sitemap/daily-articles/{YYYY} is an index of daily sitemaps
Q = f"http://hankook.test:{P}"
routes[("hankook.test", f"/sitemap/daily-articles/{now:%Y}")] = Resp(200, f"""<?xml version="1.0"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{Q}/sitemap/daily-articles/{now:%Y}/{now:%m%d}</loc><lastmod>{recent.isoformat()}</lastmod></sitemap>
</sitemapindex>""", ctype="application/xml")
routes[("hankook.test", f"/sitemap/daily-articles/{now:%Y}/{now:%m%d}")] = Resp(
    200, f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
         f'<url><loc>{Q}/news/article/A2026120100001</loc></url></urlset>', ctype="application/xml")
routes[("hankook.test", "/news/article/A2026120100001")] = Resp(200, article("한국 1"))

d = tmpdir()
conf = write_config(d, f"""
[crawler]
user_agent = malmoi/0.1
contact = https://example.org/crawl-contact
delay = 0
idle_wait = 2
feed_max_age = 259200

[site hanitest]
hosts = hani.test
body_xpath = //div[@class='story']
feed = {H}/rss/
article_pattern = /arti/

[site khantest]
hosts = khan.test
feed = {K}/rss/total_news.xml
article_pattern = /article/

[site jtbctest]
hosts = jtbc.test
body_xpath = //div[@class='story']
feed = {J}/RSS/newsflash.xml
article_pattern = /article/

[site joongangtest]
hosts = joongang.test
sitemap = {G}/sitemap/articles/{{YYYY}}/{{YYYY}}{{MM}}{{DD}}
article_pattern = /article/

[site hankooktest]
hosts = hankook.test
sitemap = {Q}/sitemap/daily-articles/{{YYYY}}
article_pattern = /news/article/
""")
db = os.path.join(d, "outlets.db")
res = []
for h in HOSTS:
    res += ["--resolve", f"{h}:{P}:127.0.0.1"]
rc, out, err = malmoi("crawl", "--db", db, "--config", conf, *res)
check(rc == 0, f"crawl exit {rc}: {err}")
got = {(e["host"], e["path"]) for e in srv.log}

# discovery
check(("hani.test", "/rss/") in got, "the configured feed URL was not asked for")
check(("hani.test", "/rss") in got, "the 308 target of the feed was not fetched")
for i in range(3):
    check(("hani.test", f"/arti/society/{1000 + i}.html") in got, f"hani item {i} behind a 308 not fetched")
kinds = dict(db_rows(db, "SELECT url, kind FROM urls"))
check(kinds.get(f"{H}/rss") == "feed", f"308 target not kept as a feed: {kinds.get(H + '/rss')}")
for n, day in enumerate(days):
    check(("joongang.test", f"/sitemap/articles/{day:%Y}/{day:%Y%m%d}") in got, f"daily sitemap {day:%Y%m%d} not fetched")
    check(("joongang.test", f"/article/{day:%Y%m%d}0{n}") in got, f"article of {day:%Y%m%d} not fetched")
check(("hankook.test", "/news/article/A2026120100001") in got, "article behind the yearly index not fetched")
for i in (1, 2):
    check(("khan.test", f"/article/{i}") in got, f"dc:date item {i} not fetched")

# feed ages recorded at fetch time (read with Python's sqlite3)
feeds = {r[0]: r[1:] for r in db_rows(db, "SELECT url, items, dated_items, newest_item FROM feeds")}
check(feeds.get(f"{K}/rss/total_news.xml") == (2, 2, int(recent.timestamp())), f"dc:date feed: {feeds}")
check(feeds.get(f"{H}/rss") == (3, 0, None), f"undated feed: {feeds.get(H + '/rss')}")
jt = int(datetime.datetime(2024, 10, 27, 22, 30, tzinfo=KST).timestamp())
check(feeds.get(f"{J}/RSS/newsflash.xml") == (4, 4, jt), f"stale feed: {feeds.get(J + '/RSS/newsflash.xml')}")

# rule health counts, as the pages were built
rows = {r[0]: r[1:] for r in db_rows(db, "SELECT site, pages, rule, rule_fallback, embedded, generic, empty"
                                          " FROM run_sites")}
check(rows.get("hanitest") == (3, 3, 0, 0, 0, 0), f"hanitest counts {rows.get('hanitest')}")
check(rows.get("jtbctest") == (4, 1, 3, 0, 0, 0), f"jtbctest counts {rows.get('jtbctest')}")
check(rows.get("khantest") == (2, 0, 0, 0, 2, 0), f"khantest counts {rows.get('khantest')}")
check("warning: site jtbctest" in err and "75%" in err, f"crawl did not warn about jtbctest's rule: {err}")
check("warning: site hanitest" not in err, "crawl warned about a healthy rule")

rc, out, err = malmoi("stats", "--db", db, "--config", conf)
check(rc == 0, f"stats exit {rc}: {err}")
warnings = [l for l in out.splitlines() if l.startswith("warning:")]
site_w = [l for l in warnings if l.startswith("warning: site ")]
feed_w = [l for l in warnings if l.startswith("warning: feed ")]
check(len(site_w) == 1 and "jtbctest" in site_w[0] and "75%" in site_w[0], f"site warnings: {site_w}")
check(len(feed_w) == 1 and f"{J}/RSS/newsflash.xml" in feed_w[0], f"feed warnings: {feed_w}")
rc, out, err = malmoi("stats", "--db", db, "--config", conf, "--json")
check(rc == 0, f"stats --json exit {rc}: {err}")
js = json.loads(out)
hani = [f for f in js["feeds"] if f["url"] == f"{H}/rss"]
check(hani and hani[0]["newest_from_pages"] and not hani[0]["stale"] and
      hani[0]["newest"] == recent.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
      f"undated feed's age not taken from its articles: {hani}")
jrow = [r for r in js["run_sites"] if r["site"] == "jtbctest"]
check(jrow and jrow[0]["rule_fallback"] == 3 and jrow[0]["fallback_warning"], f"json run_sites: {jrow}")

# A larger max age silences the feed warning.
conf2 = write_config(d, open(conf).read().replace("feed_max_age = 259200", "feed_max_age = 0"))
rc, out, err = malmoi("stats", "--db", db, "--config", conf2)
check(rc == 0 and "warning: feed" not in out, f"feed_max_age = 0 still warns: {out}")
# A feed not read for longer than feed_max_age (dropped from the config) stops warning.
db_rows(db, "UPDATE feeds SET fetched = fetched - 300000 WHERE url = ?", f"{J}/RSS/newsflash.xml")
rc, out, err = malmoi("stats", "--db", db, "--config", conf)
check(rc == 0 and "warning: feed" not in out, f"a feed no longer read still warns: {out}")
srv.stop()
finish()
