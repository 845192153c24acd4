"""crawl_partition.py -- `malmoi crawl --partition K/N`: two partitions of a
16-host loopback crawl fetch disjoint sets of hosts (checked at the
server), together every host, each politely into its own database; links
to the other partition's hosts are recorded as queued URLs, not fetched;
`malmoi merge` of the two databases equals one crawl of all hosts (the
same documents, URLs with their states, responses).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import UA, Resp, Server, check, db_rows, finish, html_page, malmoi, tmpdir  # noqa: E402

# Hosts go to partitions by a hash of "http://HOST:PORT", and the port is
# random: with 6 hosts, one partition in 32 runs got none of them. With 16,
# one run in 32,768 would.
HOSTS = [f"part{i}.test" for i in range(16)]
routes = {}
for i, h in enumerate(HOSTS):
    nxt = HOSTS[(i + 1) % len(HOSTS)]
    routes[(h, "/robots.txt")] = Resp(404, "", ctype="text/plain")
    arts = [f"/a{j}" for j in range(3)]
    routes[(h, "/")] = Resp(200, html_page(f"{h} 첫 화면", arts + [f"http://{nxt}:PORT/a0"]))
    for j, a in enumerate(arts):
        routes[(h, a)] = Resp(200, html_page(f"{h} 기사 {j}번", []))
srv = Server({})
P = srv.port
srv.routes = {k: (Resp(v.status, v.body.replace(b"PORT", str(P).encode()), v.headers, ctype=None)
                  if k[1] == "/" else v) for k, v in routes.items()}
d = tmpdir()
args = ["--user-agent", UA, "--delay", "0"]
for h in HOSTS:
    args += ["--resolve", f"{h}:{P}:127.0.0.1", "--seed", f"http://{h}:{P}/"]


def crawl(db, *extra):
    n0 = len(srv.log)
    rc, out, err = malmoi("crawl", "--db", db, *args, *extra)
    check(rc == 0, f"crawl {extra}: exit {rc}: {err}")
    return {e["host"].split(":")[0] for e in srv.log[n0:]}


one = os.path.join(d, "one.db")
all_hosts = crawl(one)
check(all_hosts == set(HOSTS), f"one crawl fetched from {sorted(all_hosts)}")
parts = [os.path.join(d, f"part-{k}.db") for k in range(2)]
fetched = [crawl(parts[k], "--partition", f"{k}/2") for k in range(2)]
check(fetched[0] and fetched[1], f"both partitions have hosts: {fetched}")
check(not (fetched[0] & fetched[1]), f"the partitions fetched the same hosts: {fetched}")
check(fetched[0] | fetched[1] == set(HOSTS), f"together the partitions fetched {fetched}")
for k in range(2):
    mine = {r[0].split("//")[1].split(":")[0] for r in db_rows(parts[k], "SELECT url FROM urls WHERE state = 'done'")}
    other = {r[0].split("//")[1].split(":")[0] for r in db_rows(parts[k], "SELECT url FROM urls WHERE state = 'queued'")}
    check(mine == fetched[k], f"partition {k}: done hosts {mine}, fetched {fetched[k]}")
    check(other == fetched[1 - k], f"partition {k}: the other partition's hosts are queued, not fetched: {other}")

merged = os.path.join(d, "merged.db")
rc, out, err = malmoi("merge", "--db", merged, *parts)
check(rc == 0, f"merge exit {rc}: {err}")


def state(db):
    return (sorted(db_rows(db, "SELECT url, content_hash, title FROM documents")),
            sorted(db_rows(db, "SELECT url, state, kind, last_status FROM urls")),
            sorted(db_rows(db, "SELECT u.url, r.status, r.body_size FROM responses r JOIN urls u ON u.id = r.url_id")),
            sorted(db_rows(db, "SELECT host, robots_status FROM hosts")))


a, b = state(one), state(merged)
for name, x, y in zip(("documents", "urls", "responses", "hosts"), a, b):
    check(x == y, f"merged partitions vs one crawl: {name} differ:\n  one    {x}\n  merged {y}")
check(len(a[0]) == 4 * len(HOSTS), f"{len(a[0])} documents, want {4 * len(HOSTS)}")
# a second run of a partition has nothing left to fetch of its own hosts
n0 = len(srv.log)
crawl(parts[0], "--partition", "0/2")
check(not {e["host"].split(":")[0] for e in srv.log[n0:]} & fetched[1], "a rerun fetched another partition's host")
srv.stop()
finish()
