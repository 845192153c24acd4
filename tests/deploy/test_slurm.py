"""test_slurm.py -- deploy/slurm on a real Slurm: a single-node cluster
(Debian's slurm-wlm and munge) started here as root in a temporary folder
(munged with its own socket and key, slurmctld -c and slurmd on ports of
their own, proctrack/linuxproc, task/none, state and spool in the folder),
then import-warc.sbatch as a job array over WARC files built from real
pages and merge.sbatch submitted with --dependency=afterok on the array,
waited for with sbatch --wait. The merged database must equal one import
of all the files (documents by content hash, URLs, sentence count); the
array submitted again must not double any shard; a file cut short is
named in its task's log, and the task keeps its other files. The daemons
started here are stopped at the end (their own pid files). Needs root and the two
packages; otherwise it is skipped (exit 77). Labels: slow, slurm
(`ctest -L slurm` runs it alone).
"""
import gzip
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "crawler"))
from harness import check, failures  # noqa: E402

DATA = os.environ.get("MALMOI_TEST_DATA", os.path.join(HERE, "..", "data"))
SOURCE = os.path.abspath(os.environ.get("MALMOI_SOURCE", os.path.join(HERE, "..", "..")))
MALMOI = os.path.abspath(os.environ.get("MALMOI", "malmoi"))
PAGES = os.path.join(DATA, "crawler", "pages")


def skip(why):
    print(f"skipped: {why}")
    sys.exit(77)


if os.geteuid() != 0:
    skip("a Slurm cluster of its own needs root")
for tool in ("munged", "slurmctld", "slurmd", "sbatch", "scontrol", "sinfo"):
    if shutil.which(tool) is None and not os.path.exists(f"/usr/sbin/{tool}"):
        skip(f"{tool} is missing: apt-get install slurm-wlm munge")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def sh(*args, check_rc=True, timeout=120, **kw):
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=ENV, **kw)
    if check_rc and p.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: exit {p.returncode}: {p.stderr[-2000:]}")
    return p


T = tempfile.mkdtemp(prefix="malmoi-slurm-")
os.chmod(T, 0o755)
host = socket.gethostname().split(".")[0]
ENV = dict(os.environ)
ENV.pop("MALMOI_CONFIG", None)
ENV["SLURM_CONF"] = os.path.join(T, "slurm.conf")
ENV["MALMOI"] = MALMOI
started = []  # (name, pid file)


def stop_daemons():
    try:
        sh("scontrol", "shutdown", check_rc=False, timeout=20)
    except Exception:
        pass
    deadline = time.time() + 15
    for name, pidfile in reversed(started):
        try:
            pid = int(open(pidfile).read().strip())
        except (OSError, ValueError):
            continue
        while time.time() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            if name == "munged" or time.time() > deadline - 5:
                os.kill(pid, signal.SIGTERM)
            time.sleep(0.2)


try:
    # ---- the cluster ------------------------------------------------------
    key = os.path.join(T, "munge.key")
    with open(key, "wb") as f:
        f.write(os.urandom(1024))
    os.chmod(key, 0o400)
    msock = os.path.join(T, "munge.sock")
    sh("munged", "--force", f"--key-file={key}", f"--socket={msock}", f"--pid-file={T}/munged.pid",
       f"--log-file={T}/munged.log", f"--seed-file={T}/munged.seed")
    started.append(("munged", f"{T}/munged.pid"))
    node = sh("slurmd", "-C").stdout.splitlines()[0]  # this machine as Slurm sees it
    node = " ".join(w for w in node.split() if not w.startswith("UpTime"))
    for d in ("state", "spool"):
        os.makedirs(os.path.join(T, d))
    with open(ENV["SLURM_CONF"], "w") as f:
        f.write(f"""ClusterName=malmoitest
SlurmctldHost={host}(127.0.0.1)
SlurmctldPort={free_port()}
SlurmdPort={free_port()}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={msock}
StateSaveLocation={T}/state
SlurmdSpoolDir={T}/spool
SlurmctldPidFile={T}/slurmctld.pid
SlurmdPidFile={T}/slurmd.pid
SlurmctldLogFile={T}/slurmctld.log
SlurmdLogFile={T}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
SlurmdParameters=config_overrides
{node} NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
""")
    sh("slurmctld", "-c")
    started.append(("slurmctld", f"{T}/slurmctld.pid"))
    sh("slurmd")
    started.append(("slurmd", f"{T}/slurmd.pid"))
    deadline = time.time() + 60
    state = ""
    while time.time() < deadline:
        state = sh("sinfo", "-h", "-o", "%T", check_rc=False).stdout.strip()
        if state in ("idle", "mixed", "allocated"):
            break
        time.sleep(0.5)
    if not check(state == "idle", f"the node never became idle ({state!r}); see {T}/slurmctld.log, slurmd.log"):
        raise RuntimeError("no cluster")

    # ---- the work: WARC files built from real pages -----------------------
    work = os.path.join(T, "work")
    os.makedirs(work)
    names = sorted(f for f in os.listdir(PAGES) if f.endswith(".html"))
    paths = []
    for i in range(5):  # five files, every page in two of them (exact duplicates across tasks)
        p = os.path.join(work, f"CC-MAIN-{i:05d}.warc.gz")
        with open(p, "wb") as f:
            for j, name in enumerate(names):
                if j % 5 not in (i, (i + 1) % 5):
                    continue
                body = open(os.path.join(PAGES, name), "rb").read()
                ct = b"text/html; charset=euc-kr" if name.startswith("apache") else b"text/html"
                block = b"HTTP/1.1 200 OK\r\nContent-Type: " + ct + b"\r\n\r\n" + body
                uri = f"https://pages.example.kr/{name}"
                head = (f"WARC/1.1\r\nWARC-Type: response\r\nWARC-Date: 2024-03-0{i + 1}T00:00:00Z\r\n"
                        f"WARC-Target-URI: {uri}\r\nContent-Type: application/http; msgtype=response\r\n"
                        f"Content-Length: {len(block)}\r\n\r\n").encode()
                f.write(gzip.compress(head + block + b"\r\n\r\n"))
        paths.append(p)
    # a download cut short: the task that gets it logs it, keeps its other files and succeeds
    cut = os.path.join(work, "CC-MAIN-cut.warc.gz")
    blob = open(paths[0], "rb").read()
    with open(cut, "wb") as f:
        f.write(blob[:len(blob) * 2 // 3])
    paths.append(cut)
    lst = os.path.join(work, "warc.list")
    with open(lst, "w") as f:
        f.write("# the test's files\n" + "\n".join(os.path.relpath(p, work) for p in paths) + "\n\n")
    outdir, target = "shards", os.path.join(work, "corpus.db")
    sb = os.path.join(SOURCE, "deploy", "slurm")
    jid = sh("sbatch", "--parsable", "--array=0-2", "--cpus-per-task=1", os.path.join(sb, "import-warc.sbatch"),
             "warc.list", outdir, cwd=work).stdout.strip().split(";")[0]
    p = sh("sbatch", "--wait", f"--dependency=afterok:{jid}", os.path.join(sb, "merge.sbatch"), outdir, target,
           cwd=work, check_rc=False, timeout=300)
    logs = "".join(open(os.path.join(work, f)).read() for f in sorted(os.listdir(work)) if f.endswith(".out"))
    check(p.returncode == 0, f"merge job exit {p.returncode}: {p.stderr}\n{logs[-3000:]}")
    shards = sorted(os.listdir(os.path.join(work, outdir)))
    check([s for s in shards if s.endswith(".db")] == ["shard-0.db", "shard-1.db", "shard-2.db"],
          f"shards {shards}")
    # task k took every 3rd line of the list
    for k in range(3):
        db = os.path.join(work, outdir, f"shard-{k}.db")
        refs = {r[0].rsplit(":", 1)[0] for r in sqlite3.connect(db).execute("SELECT source_ref FROM documents")}
        want = {os.path.relpath(p, work) for p in paths[k::3]} - {os.path.relpath(cut, work)}
        check(refs <= want and refs, f"shard {k} holds documents of {sorted(refs)}, want some of {sorted(want)}")

    # one import of everything, processed the same way
    single = os.path.join(work, "single.db")
    p = sh(MALMOI, "import", "--db", single, "--format", "warc", *paths, check_rc=False)
    check(p.returncode == 1 and f"{cut}: cut off" in p.stderr, f"one import of the files: {p.stderr[-500:]}")
    check(os.path.exists(os.path.join(work, outdir, "shard-2.failed")), "the task with the cut file wrote no .failed")
    check(f"CC-MAIN-cut.warc.gz: cut off" in logs, "the task's log does not name the cut file")

    def summary(db):
        con = sqlite3.connect(db)
        r = (sorted(con.execute("SELECT content_hash, url, stage FROM documents").fetchall()),
             con.execute("SELECT count(*) FROM sentences").fetchone()[0],
             con.execute("SELECT count(*) FROM examples").fetchone()[0])
        con.close()
        return r

    a, b = summary(single), summary(target)
    check(len(a[0]) == len(names), f"{len(a[0])} documents from {len(names)} pages")
    check(a[1] > 100 and a[2] > 100, f"sentences and examples: {a[1:]}")
    check(a == b, f"merged ({len(b[0])} documents, {b[1]} sentences, {b[2]} examples) differs from one import "
                  f"({len(a[0])}, {a[1]}, {a[2]})")

    # the array again (as a requeue would): no shard doubles
    before = {s: sqlite3.connect(os.path.join(work, outdir, s)).execute("SELECT count(*) FROM documents").fetchone()[0]
              for s in ("shard-0.db", "shard-1.db", "shard-2.db")}
    p = sh("sbatch", "--wait", "--array=0-2", os.path.join(sb, "import-warc.sbatch"), "warc.list", outdir, cwd=work,
           check_rc=False, timeout=300)
    check(p.returncode == 0, f"the array again: exit {p.returncode}: {p.stderr}")
    after = {s: sqlite3.connect(os.path.join(work, outdir, s)).execute("SELECT count(*) FROM documents").fetchone()[0]
             for s in before}
    check(before == after, f"shards after a second run {after}, before {before}")
    p = sh("sbatch", "--wait", os.path.join(sb, "merge.sbatch"), outdir, target, cwd=work, check_rc=False, timeout=300)
    check(p.returncode == 0 and summary(target) == b, "merging again changed the target")
except Exception as e:  # noqa: BLE001 -- reported as a failure, daemons still stopped
    check(False, f"{type(e).__name__}: {e}")
finally:
    stop_daemons()

if failures:
    print(f"{len(failures)} check(s) failed; files kept in {T}", file=sys.stderr)
    sys.exit(1)
shutil.rmtree(T, ignore_errors=True)
print("ok")
