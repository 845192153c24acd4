"""crawl_memory.py -- memory stays flat as the frontier grows: the same
short crawl (--max-pages 30) from a frontier of 1,000 queued URLs and from
one of 300,000 has about the same peak RSS (measured by the kernel for that
process alone), because a host keeps at most a handful of claimed URLs in
memory and the rest stays in SQLite.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import UA, Resp, Server, check, db_rows, finish, html_page, malmoi, run_rusage, tmpdir

H = "big.test"
page = Resp(200, html_page("큰 사이트"))
srv = Server({(H, "/robots.txt"): Resp(404, "", ctype="text/plain"), (H, "*"): page})
P = srv.port
d = tmpdir()


def frontier(name, n):
    db = os.path.join(d, name)
    rc, out, err = malmoi("crawl", "--db", db, "--user-agent", UA, "--delay", "0", "--resolve", f"{H}:{P}:127.0.0.1",
                          "--seed", f"http://{H}:{P}/seed")
    check(rc == 0, f"seeding {name}: {err}")
    import sqlite3
    con = sqlite3.connect(db)
    con.executemany("INSERT INTO urls(url, host, first_seen) VALUES (?, ?, '2024-01-01T00:00:00Z')",
                    ((f"http://{H}:{P}/big/{i}", f"http://{H}:{P}") for i in range(n)))
    con.commit()
    con.close()
    return db


small = frontier("small.db", 1000)
big = frontier("big.db", 300000)
args = ["--user-agent", UA, "--delay", "0", "--per-host", "4", "--resolve", f"{H}:{P}:127.0.0.1", "--max-pages", "30"]
rc1, err1, rss_small = run_rusage("crawl", "--db", small, *args)
rc2, err2, rss_big = run_rusage("crawl", "--db", big, *args)
check(rc1 == 0 and rc2 == 0, f"crawl exits {rc1} {rc2}: {err1} {err2}")
done = db_rows(big, "SELECT count(*) FROM urls WHERE state = 'done'")[0][0]
check(31 <= done <= 40, f"{done} URLs done in the big frontier, want about 30")
queued = db_rows(big, "SELECT count(*) FROM urls WHERE state = 'queued'")[0][0]
check(queued >= 299960, f"{queued} still queued (claimed URLs must go back to the queue)")
print(f"peak RSS: {rss_small} KiB with 1,000 queued, {rss_big} KiB with 300,000 queued")
check(rss_big - rss_small < 12 * 1024, f"peak RSS grew by {(rss_big - rss_small) // 1024} MiB with the frontier")
srv.stop()
finish()
