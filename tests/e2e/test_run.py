"""test_run.py -- end to end: `malmoi run` crawls real Korean news pages from
a loopback server (their original host names mapped with --resolve), then
`malmoi export` writes pretraining shards, and every segment in the shards
is checked against the pages themselves: decoded with Debian's spm_decode
(an independent SentencePiece) and found in the page's visible text.
Also: a second run does no new work, and `sqlite3`-visible state is whole.
"""
import html.parser
import json
import os
import re
import sqlite3
import subprocess
import sys
import unicodedata

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crawler"))
import harness  # noqa: E402
from harness import Resp, Server, check, db_rows, finish, malmoi, tmpdir  # noqa: E402

SOURCE = os.environ.get("MALMOI_SOURCE", ".")
CONFIG = os.path.join(SOURCE, "config", "malmoi.ini")
MODEL = os.path.join(SOURCE, "config", "models", "kobert", "spiece.model")
PAGES = os.path.join(harness.DATA, "pages")


class Visible(html.parser.HTMLParser):
    """The page's text outside <script>/<style>, an independent view of what it says."""

    def __init__(self):
        super().__init__()
        self.skip = 0
        self.parts = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def squash(s):
    """NFKC (as the KoBERT normaliser does), no whitespace: the form both
    sides are compared in."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s))


def covered(part, visible, min_run=8):
    """True when `part` is a sequence of pieces of the pages' text, each at
    least `min_run` characters (or the whole rest): a segment joins
    consecutive kept sentences, and dropped lines (captions, bylines) may
    have stood between them in the page."""
    i = 0
    while i < len(part):
        lo, hi = 0, len(part) - i  # longest prefix of part[i:] found in the pages
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if part[i:i + mid] in visible:
                lo = mid
            else:
                hi = mid - 1
        if lo < min(min_run, len(part) - i):
            return False
        i += lo
    return True


def main():
    index = json.load(open(os.path.join(PAGES, "index.json"), encoding="utf-8"))
    pages = [p for p in index if p["name"].startswith(("kbs-", "mbn-"))]
    routes = {}
    srv = Server(routes)
    port = srv.port
    visible = ""
    links = []
    hosts = set()
    for p in pages:
        m = re.match(r"https?://([^/]+)(/.*)", p["url"])
        host, path = m.group(1), m.group(2)
        hosts.add(host)
        body = open(os.path.join(PAGES, p["name"] + ".html"), "rb").read()
        routes[(host, path)] = Resp(200, body, ctype=p["content_type"])
        links.append(f"http://{host}:{port}{path}")
        v = Visible()
        v.feed(body.decode("utf-8", "replace"))
        visible += squash("".join(v.parts)) + "\n"
    seed_host = "news.kbs.co.kr"
    routes[(seed_host, "/")] = Resp(200, harness.html_page("시험 첫 화면", links))
    resolve = []
    for h in sorted(hosts):
        resolve += ["--resolve", f"{h}:{port}:127.0.0.1"]

    d = tmpdir()
    db = os.path.join(d, "corpus.db")
    keep = os.environ.get("KEEP_DB")
    if keep:
        db = keep
    # The shipped config (its site rules), with links followed one hop only:
    # a later section with the same name overrides keys of the first.
    config = os.path.join(d, "test.ini")
    with open(config, "w", encoding="utf-8") as f:
        f.write(open(CONFIG, encoding="utf-8").read())
        f.write("\n[site kbs]\nmax_depth = 1\n[site mbn]\nmax_depth = 1\n")
        f.write(f"[pipeline]\ntokenizer = {os.path.abspath(MODEL)}\n")
    run = ["run", "--db", db, "--config", config, "--seed", f"http://{seed_host}:{port}/", "--delay", "0",
           "--user-agent", harness.UA, "--max-seconds", "60", *resolve]
    rc, out, err = malmoi(*run)
    check(rc == 0, f"malmoi run exit {rc}: {err[-2000:]}")
    check("run:" in err.splitlines()[-1] if err.strip() else False, f"a one-line summary ends the log: {err[-500:]}")
    n_docs = db_rows(db, "SELECT count(*) FROM documents WHERE source = 'crawl'")[0][0]
    check(n_docs >= len(pages), f"{n_docs} documents from {len(pages)} article pages")
    stages = dict(db_rows(db, "SELECT stage, count(*) FROM documents GROUP BY stage"))
    check(set(stages) <= {"encoded", "rejected"}, f"every document went through the pipeline: {stages}")
    check(stages.get("encoded", 0) >= len(pages), f"the articles were encoded: {stages}")
    n_sent = db_rows(db, "SELECT count(*) FROM sentences WHERE reject_reason IS NULL")[0][0]
    n_ex = db_rows(db, "SELECT count(*) FROM examples")[0][0]
    check(n_sent > 20 and n_ex == n_sent, f"{n_sent} kept sentences, {n_ex} examples")
    check(db_rows(db, "SELECT count(*) FROM examples WHERE input_ids LIKE '%,4,%' OR input_ids LIKE '[2,4,%'")[0][0] == 0,
          "no [MASK] id in the stored examples")
    runs = db_rows(db, "SELECT command, status, ended IS NOT NULL FROM runs")
    check(runs == [("run", "ok", 1)], f"the run is recorded: {runs}")
    check(db_rows(db, "PRAGMA integrity_check")[0][0] == "ok", "integrity_check")
    hits_before = sum(srv.hits(h, p) for (h, p) in routes if p != "/")

    # A second run does only new work: nothing fetched again, nothing added.
    rc, out, err = malmoi(*run)
    check(rc == 0, f"second run exit {rc}: {err[-1000:]}")
    hits_after = sum(srv.hits(h, p) for (h, p) in routes if p != "/")
    check(hits_after == hits_before, f"articles fetched again: {hits_before} -> {hits_after}")
    check(db_rows(db, "SELECT count(*) FROM examples")[0][0] == n_ex, "no new examples on the second run")

    # Redo the later steps from what is stored, without fetching: the same
    # documents, sentences and examples come back.
    hits = sum(srv.hits(h, p) for (h, p) in routes)
    rc, out, err = malmoi("reprocess", "--db", db, "--config", config, "--from", "extract")
    check(rc == 0, f"malmoi reprocess exit {rc}: {err[-1000:]}")
    check(f"extract: {len(pages) + 1} stored pages, 0 documents changed" in err, f"reprocess re-read the pages: {err[-600:]}")
    check(db_rows(db, "SELECT count(*) FROM examples")[0][0] == n_ex, "reprocess gives back the same examples")
    check(sum(srv.hits(h, p) for (h, p) in routes) == hits, "reprocess fetched nothing")

    # A crawl that keeps raw responses only, extracted afterwards.
    raw_db = os.path.join(d, "raw.db")
    raw_run = [a if a != "run" else "crawl" for a in run]
    raw_run[raw_run.index(db)] = raw_db
    for link in links:  # the articles themselves: --no-extract follows no page links
        raw_run += ["--seed", link]
    rc, out, err = malmoi(*raw_run, "--no-extract")
    check(rc == 0, f"malmoi crawl --no-extract exit {rc}: {err[-1000:]}")
    check(db_rows(raw_db, "SELECT count(*) FROM documents")[0][0] == 0, "--no-extract stores no documents")
    rc, out, err = malmoi("reextract", "--db", raw_db, "--config", config)
    check(rc == 0, f"malmoi reextract exit {rc}: {err[-1000:]}")
    got = db_rows(raw_db, "SELECT count(*) FROM documents WHERE source = 'crawl'")[0][0]
    check(got >= len(pages), f"reextract made {got} documents from {len(pages)} stored articles")
    con = sqlite3.connect(raw_db)
    con.execute("ATTACH ? AS first", (db,))
    same = con.execute("SELECT count(*) FROM documents WHERE content_hash IN"
                       " (SELECT content_hash FROM first.documents)").fetchone()[0]
    con.close()
    check(same == got, f"re-extracted text equals the text extracted while crawling ({same} of {got})")

    # With a model configured, the next run embeds every example (the model's
    # numbers are checked against transformers in tests/embed).
    model = os.path.join(os.environ.get("MALMOI_TEST_DATA", "tests/data"), "embed", "bert-tiny-random", "safetensors")
    emb_config = os.path.join(d, "embed.ini")
    with open(emb_config, "w", encoding="utf-8") as f:
        f.write(open(config, encoding="utf-8").read())
        f.write(f"[pipeline]\nembed_model = {os.path.abspath(model)}\nembed_pooling = mean\n")
    rc, out, err = malmoi("run", "--db", db, "--config", emb_config, "--no-crawl")
    check(rc == 0, f"malmoi run with a model exit {rc}: {err[-1000:]}")
    emb = db_rows(db, "SELECT count(*), min(dim), max(length(vector) = 4 * dim), min(pooling) FROM embeddings")[0]
    check(emb == (n_ex, 64, 1, "mean"), f"one 64-float mean embedding per example: {emb}, {n_ex} examples")

    # Export and check every segment against the pages.
    outdir = os.path.join(d, "shards")
    rc, out, err = malmoi("export", "--db", db, "--out", outdir, "--format", "jsonl", "--seed", "7",
                          "--dupe-factor", "2", "--config", config)
    check(rc == 0, f"malmoi export exit {rc}: {err[-1000:]}")
    segs = []
    for name in sorted(os.listdir(outdir)):
        if not name.endswith(".jsonl"):
            continue
        for line in open(os.path.join(outdir, name), encoding="utf-8"):
            ex = json.loads(line)
            ids = [lab if lab != -100 else i for i, lab in zip(ex["input_ids"], ex["labels"])]
            ids = [i for i, m in zip(ids, ex["attention_mask"]) if m]
            check(ids[0] == 2 and ids[-1] == 3, "an instance is [CLS] ... [SEP]")
            cur = []
            for i in ids[1:]:
                if i == 3:
                    segs.append(cur)
                    cur = []
                else:
                    cur.append(i)
    check(len(segs) >= 20, f"{len(segs)} segments exported")
    lines = "\n".join(" ".join(map(str, s)) for s in segs) + "\n"
    dec = subprocess.run(["spm_decode", f"--model={MODEL}", "--input_format=id"], input=lines,
                         capture_output=True, text=True, check=True).stdout.splitlines()
    check(len(dec) == len(segs), "spm_decode gave one line per segment")
    missing = 0
    for text in dec:
        for part in text.split(" ⁇ "):  # an [UNK] piece decodes to " ⁇ "
            part = squash(part.replace("⁇", ""))
            if part and not covered(part, visible):
                missing += 1
                if missing <= 3:
                    print("not in the pages:", part[:120], file=sys.stderr)
    check(missing == 0, f"{missing} exported segments are not text of the pages")
    srv.stop()
    finish()


main()
