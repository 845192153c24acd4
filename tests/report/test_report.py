"""test_report.py -- `malmoi report` and `malmoi run --report` over a database
built here: a loopback crawl of real KBS/MBN article pages (their host names
mapped with --resolve, plus an RSS feed and a missing page) and a JSON Lines
import with hostile titles, hanja and emoji. Checked against independent
readers of the same data:
  - every figure the page carries (data-v attributes) equals a count made
    here with Python's sqlite3 and json, not with malmoi's SQL;
  - the characters listed as [UNK] equal what Debian's spm_encode (an
    independent SentencePiece) says of each character of those sentences;
  - the page is well-formed (html.parser, failing on any unclosed or
    mismatched element) and has no <script>;
  - Debian's chromium renders it headless with no console message, the
    charts are in its DOM, and the hostile title is text, not an element.
The screenshot is kept as report_screenshot.png in the test's build folder.
"""
import html.parser
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crawler"))
import harness  # noqa: E402
from harness import Resp, Server, check, finish, malmoi, tmpdir  # noqa: E402

SOURCE = os.environ.get("MALMOI_SOURCE", ".")
CONFIG = os.path.join(SOURCE, "config", "malmoi.ini")
MODEL = os.path.join(SOURCE, "config", "models", "kobert", "spiece.model")
PAGES = os.path.join(harness.DATA, "pages")
HOSTILE = "<script>alert(1)</script>"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SVG_SELF = {"rect", "line", "path", "circle", "polyline", "polygon"}


class Page(html.parser.HTMLParser):
    """Well-formedness (every element closed, in order) plus the figures:
    elements with data-k/data-v, the rows of tables and charts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.errors = []
        self.scripts = 0
        self.text = []
        self.charts = {}     # svg id -> list of rect attrs
        self.svg = None
        self.cards = {}      # data-k -> data-v outside tables
        self.rows = []       # (table data-table or section id, tr attrs, {data-k: data-v})
        self.section = None
        self.table = None
        self.tr = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if tag == "section":
            self.section = a.get("id")
        if tag == "table":
            self.table = a.get("data-table") or self.section
        if tag == "tr":
            self.tr = (self.table, a, {})
        if tag == "svg":
            self.svg = a.get("id")
            self.charts[self.svg] = []
        if tag == "rect" and self.svg and "data-v" in a:
            self.charts[self.svg].append(a)
        if "data-k" in a and "data-v" in a:
            if self.tr is not None:
                self.tr[2][a["data-k"]] = a["data-v"]
            else:
                self.cards[a["data-k"]] = a
        if tag not in VOID:
            self.stack.append((tag, self.getpos()))

    def handle_startendtag(self, tag, attrs):
        if tag not in VOID and tag not in SVG_SELF:
            self.errors.append(f"<{tag}/> self-closed at {self.getpos()}")
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append(f"</{tag}> at {self.getpos()} closes {self.stack[-1] if self.stack else 'nothing'}")
            return
        self.stack.pop()
        if tag == "tr" and self.tr is not None:
            self.rows.append(self.tr)
            self.tr = None
        if tag == "table":
            self.table = None
        if tag == "svg":
            self.svg = None

    def handle_data(self, data):
        self.text.append(data)

    def close(self):
        super().close()
        for tag, pos in self.stack:
            self.errors.append(f"<{tag}> opened at {pos} is never closed")


def parse(path):
    p = Page()
    p.feed(open(path, encoding="utf-8").read())
    p.close()
    return p


def rows_of(page, table):
    return [(a, v) for t, a, v in page.rows if t == table and a]  # header rows carry no attributes


def q(db, sql, *args):
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return c.execute(sql, args).fetchall()
    finally:
        c.close()


def wiki_docs():
    """Documents of real Korean text (Korean Wikipedia via the kss test set,
    tests/data/export/SOURCES.md), one paragraph a line."""
    text = open(os.path.join(os.environ.get("MALMOI_TEST_DATA", "tests/data"), "export", "kowiki-kss.txt"),
                encoding="utf-8").read()
    return [[ln.strip() for ln in d.split("\n") if ln.strip()] for d in text.split("\n\n") if d.strip()]


def import_docs(d):
    """JSON Lines: a document with a hostile title (kept, then nearly copied,
    so it heads a near-duplicate cluster), a short one with a hostile title
    (rejected: too few words), and one with hanja and emoji added."""
    wiki = wiki_docs()
    hostile = wiki[2] + ["<b>굵게</b> & \"따옴표\" 문장도 들어 있습니다."]
    near = wiki[2][:-1] + ["이 문장 하나만 다릅니다."] + hostile[-1:]
    unk = [ln.replace("다.", "다 😀.", 1).replace("는 ", "는 漢字 ", 1) for ln in wiki[3]]
    docs = [
        {"text": "\n".join(hostile), "title": HOSTILE, "site": "hostile", "url": "https://hostile.example/1"},
        {"text": "\n".join(near), "title": "사본", "site": "hostile", "url": "https://hostile.example/2"},
        {"text": "짧은 문서입니다.", "title": HOSTILE + " 짧음", "site": "hostile", "url": "https://hostile.example/3"},
        {"text": "\n".join(unk), "title": "漢字 😀", "site": "hanja", "url": "https://hanja.example/1"},
    ]
    path = os.path.join(d, "docs.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for x in docs:
            f.write(json.dumps(x, ensure_ascii=False) + "\n")
    return path


def build_db(d):
    index = json.load(open(os.path.join(PAGES, "index.json"), encoding="utf-8"))
    pages = [p for p in index if p["name"].startswith(("kbs-", "mbn-"))]
    routes = {}
    srv = Server(routes)
    port = srv.port
    hosts, links, items = set(), [], []
    for p in pages:
        m = re.match(r"https?://([^/]+)(/.*)", p["url"])
        host, path = m.group(1), m.group(2)
        hosts.add(host)
        routes[(host, path)] = Resp(200, open(os.path.join(PAGES, p["name"] + ".html"), "rb").read(),
                                    ctype=p["content_type"])
        links.append(f"http://{host}:{port}{path}")
    seed_host = "news.kbs.co.kr"
    seed = harness.html_page("시험 첫 화면", links + [f"http://{seed_host}:{port}/gone.html"])
    routes[(seed_host, "/")] = Resp(200, seed)
    # A site outside the config whose articles are found through its RSS feed.
    feed_host = "feeds.test"
    hosts.add(feed_host)
    wiki = wiki_docs()
    items = ""
    for i in range(2):
        routes[(feed_host, f"/a{i}.html")] = Resp(200, harness.html_page(f"피드 기사 {i}", text=" ".join(wiki[5 + i])))
        items += (f"<item><title>{i}</title><link>http://{feed_host}:{port}/a{i}.html</link>"
                  f"<pubDate>Mon, 0{4 + i} Nov 2024 09:00:00 +0900</pubDate></item>")
    routes[(feed_host, "/rss.xml")] = Resp(200, '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                                                f"<title>t</title>{items}</channel></rss>", ctype="application/rss+xml")
    routes[(feed_host, "/")] = Resp(200, harness.html_page("피드 첫 화면").replace(
        "<head>", '<head><link rel="alternate" type="application/rss+xml" href="/rss.xml">'))
    resolve = []
    for h in sorted(hosts):
        resolve += ["--resolve", f"{h}:{port}:127.0.0.1"]
    db = os.path.join(d, "corpus.db")
    config = os.path.join(d, "test.ini")
    with open(config, "w", encoding="utf-8") as f:
        f.write(open(CONFIG, encoding="utf-8").read())
        f.write("\n[site kbs]\nmax_depth = 1\n[site mbn]\nmax_depth = 1\n")
        f.write(f"[pipeline]\ntokenizer = {os.path.abspath(MODEL)}\n")
    rc, _, err = malmoi("import", "--db", db, "--format", "jsonl", import_docs(d))
    check(rc == 0, f"import exit {rc}: {err[-1000:]}")
    run_report = os.path.join(d, "run-report.html")
    rc, _, err = malmoi("run", "--db", db, "--config", config, "--seed", f"http://{seed_host}:{port}/",
                        "--seed", f"http://{feed_host}:{port}/", "--delay", "0",
                        "--user-agent", harness.UA, "--max-seconds", "60", "--report", run_report, *resolve)
    srv.stop()
    check(rc == 0, f"malmoi run exit {rc}: {err[-2000:]}")
    check(err.strip().splitlines()[-1].split("] ", 1)[-1].startswith("run:") if err.strip() else False,
          f"the run's summary stays the last line: {err[-300:]}")
    return db, config, run_report


def check_figures(db, page):
    key = q(db, "SELECT DISTINCT tokenizer FROM examples")
    check(len(key) == 1, f"one tokenizer in examples: {key}")
    key = key[0][0]
    card = {k: int(a["data-v"]) for k, a in page.cards.items()}
    expect = {
        "documents": q(db, "SELECT count(*) FROM documents")[0][0],
        "documents_rejected": q(db, "SELECT count(*) FROM documents WHERE stage = 'rejected'")[0][0],
        "sentences_kept": q(db, "SELECT count(*) FROM sentences WHERE reject_reason IS NULL")[0][0],
        "sentences_rejected": q(db, "SELECT count(*) FROM sentences WHERE reject_reason IS NOT NULL")[0][0],
        "examples": q(db, "SELECT count(*) FROM examples")[0][0],
        "embeddings": q(db, "SELECT count(*) FROM embeddings")[0][0],
        "text_bytes": sum(len(t.encode("utf-8")) for (t,) in q(db, "SELECT text FROM documents")),
        "tokens": sum(len(json.loads(i)) - 2 for (i,) in q(db, "SELECT input_ids FROM examples WHERE tokenizer = ?", key)),
    }
    for k, v in expect.items():
        check(card.get(k) == v, f"totals {k}: page {card.get(k)}, SQL {v}")
    check(expect["documents_rejected"] >= 2 and expect["sentences_rejected"] > 0,
          f"the test database has rejections: {expect}")

    # Sites: documents, kept sentences, tokens, extraction methods, [UNK] per site.
    unk_id = 0  # KoBERT's [UNK] (config/models/kobert: <unk> is id 0)
    per_site = {}
    for site, method, source in q(db, "SELECT coalesce(site, '(none)'), extract_method, source FROM documents"):
        s = per_site.setdefault(site, Counter())
        s["documents"] += 1
        s[method or "none"] += method != "import"
        s["import"] += method == "import" or source.startswith("import")
    for site, rr in q(db, "SELECT coalesce(d.site, '(none)'), s.reject_reason FROM sentences s JOIN documents d"
                          " ON d.id = s.document_id"):
        per_site[site]["kept"] += rr is None
    for site, ids in q(db, "SELECT coalesce(d.site, '(none)'), e.input_ids FROM examples e JOIN sentences s ON"
                           " s.id = e.sentence_id JOIN documents d ON d.id = s.document_id WHERE e.tokenizer = ?", key):
        ids = json.loads(ids)
        per_site[site]["tokens"] += len(ids) - 2
        per_site[site]["unk"] += ids.count(unk_id)
    shown = rows_of(page, "sites")
    check(len(shown) == len(per_site), f"{len(shown)} site rows for {len(per_site)} sites")
    for a, v in shown:
        s = per_site.get(a.get("data-site"), Counter())
        for k in ("documents", "kept", "tokens", "rule", "embedded", "generic", "import"):
            check(int(v.get(k, -1)) == s[k], f"site {a.get('data-site')} {k}: page {v.get(k)}, SQL {s[k]}")
    check(any(int(v.get("rule", 0)) > 0 for _, v in shown), "some crawled pages were extracted by a site rule")
    for a, v in rows_of(page, "unk-sites"):
        s = per_site[a["data-site"]]
        check(int(v["unk"]) == s["unk"] and int(v["tokens"]) == s["tokens"],
              f"[UNK] of {a['data-site']}: page {v}, Python {s['unk']} of {s['tokens']}")
    check(per_site["hanja"]["unk"] > 0, "the hanja/emoji document has [UNK] tokens")

    # Reject reasons with their counts.
    for table, sql in (("doc-reasons", "SELECT reject_reason, count(*) FROM documents WHERE stage = 'rejected' GROUP BY 1"),
                       ("sentence-reasons", "SELECT reject_reason, count(*) FROM sentences WHERE reject_reason IS NOT NULL"
                                            " GROUP BY 1")):
        want = dict(q(db, sql))
        got = {a["data-reason"]: int(v["count"]) for a, v in rows_of(page, table)}
        check(got == want, f"{table}: page {got}, SQL {want}")
    check("near_duplicate" in dict(q(db, "SELECT reject_reason, 1 FROM documents")), "a near-duplicate was found")

    # Histograms: every bar equals the bucket counted here.
    lens = [len(t) for (t,) in q(db, "SELECT text FROM sentences WHERE reject_reason IS NULL")]
    want = Counter(min(n // 10, 30) for n in lens)
    chart = next(v for k, v in page.charts.items() if k.startswith("chart-chars"))
    got = {int(a["data-x"]): int(a["data-v"]) for a in chart}
    check(got == dict(want), f"character histogram: page {got}, Python {dict(want)}")
    tl = [len(json.loads(i)) for (i,) in q(db, "SELECT input_ids FROM examples WHERE tokenizer = ?", key)]
    chart = next(v for k, v in page.charts.items() if k.startswith("chart-tokens"))
    got = {int(a["data-x"]): int(a["data-v"]) for a in chart}
    check(got == dict(Counter(min(n // 16, 33) for n in tl)), f"token histogram: page {got}")
    over = [v for t, a, v in page.rows if "over128" in v or "over512" in v]
    check(any(int(v.get("over128", -1)) == sum(n > 128 for n in tl) for v in over) and
          any(int(v.get("over512", -1)) == sum(n > 512 for n in tl) for v in over), f"truncation counts: {over}")

    # Growth: everything was added today.
    check(int(page.cards["growth_total"]["data-v"]) == expect["documents"], "growth counts every document of today")

    # Crawl health: the run's pages, HTTP status per host, the feed.
    runs = dict(q(db, "SELECT id, pages FROM runs"))
    got = {int(a["data-run"]): int(v["pages"]) for a, v in rows_of(page, "runs")}
    check(got == runs and runs, f"runs: page {got}, SQL {runs}")
    hosts = {}
    for host, status in q(db, "SELECT host, last_status FROM urls WHERE last_status IS NOT NULL"):
        n, n4 = hosts.get(host, (0, 0))
        hosts[host] = (n + 1, n4 + (400 <= status < 500))
    got = {a["data-host"]: (int(v["urls"]), int(v["4xx"])) for a, v in rows_of(page, "hosts")}
    check(sum(n4 for _, n4 in hosts.values()) == 1, f"the missing page is a 4xx: {hosts}")
    check(got == hosts, f"status per host: page {got}, SQL {hosts}")
    feeds = rows_of(page, "feeds")
    want = q(db, "SELECT items, dated_items, datetime(newest_item, 'unixepoch') FROM feeds WHERE kind = 'feed'")
    check(len(feeds) == 1 and [(int(feeds[0][1]["items"]), int(feeds[0][1]["dated"]))] == [w[:2] for w in want]
          and want[0][0] == 2, f"the feed and its items: page {feeds}, SQL {want}")
    check(any("2024-11-05T00:00:00Z" in t for t in page.text) and want[0][2] == "2024-11-05 00:00:00",
          f"the newest item's date, in UTC: {want}")
    check(feeds and feeds[0][0].get("class") == "stale", "a feed whose newest item is from 2024 is marked stale")
    # Rule health of the last run, as run_sites has it.
    want = {site: (pages, rule, fb) for site, pages, rule, fb in q(
        db, "SELECT site, pages, rule, rule_fallback FROM run_sites WHERE run_id = (SELECT max(run_id) FROM run_sites)")}
    got = {a["data-site"]: (int(v["pages"]), int(v["rule"]), int(v["rule_fallback"])) for a, v in rows_of(page, "rule-health")}
    check(got == want and want, f"rule health: page {got}, SQL {want}")
    return key


def check_unk_chars(db, key, page):
    """The listed characters: spm_encode, per character, over the same sentences."""
    texts = [t for (t, i) in q(db, "SELECT s.text, e.input_ids FROM examples e JOIN sentences s ON s.id = e.sentence_id"
                                   " WHERE e.tokenizer = ? ORDER BY e.id", key) if 0 in json.loads(i)]
    chars = sorted({c for t in texts for c in t if c not in " \t\n"})
    if not shutil.which("spm_encode"):
        check(False, "spm_encode (Debian package sentencepiece, .ci/apt/tokenize.txt) is needed")
        return
    out = subprocess.run(["spm_encode", f"--model={MODEL}", "--output_format=id"], input="\n".join(chars) + "\n",
                         capture_output=True, text=True, check=True).stdout.split("\n")
    unk = {c for c, ids in zip(chars, out) if "0" in ids.split()}
    counts = Counter(c for t in texts for c in t if c in unk)
    want = sorted(counts.items(), key=lambda kv: (-kv[1], ord(kv[0])))[:20]
    got = [(chr(int(a["data-cp"])), int(v["count"])) for a, v in rows_of(page, "unk-chars")]
    check(got == want, f"[UNK] characters: page {got}, spm_encode {want}")
    check("漢" in dict(got) or "😀" in dict(got), f"hanja or emoji among the [UNK] characters: {got}")
    check(int(page.cards["unk_sample"]["data-v"]) == len(texts), "the sample is every sentence with [UNK] here")


def check_browser(path, d):
    chromium = shutil.which("chromium")
    if not check(chromium is not None, "Debian's chromium is needed (.ci/apt/report.txt)"):
        return
    flags = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--enable-logging=stderr", "--v=0"]
    url = "file://" + os.path.abspath(path)
    prof = tempfile.mkdtemp(prefix="chromium-", dir=d)
    p = subprocess.run([chromium, *flags, f"--user-data-dir={prof}", "--dump-dom", url], capture_output=True, text=True,
                       timeout=120)
    dom, log = p.stdout, p.stderr
    check(p.returncode == 0 and "</html>" in dom, f"chromium --dump-dom exit {p.returncode}: {log[-1500:]}")
    console = [ln for ln in log.splitlines() if "CONSOLE" in ln or "Uncaught" in ln]
    check(not console, f"console messages: {console}")
    check(len(re.findall(r'<svg class="chart"', dom)) >= 8, "the charts are in the rendered DOM")
    check(len(re.findall(r"<rect ", dom)) >= 30, "the charts have their bars in the rendered DOM")
    check("<script" not in dom, "no script element in the rendered DOM")
    check("&lt;script&gt;alert(1)&lt;/script&gt;" in dom, "the hostile title is shown as text")
    shot = os.path.join(os.getcwd(), "report_screenshot.png")
    prof = tempfile.mkdtemp(prefix="chromium-", dir=d)
    p = subprocess.run([chromium, *flags, f"--user-data-dir={prof}", "--window-size=1100,7000", "--hide-scrollbars",
                        f"--screenshot={shot}", url], capture_output=True, text=True, timeout=120)
    check(p.returncode == 0 and os.path.exists(shot) and open(shot, "rb").read(8) == b"\x89PNG\r\n\x1a\n",
          f"screenshot {shot}: exit {p.returncode} {p.stderr[-800:]}")
    console = [ln for ln in p.stderr.splitlines() if "CONSOLE" in ln]
    check(not console, f"console messages while rendering: {console}")


def main():
    d = tmpdir()
    db, config, run_report = build_db(d)
    check(os.path.exists(run_report), "malmoi run --report wrote the page")
    check(not [f for f in os.listdir(d) if ".tmp." in f], f"no temporary file left: {os.listdir(d)}")
    out = os.path.join(d, "report.html")
    rc, _, err = malmoi("report", "--db", db, "--config", config, "--out", out, "--days", "7")
    check(rc == 0, f"malmoi report exit {rc}: {err[-1500:]}")
    check(oct(os.stat(out).st_mode & 0o777) == "0o644", "the page is readable by all")
    for path in (run_report, out):
        page = parse(path)
        check(not page.errors, f"{os.path.basename(path)} is not well-formed: {page.errors[:5]}")
        check(page.scripts == 0, "no <script> element")
        check(HOSTILE in "".join(page.text), f"the hostile title is in {os.path.basename(path)} as text")
    page = parse(out)
    key = check_figures(db, page)
    check_unk_chars(db, key, page)
    check_browser(out, d)
    # The [pipeline] report key, relative to the config file's folder.
    keyed = os.path.join(d, "keyed.ini")
    with open(keyed, "w", encoding="utf-8") as f:
        f.write(open(config, encoding="utf-8").read() + "\n[pipeline]\nreport = keyed.html\n")
    rc, _, err = malmoi("run", "--db", db, "--config", keyed, "--no-crawl")
    check(rc == 0 and os.path.exists(os.path.join(d, "keyed.html")), f"[pipeline] report: exit {rc}, {err[-500:]}")
    # Bad input: a missing database and a bad --days are clear failures.
    rc, _, err = malmoi("report", "--db", os.path.join(d, "missing.db"), "--config", config, "--out", out)
    check(rc == 1 and "missing.db" in err, f"a missing database: exit {rc}, {err.strip()}")
    rc, _, err = malmoi("report", "--db", db, "--out", out, "--days", "0")
    check(rc == 2 and "--days" in err, f"--days 0: exit {rc}, {err.strip()}")
    rc, _, err = malmoi("report", "--db", db, "--config", config, "--out", os.path.join(d, "no", "such", "dir.html"))
    check(rc == 1 and "dir.html" in err, f"an unwritable output: exit {rc}, {err.strip()}")
    finish()


if __name__ == "__main__":
    main()
