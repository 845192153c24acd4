"""crawl_reach.py -- what a newcomer's crawl does at the edges, against
servers on 127.0.0.1:
- --max-depth N follows links at most N hops from the seed (0: the seed
  only), counted at the server on a chain / -> /p1 -> /p2 -> ...; without
  it the config's [crawler] max_depth applies (3 when unset);
- a crawl (and a run) that reaches no host at all (a port nobody listens
  on) exits 1 with one closing line that says so;
- a crawl where one host is dead and another answers exits 0, with the
  failures counted in the summary.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Resp, Server, check, finish, free_port, html_page, malmoi, tmpdir, write_config

H, DEAD = "chain.test", "dead.test"
CHAIN = 6  # pages /, /p1 .. /p5
routes = {(H, "/robots.txt"): Resp(404, "none", ctype="text/plain")}
for i in range(CHAIN):
    path = "/" if i == 0 else f"/p{i}"
    routes[(H, path)] = Resp(200, html_page(f"사슬 {i}번째 문서", [f"/p{i + 1}"] if i + 1 < CHAIN else []))
srv = Server(routes)
P = srv.port
dead_port = free_port()  # nothing listens there
d = tmpdir()
conf = write_config(d, f"""
[pipeline]
tokenizer = {os.environ["MALMOI_SOURCE"]}/config/models/kobert/spiece.model
[crawler]
user_agent = malmoi/0.1
contact = http://127.0.0.1/contact
connect_timeout = 2
timeout = 4
robots_retry = 60
""")
base = ["--config", conf, "--delay", "0", "--resolve", f"{H}:{P}:127.0.0.1", "--resolve",
        f"{DEAD}:{dead_port}:127.0.0.1"]


def fetched():
    return sorted(e["path"] for e in srv.log if e["host"] == H and e["path"] != "/robots.txt")


def crawl(name, *args):
    srv.log.clear()
    return malmoi("crawl", "--db", os.path.join(d, name + ".db"), *base, *args)


def chain(n):
    return sorted(["/"] + [f"/p{i}" for i in range(1, n + 1)])


# --max-depth: how many links from the seed.
for depth in (0, 1, 2):
    rc, out, err = crawl(f"depth{depth}", "--seed", f"http://{H}:{P}/", "--max-depth", str(depth))
    check(rc == 0, f"--max-depth {depth}: exit {rc}: {err[-300:]}")
    check(fetched() == chain(depth), f"--max-depth {depth}: fetched {fetched()}, expected {chain(depth)}")
rc, out, err = crawl("default", "--seed", f"http://{H}:{P}/")
check(rc == 0 and fetched() == chain(3), f"default depth 3: exit {rc}, fetched {fetched()}")
rc, out, err = crawl("bad", "--seed", f"http://{H}:{P}/", "--max-depth", "-1")
check(rc == 2 and "--max-depth" in err, f"--max-depth -1 is a usage error: exit {rc}: {err[-200:]}")
rc, out, err = malmoi("crawl", "--help")
check("--max-depth N" in out and "0: the" in out, "crawl --help documents --max-depth and its default")
rc, out, err = malmoi("run", "--help")
check("--max-depth N" in out, "run --help documents --max-depth")

# No host reached at all: exit 1, and the closing line says so.
rc, out, err = crawl("dead", "--seed", f"http://{DEAD}:{dead_port}/")
last = err.strip().splitlines()[-1] if err.strip() else ""
check(rc == 1, f"unreachable crawl exits 1, got {rc}: {err[-300:]}")
check("no host could be reached" in last, f"unreachable crawl's last line says so: {last!r}")
rc, out, err = malmoi("run", "--db", os.path.join(d, "deadrun.db"), *base, "--seed", f"http://{DEAD}:{dead_port}/")
last = err.strip().splitlines()[-1] if err.strip() else ""
check(rc == 1 and "no host could be reached" in last, f"unreachable run exits 1 saying so: {rc} {last!r}")

# One host dead, one alive: exit 0, the failure counted in the summary.
rc, out, err = crawl("mixed", "--seed", f"http://{DEAD}:{dead_port}/", "--seed", f"http://{H}:{P}/", "--max-depth", "0")
last = err.strip().splitlines()[-1] if err.strip() else ""
check(rc == 0, f"mixed crawl exits 0, got {rc}: {err[-300:]}")
check(fetched() == ["/"], f"mixed crawl fetched the live seed: {fetched()}")
check(" 1 errors" in last or "1 errors" in last, f"mixed crawl's summary counts the failure: {last!r}")
rc, out, err = malmoi("run", "--db", os.path.join(d, "mixedrun.db"), *base, "--seed", f"http://{DEAD}:{dead_port}/",
                      "--seed", f"http://{H}:{P}/", "--max-depth", "0")
last = err.strip().splitlines()[-1] if err.strip() else ""
check(rc == 0 and "(1 fetch errors)" in last, f"mixed run exits 0 counting the failure: {rc} {last!r}")
srv.stop()
finish()
