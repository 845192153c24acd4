"""crawl_threads.py -- extraction on worker threads stores exactly what a
single-threaded crawl stores. Four hosts (--resolve to the scriptable
server) serve real Korean news pages (tests/data/crawler/pages), each page
with a sentence of its own and links within and across the hosts. The same
site is crawled with --threads 1 and --threads 4; every documents row
(url, title, text, metadata, method) and every URL's final state, status
and document must be the same, read back with Python's sqlite3. While the
threaded crawl runs, its extraction threads are seen in /proc (named
"malmoi-extract"); the single-threaded crawl has none.
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import DATA, UA, Resp, Server, check, db_rows, finish, malmoi, start_malmoi, tmpdir, write_config

HOSTS = [f"h{i}.threads.test" for i in range(4)]
N = 30  # pages per host
src = os.path.join(DATA, "pages")
templates = [open(os.path.join(src, f), "rb").read() for f in sorted(os.listdir(src))
             if f.endswith(".html") and not f.startswith("apache")]
routes = {}
for h, host in enumerate(HOSTS):
    routes[(host, "/robots.txt")] = Resp(200, "User-agent: *\nDisallow: /private/\n", ctype="text/plain")
    for i in range(N):
        page = templates[(i + h) % len(templates)]
        # a sentence of its own in the longest paragraph: every page a distinct document
        masked = re.sub(rb"(?is)<(script|style)\b.*?</\1\s*>", lambda m: b" " * len(m.group(0)), page)
        m = max(re.finditer(rb">([^<>]{80,})<", masked), key=lambda m: len(m.group(1).split()), default=None)
        if m:
            page = page[:m.end(1)] + f" 이 기사의 시험 번호는 {h}-{i}번입니다.".encode() + page[m.end(1):]
        links = [f"/p{(i + 1) % N}", f"/p{(i * 7 + 3) % N}",
                 f"http://{HOSTS[(h + 1) % len(HOSTS)]}:{{PORT}}/p{(i * 5 + 2) % N}", "/private/x"]
        routes[(host, f"/p{i}")] = (page, links)
srv = Server({})
P = srv.port
for key, v in list(routes.items()):
    if isinstance(v, tuple):
        page, links = v
        nav = "".join(f'<a href="{u.replace("{PORT}", str(P))}">기사</a> ' for u in links).encode()
        k = page.rfind(b"</body>")
        page = page[:k] + b"<nav>" + nav + b"</nav>" + page[k:] if k >= 0 else page + nav
        routes[key] = Resp(200, page, delay=0.01)
srv.routes = routes

d = tmpdir()
conf = write_config(d, "[crawler]\nmax_depth = 1000\nidle_wait = 1\n")


def crawl(threads):
    db = os.path.join(d, f"t{threads}.db")
    args = ["crawl", "--db", db, "--config", conf, "--user-agent", UA, "--delay", "0", "--per-host", "4",
            "--threads", str(threads)]
    for host in HOSTS:
        args += ["--resolve", f"{host}:{P}:127.0.0.1", "--seed", f"http://{host}:{P}/p0"]
    p = start_malmoi(*args)
    names = set()
    while p.poll() is None:  # the threads of the running crawl, by name
        try:
            for t in os.listdir(f"/proc/{p.pid}/task"):
                names.add(open(f"/proc/{p.pid}/task/{t}/comm").read().strip())
        except OSError:
            pass
        time.sleep(0.05)
    err = p.stderr.read() if p.stderr else ""
    check(p.returncode == 0, f"--threads {threads}: exit {p.returncode}: {err}")
    return db, names


def documents(db):
    rows = db_rows(db, "SELECT url, canonical_url, site, title, authors, description, published, modified, lang,"
                       " text, extract_method, replacement_chars, source FROM documents")
    return {r[0]: r for r in rows}


def url_states(db):
    rows = db_rows(db, "SELECT u.url, u.state, u.last_status, u.last_error, u.content_hash, d.url FROM urls u"
                       " LEFT JOIN documents d ON d.id = u.document_id")
    return {r[0]: r for r in rows}


db1, names1 = crawl(1)
db4, names4 = crawl(4)
docs1, docs4 = documents(db1), documents(db4)
check(len(docs1) == len(HOSTS) * N, f"--threads 1: {len(docs1)} documents for {len(HOSTS) * N} pages")
check(set(docs1) == set(docs4), f"documents differ by URL: {sorted(set(docs1) ^ set(docs4))[:5]}")
diff = [u for u in docs1 if u in docs4 and docs1[u] != docs4[u]]
check(not diff, f"{len(diff)} documents differ between --threads 1 and 4, e.g. {diff[:3]}")
marks = sum(1 for r in docs4.values() if "시험 번호는" in r[9])
check(marks == len(docs4), f"{marks} of {len(docs4)} documents carry their own sentence")
s1, s4 = url_states(db1), url_states(db4)
check(s1 == s4, f"URL states differ: {[u for u in set(s1) | set(s4) if s1.get(u) != s4.get(u)][:5]}")
check(all(r[1] in ("done", "skipped", "failed") for r in s4.values()), "URLs left unfinished with --threads 4")
check(db_rows(db4, "PRAGMA integrity_check")[0][0] == "ok", "integrity_check")
check(db_rows(db4, "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH ?", '"시험 번호는"')[0][0] == len(docs4),
      "full-text index of the threaded crawl")
check("malmoi-extract" in names4, f"no extraction thread seen with --threads 4: {sorted(names4)}")
check("malmoi-extract" not in names1, f"extraction threads with --threads 1: {sorted(names1)}")
srv.stop()
finish()
