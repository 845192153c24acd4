"""crawl_tls.py -- HTTPS with TLS verification on, and HTTP/2: nginx on
127.0.0.1 with a certificate for secure.test made here by openssl. Without
the certificate in ca_file the crawl fetches nothing (the handshake fails,
robots.txt counts as unreachable, every URL waits); with it, pages arrive
over HTTP/2, the per-host transfers multiplexed on one connection (nginx's
$server_protocol and $connection in its access log).
"""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import UA, Nginx, check, db_rows, finish, html_page, malmoi, tmpdir, write_config

d = tmpdir()
cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=secure.test", "-addext", "subjectAltName=DNS:secure.test"],
                   capture_output=True, text=True)
check(r.returncode == 0, f"openssl: {r.stderr}")
os.chmod(key, 0o644)
root = os.path.join(d, "www")
os.makedirs(root)
N = 12
open(os.path.join(root, "index.html"), "w").write(html_page("보안", [f"/a{i}.html" for i in range(N)]))
for i in range(N):
    open(os.path.join(root, f"a{i}.html"), "w").write(html_page(f"보안 기사 {i}"))
open(os.path.join(root, "robots.txt"), "w").write("User-agent: *\nAllow: /\n")
ng = Nginx(d, {"secure.test": root}, ssl=(cert, key))
P = ng.port
args = ["--user-agent", UA, "--delay", "0", "--per-host", "4", "--resolve", f"secure.test:{P}:127.0.0.1",
        "--seed", f"https://secure.test:{P}/index.html"]

# 1. an untrusted certificate: nothing is fetched, and as no host could be
# reached the crawl exits 1 saying so
conf1 = write_config(d, "[crawler]\nidle_wait = 1\n")
db1 = os.path.join(d, "untrusted.db")
rc, out, err = malmoi("crawl", "--db", db1, "--config", conf1, *args)
check(rc == 1 and "no host could be reached" in err, f"untrusted run exit {rc}: {err}")
check(not ng.log(), f"requests went through an unverified TLS connection: {ng.log()[:2]}")
st = db_rows(db1, "SELECT state FROM urls")
check(st == [("queued",)], f"URL states after a failed handshake: {st}")
check(db_rows(db1, "SELECT robots_status FROM hosts") == [(0,)], "robots.txt not marked unreachable")

# 2. trusted through ca_file: HTTP/2, one connection for the host's transfers
conf2 = os.path.join(d, "trusted.ini")
open(conf2, "w").write(f"[crawler]\nidle_wait = 1\nca_file = {cert}\n")
db2 = os.path.join(d, "trusted.db")
rc, out, err = malmoi("crawl", "--db", db2, "--config", conf2, *args)
check(rc == 0, f"trusted run exit {rc}: {err}")
log = ng.log()
pages = [e for e in log if e["path"].startswith("/a")]
check(len(pages) == N, f"{len(pages)} of {N} pages fetched over TLS")
check(all(e["protocol"] == "HTTP/2.0" for e in log), f"protocols: {sorted({e['protocol'] for e in log})}")
conns = {e["connection"] for e in pages}
check(len(conns) == 1, f"page requests used {len(conns)} connections, want 1 (HTTP/2 multiplexing)")
check(db_rows(db2, "SELECT count(*) FROM documents")[0][0] == N + 1, "documents over TLS")

ng.stop()
if not __import__("harness").failures:
    shutil.rmtree(d, ignore_errors=True)
finish()
