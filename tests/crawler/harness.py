"""harness.py -- shared pieces of the crawler's loopback tests.

A scriptable HTTP/1.1 server on 127.0.0.1 (routes by Host and path, with
faults: slow drip, stall, connection reset, truncated gzip, delays), a
request log with start/end times per host (so politeness is measured at the
server), an nginx runner for static sites, and helpers to run malmoi and
read the database. Everything is independent of malmoi's own code.
"""
import gzip
import os
import shutil
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MALMOI = os.environ.get("MALMOI", "malmoi")
DATA = os.path.join(os.environ.get("MALMOI_TEST_DATA", "tests/data"), "crawler")
UA = "malmoi-test/0.1 (+http://127.0.0.1/contact)"

failures = []
_tmpdirs = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg, file=sys.stderr)
    return cond


def finish():
    if failures:
        print(f"{len(failures)} check(s) failed; files kept in {' '.join(_tmpdirs)}", file=sys.stderr)
        sys.exit(1)
    for d in _tmpdirs:
        shutil.rmtree(d, ignore_errors=True)
    print("ok")
    sys.exit(0)


class Resp:
    """What a route answers. mode: None | 'drip' | 'stall' | 'reset' | 'truncate'."""

    def __init__(self, status=200, body=b"", headers=None, mode=None, delay=0.0, ctype="text/html; charset=utf-8"):
        self.status = status
        self.body = body if isinstance(body, bytes) else body.encode("utf-8")
        self.headers = dict(headers or {})
        if ctype is not None and "Content-Type" not in self.headers:
            self.headers["Content-Type"] = ctype
        self.mode = mode
        self.delay = delay


class Server:
    """routes: {(host, path): Resp | callable(handler, count) -> Resp}; host None matches any."""

    def __init__(self, routes):
        self.routes = routes
        self.log = []  # dicts: host, path, start, end, headers
        self.lock = threading.Lock()
        self.active = {}
        self.max_active = {}
        self.counts = {}
        outer = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                outer.handle(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def hits(self, host, path):
        return self.counts.get((host, path), 0)

    def requests(self, host):
        return [e for e in self.log if e["host"] == host]

    def handle(self, h):
        host = h.headers.get("Host", "").split(":")[0]
        path = h.path
        start = time.monotonic()
        with self.lock:
            key = (host, path)
            self.counts[key] = self.counts.get(key, 0) + 1
            n = self.counts[key]
            self.active[host] = self.active.get(host, 0) + 1
            self.max_active[host] = max(self.max_active.get(host, 0), self.active[host])
        entry = {"host": host, "path": path, "start": start, "end": None, "headers": dict(h.headers)}
        try:
            r = self.routes.get((host, path), self.routes.get((None, path), self.routes.get((host, "*"))))
            if callable(r):
                r = r(h, n)
            if r is None:
                r = Resp(404, "<html><title>404</title></html>")
            self.respond(h, r)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            entry["end"] = time.monotonic()
            with self.lock:
                self.active[host] -= 1
                self.log.append(entry)

    def respond(self, h, r):
        if r.delay:
            time.sleep(r.delay)
        if r.mode == "reset":
            h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            h.connection.close()
            h.close_connection = True
            return
        h.send_response(r.status)
        body = r.body
        length = len(body)
        if r.mode == "truncate":
            body = body[: len(body) // 2]
        for k, v in r.headers.items():
            h.send_header(k, v)
        if r.mode not in ("drip", "stall"):
            h.send_header("Content-Length", str(length))
        else:
            h.send_header("Content-Length", str(length))
        h.end_headers()
        if r.mode == "stall":
            time.sleep(30)
            return
        if r.mode == "drip":
            for i in range(len(body)):
                h.wfile.write(body[i : i + 1])
                h.wfile.flush()
                time.sleep(0.2)
            return
        h.wfile.write(body)
        h.wfile.flush()
        if r.mode == "truncate":
            h.close_connection = True
            h.connection.shutdown(socket.SHUT_RDWR)


def max_overlap(intervals):
    """Most intervals open at one moment (measured concurrency)."""
    ev = []
    for s, e in intervals:
        ev.append((s, 1))
        ev.append((e, -1))
    ev.sort(key=lambda x: (x[0], x[1]))
    cur = best = 0
    for _, d in ev:
        cur += d
        best = max(best, cur)
    return best


def tmpdir():
    d = tempfile.mkdtemp(prefix="malmoi-crawl-")
    os.chmod(d, 0o755)  # nginx workers run as www-data
    _tmpdirs.append(d)
    return d


def write_config(d, text):
    p = os.path.join(d, "test.ini")
    with open(p, "w", encoding="utf-8") as f:
        f.write(text)
    return p


def malmoi(*args, timeout=120, env=None):
    e = dict(os.environ)
    e.pop("MALMOI_CONFIG", None)
    if env:
        e.update(env)
    p = subprocess.run([MALMOI, *args], capture_output=True, text=True, timeout=timeout, env=e, cwd=tempfile.gettempdir())
    return p.returncode, p.stdout, p.stderr


def start_malmoi(*args):
    e = dict(os.environ)
    e.pop("MALMOI_CONFIG", None)
    return subprocess.Popen([MALMOI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=e,
                            cwd=tempfile.gettempdir())


def run_rusage(*args, timeout=120):
    """Run malmoi; return (exit code, stderr, peak RSS in KiB of that process alone)."""
    e = dict(os.environ)
    e.pop("MALMOI_CONFIG", None)
    p = subprocess.Popen([MALMOI, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=e,
                         cwd=tempfile.gettempdir())
    err = p.stderr.read().decode("utf-8", "replace")
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, err, ru.ru_maxrss


def db_rows(db, sql, *params):
    con = sqlite3.connect(db)
    try:
        rows = con.execute(sql, params).fetchall()
        con.commit()
        return rows
    finally:
        con.close()


def html_page(title, links=(), text=None):
    body = text or (f"{title}에 관한 기사입니다. 이 문단은 시험용으로 쓴 한국어 문장들로 이루어져 있습니다. "
                    "본문 추출기가 찾을 수 있도록 충분히 길게 적었습니다. 세 번째 문장도 덧붙입니다.")
    a = "".join(f'<li><a href="{l}">{l}</a></li>' for l in links)
    return (f"<!DOCTYPE html><html lang=\"ko\"><head><meta charset=\"utf-8\"><title>{title}</title></head>"
            f"<body><article><h1>{title}</h1><p>{body}</p><p>{body}</p></article><ul>{a}</ul></body></html>")


def nginx_available():
    return shutil.which("nginx") or os.path.exists("/usr/sbin/nginx")


class Nginx:
    """Debian's nginx on 127.0.0.1 with its own prefix; sites: {server_name: root dir}."""

    def __init__(self, d, sites, extra="", ssl=None):
        self.d = d
        port = free_port()
        self.port = port
        servers = ""
        for name, root in sites.items():
            servers += f"""
    server {{
        listen 127.0.0.1:{port}{" ssl http2" if ssl else ""};
        {f"ssl_certificate {ssl[0]}; ssl_certificate_key {ssl[1]};" if ssl else ""}
        server_name {name};
        root {root};
        default_type text/html;
        charset utf-8;
        location / {{ try_files $uri $uri/index.html =404; }}
        {extra}
    }}"""
        conf = f"""
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log;
worker_processes 1;
events {{ worker_connections 256; }}
http {{
    access_log {d}/access.log timed;
    log_format timed '$host $msec $request_time "$request_uri" $status $server_protocol $connection $http_user_agent';
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    gzip on;
    gzip_types text/html application/xml text/xml text/plain;
    gzip_min_length 100;
    types {{ application/xml xml; text/plain txt; }}
{servers}
}}
"""
        # log_format must precede its use: move the access_log line after it.
        conf = conf.replace(f"    access_log {d}/access.log timed;\n", "")
        conf = conf.replace("    client_body_temp_path", f"    access_log {d}/access.log timed;\n    client_body_temp_path", 1)
        with open(os.path.join(d, "nginx.conf"), "w") as f:
            f.write(conf)
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.proc = subprocess.Popen([nginx, "-p", d, "-c", os.path.join(d, "nginx.conf"), "-e", os.path.join(d, "error.log")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)

    def log(self):
        out = []
        p = os.path.join(self.d, "access.log")
        if not os.path.exists(p):
            return out
        for line in open(p, encoding="utf-8", errors="replace"):
            parts = line.split(" ", 7)
            if len(parts) < 7:
                continue
            host, msec, rt, uri, status = parts[0], float(parts[1]), float(parts[2]), parts[3].strip('"'), int(parts[4])
            out.append({"host": host, "start": msec - rt, "end": msec, "path": uri, "status": status,
                        "protocol": parts[5], "connection": parts[6]})
        return out

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def inflate(blob):
    return zlib.decompress(blob) if blob is not None else b""
