"""crawl_resume.py -- kill -9 at random moments, then restart: nothing is
lost (every page of the site ends up done), nothing committed is fetched
again (a page the database had as done before a kill is never requested
after it), and SQLite's integrity_check is ok. Also: a second run on the
same database exits 75 at once naming the holder, and SIGTERM stops a run
cleanly (status 'interrupted', no URL left claimed).
"""
import os
import random
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import UA, Resp, Server, check, db_rows, finish, html_page, malmoi, start_malmoi, tmpdir, write_config

N = 240
H = "resume.test"
routes = {(H, "/robots.txt"): Resp(404, "", ctype="text/plain")}
for i in range(N):
    links = [f"/p{(i * 7 + k) % N}" for k in (1, 2, 3)]
    routes[(H, f"/p{i}")] = Resp(200, html_page(f"문서 {i}", links), delay=0.03)
srv = Server(routes)
P = srv.port
d = tmpdir()
db = os.path.join(d, "r.db")
conf = write_config(d, "[crawler]\nmax_depth = 1000\nidle_wait = 2\n")
base = ["crawl", "--db", db, "--config", conf, "--user-agent", UA, "--delay", "0", "--per-host", "4", "--threads", "3",
        "--resolve", f"{H}:{P}:127.0.0.1", "--seed", f"http://{H}:{P}/p0"]


def done_paths():
    if not os.path.exists(db):
        return set()
    return {u.split(str(P), 1)[1] for (u,) in db_rows(db, "SELECT url FROM urls WHERE state = 'done'")}


rng = random.Random(9309)
kills = 0
for round_ in range(4):
    n_before = len(srv.log)
    p = start_malmoi(*base)
    time.sleep(rng.uniform(0.3, 1.2))
    if p.poll() is not None:
        break
    p.send_signal(signal.SIGKILL)
    p.wait()
    kills += 1
    committed = done_paths()
    # the next run must not ask for anything committed as done
    n_mark = len(srv.log)
    rc, out, err = malmoi(*base, "--max-pages", "20")
    check(rc == 0, f"run after kill {kills}: exit {rc}: {err}")
    again = [e["path"] for e in srv.log[n_mark:] if e["path"] in committed]
    check(not again, f"after kill {kills}: committed pages fetched again: {again[:5]}")
    check(db_rows(db, "PRAGMA integrity_check")[0][0] == "ok", f"integrity_check after kill {kills}")
check(kills >= 2, f"only {kills} kills happened (the crawl finished too fast)")

rc, out, err = malmoi(*base, timeout=120)
check(rc == 0, f"final run: exit {rc}: {err}")
done = done_paths()
check(len(done) == N, f"{len(done)} of {N} pages done after the restarts")
states = dict(db_rows(db, "SELECT state, count(*) FROM urls GROUP BY state"))
check(set(states) == {"done"}, f"states left: {states}")
check(db_rows(db, "PRAGMA integrity_check")[0][0] == "ok", "integrity_check")
docs = db_rows(db, "SELECT count(*) FROM documents")[0][0]
check(docs == N, f"{docs} documents for {N} pages")
runs = db_rows(db, "SELECT status FROM runs ORDER BY id DESC LIMIT 1")
check(runs and runs[0][0] == "ok", f"last run {runs}")

# Lock: a second crawl on the same database exits 75 at once; SIGTERM stops the first cleanly.
slow = {(H, "/robots.txt"): Resp(404, "", ctype="text/plain")}
for i in range(50):
    slow[(H, f"/q{i}")] = Resp(200, html_page(f"느림 {i}", [f"/q{i + 1}"]), delay=0.5)
srv2 = Server(slow)
db2 = os.path.join(d, "lock.db")
args2 = ["crawl", "--db", db2, "--user-agent", UA, "--delay", "0", "--threads", "3",
         "--resolve", f"{H}:{srv2.port}:127.0.0.1", "--seed", f"http://{H}:{srv2.port}/q0"]
first = start_malmoi(*args2)
time.sleep(1.0)
t = time.monotonic()
rc, out, err = malmoi(*args2, timeout=30)
check(rc == 75, f"second run exit {rc}, want 75: {err}")
check("crawl" in err and str(first.pid) in err, f"lock message does not name the holder: {err!r}")
check(len(err.strip().splitlines()) == 1, f"lock message is not one line: {err!r}")
first.send_signal(signal.SIGTERM)
try:
    rc1 = first.wait(10)
except Exception:
    first.kill()
    rc1 = -1
check(rc1 == 0, f"SIGTERM: exit {rc1}")
st = db_rows(db2, "SELECT status, ended IS NOT NULL, pages FROM runs")
check(st and st[0][0] == "interrupted" and st[0][1] == 1, f"interrupted run row {st}")
check(db_rows(db2, "SELECT count(*) FROM urls WHERE state = 'claimed'")[0][0] == 0, "URLs left claimed")
check(db_rows(db2, "PRAGMA integrity_check")[0][0] == "ok", "integrity_check after SIGTERM")

srv.stop()
srv2.stop()
finish()
