"""merge.py -- `malmoi merge`: shards imported the way the Slurm array does
it (task k of N takes every N-th WARC file), each processed (split, encode,
embed with a tiny BERT), merged in task order, equal one import of all the
files processed once: the same documents by content hash, the same URLs,
the same stages, reject reasons and near-duplicate targets, the same
sentences (text, reject reason, duplicate_of) and examples, and the same
embeddings (within float rounding). The files hold an exact duplicate, a
near duplicate and a changed page across shards. Then: merging again adds
nothing; a merge killed with SIGKILL at several moments and run again ends
equal to a clean merge; a shard of schema version 1 (made here from the
version-1 block of store/schema.sql) is upgraded and merged; a shard of a
newer schema is refused with a message while the others still merge.
"""
import gzip
import os
import shutil
import sqlite3
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "crawler"))
from harness import check, db_rows, finish, malmoi, tmpdir  # noqa: E402

DATA = os.environ.get("MALMOI_TEST_DATA", os.path.join(HERE, "..", "data"))
SOURCE = os.environ.get("MALMOI_SOURCE", os.path.join(HERE, "..", ".."))
PAGES = os.path.join(DATA, "crawler", "pages")
MODEL = os.path.join(DATA, "embed", "bert-tiny-random", "safetensors")


def read(p):
    with open(p, "rb") as f:
        return f.read()


def record(uri, body, date):
    block = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n" + body
    head = (f"WARC/1.1\r\nWARC-Type: response\r\nWARC-Date: {date}\r\nWARC-Target-URI: {uri}\r\n"
            f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(block)}\r\n\r\n")
    return gzip.compress(head.encode() + block + b"\r\n\r\n")


def write_warc(path, recs):
    with open(path, "wb") as f:
        for r in recs:
            f.write(r)


d = tmpdir()
page = {n: read(os.path.join(PAGES, f"{n}.html")) for n in ("kbs-01", "kbs-02", "kbs-03", "mbn-01", "mbn-02", "mbn-03")}
# a near duplicate: one sentence of the article longer (everywhere the page has it)
near = page["kbs-02"].replace("강남 납치·살해 사건 속보입니다.".encode(), "강남 납치·살해 사건 속보를 전해 드립니다.".encode())
# the same URL fetched again later, its article changed
changed = page["mbn-01"].replace("장사가 안될 때 쓰는 방법은 두 가지죠.".encode(), "장사가 안될 때 쓰는 방법은 세 가지죠.".encode())
K, M = "https://news.kbs.co.kr/news/view.do?ncd=", "https://www.mbn.co.kr/news/"
files = [
    # f0 (shard 0): kbs-01, kbs-02 (near-dup original), mbn-01 under the URL that changes later, mbn-03
    [record(K + "1", page["kbs-01"], "2024-03-01T00:00:00Z"), record(K + "2", page["kbs-02"], "2024-03-01T00:00:01Z"),
     record(M + "changing", page["mbn-01"], "2024-03-01T00:00:02Z"), record(M + "3", page["mbn-03"], "2024-03-01T00:00:03Z")],
    # f1 (shard 1): an exact copy of kbs-01 under another URL, kbs-03
    [record(K + "1-copy", page["kbs-01"], "2024-03-02T00:00:00Z"), record(K + "3", page["kbs-03"], "2024-03-02T00:00:01Z")],
    # f2 (shard 0): mbn-02 under its own URL
    [record(M + "2", page["mbn-02"], "2024-03-03T00:00:00Z")],
    # f3 (shard 1): the near duplicate of kbs-02, the changed page (now mbn-02's text with a line)
    [record(K + "2-near", near, "2024-03-04T00:00:00Z"),
     record(M + "changing", changed, "2024-03-04T00:00:01Z")],
]
paths = []
for i, recs in enumerate(files):
    p = os.path.join(d, f"CC-MAIN-{i:05d}.warc.gz")
    write_warc(p, recs)
    paths.append(p)
config = os.path.join(d, "embed.ini")
with open(config, "w", encoding="utf-8") as f:
    f.write(open(os.path.join(SOURCE, "config", "malmoi.ini"), encoding="utf-8").read())
    f.write(f"\n[pipeline]\ntokenizer = {os.path.abspath(os.path.join(SOURCE, 'config', 'models', 'kobert', 'spiece.model'))}\n"
            f"embed_model = {os.path.abspath(MODEL)}\nembed_pooling = mean\n")


def import_and_process(db, files):
    rc, out, err = malmoi("import", "--db", db, "--format", "warc", "--config", config, *files)
    check(rc == 0, f"import into {db}: exit {rc}: {err}")
    rc, out, err = malmoi("run", "--db", db, "--config", config, "--no-crawl")
    check(rc == 0, f"processing {db}: exit {rc}: {err}")


single = os.path.join(d, "single.db")
import_and_process(single, paths)
N = 2
shards = []
for k in range(N):
    s = os.path.join(d, f"shard-{k}.db")
    import_and_process(s, paths[k::N])
    shards.append(s)
target = os.path.join(d, "merged.db")
rc, out, err = malmoi("merge", "--db", target, *shards)
check(rc == 0, f"merge exit {rc}: {err}")


def snapshot(db):
    """Everything that must agree, keyed by content, not by row ids."""
    con = sqlite3.connect(db)
    url = dict(con.execute("SELECT id, coalesce(url, content_hash) FROM documents"))
    docs = sorted((r[0], r[1], r[2], r[3], url.get(r[4])) for r in con.execute(
        "SELECT content_hash, url, stage, reject_reason, duplicate_of FROM documents"))
    sent_key = {r[0]: (url[r[1]], r[2]) for r in con.execute("SELECT id, document_id, position FROM sentences")}
    sents = sorted((url[r[0]], r[1], r[2], r[3], r[4]) for r in con.execute(
        "SELECT document_id, position, text, hash, reject_reason FROM sentences"))
    # which copy of a repeated sentence counts as the first one depends on
    # the order documents were processed in (a changed page keeps its row in
    # one import): compare how many of each sentence are marked duplicates
    dups = sorted(r[0] for r in con.execute("SELECT hash FROM sentences WHERE duplicate_of IS NOT NULL"))
    ex = sorted((sent_key[r[0]], r[1], r[2], r[3]) for r in con.execute(
        "SELECT sentence_id, tokenizer, input_ids, truncated FROM examples"))
    ex_key = {r[0]: (sent_key[r[1]], r[2]) for r in con.execute("SELECT id, sentence_id, tokenizer FROM examples")}
    emb = sorted((ex_key[r[0]], r[1], r[2], r[3], struct.unpack(f"<{r[3]}f", r[4])) for r in con.execute(
        "SELECT example_id, model, pooling, dim, vector FROM embeddings"))
    bands = sorted((r[0], r[1], url[r[2]]) for r in con.execute("SELECT band, hash, document_id FROM minhash_bands"))
    fts = con.execute("SELECT count(*) FROM documents_fts WHERE documents_fts MATCH '\"기자\"'").fetchone()[0]
    con.close()
    return {"documents": docs, "sentences": sents, "duplicate_sentences": dups, "examples": ex, "embeddings": emb, "bands": bands, "fts": fts}


def same(a, b, what):
    for k in a:
        if k == "embeddings":
            ok = len(a[k]) == len(b[k]) and all(x[:4] == y[:4] and max(abs(p - q) for p, q in zip(x[4], y[4])) < 1e-4
                                                 for x, y in zip(a[k], b[k]))
        else:
            ok = a[k] == b[k]
        check(ok, f"{what}: {k} differ ({len(a[k]) if isinstance(a[k], list) else a[k]} vs "
                  f"{len(b[k]) if isinstance(b[k], list) else b[k]})"
              + (f"; first difference {next(((x, y) for x, y in zip(a[k], b[k]) if x != y), None)}"
                 if isinstance(a[k], list) else ""))


one = snapshot(single)
merged = snapshot(target)
same(one, merged, "merged shards vs one import")
check(len(one["documents"]) == 7, f"{len(one['documents'])} documents in the single import, want 7")
stages = {r[1]: (r[2], r[3], r[4]) for r in one["documents"]}
check(stages.get(K + "2-near") == ("rejected", "near_duplicate", K + "2"),
      f"the near duplicate across shards: {stages.get(K + '2-near')}")
check(K + "1-copy" not in stages and M + "changing" in stages, "the exact copy and the changed page")
check(any(r[1] == M + "changing" and "세 가지" in r[2] for r in db_rows(target, "SELECT id, url, text FROM documents")),
      "the changed page's later text replaced the earlier one")
check(len(merged["embeddings"]) > 100 and len(merged["embeddings"]) == len(merged["examples"]),
      f"embeddings {len(merged['embeddings'])}, examples {len(merged['examples'])}")

# merging again adds nothing
rc, out, err = malmoi("merge", "--db", target, *shards)
check(rc == 0 and "0 documents added" in err.splitlines()[-1], f"a second merge: exit {rc}: {err[-300:]}")
same(merged, snapshot(target), "after merging the same shards again")
runs = db_rows(target, "SELECT command, status FROM runs")
check(runs == [("merge", "ok"), ("merge", "ok")], f"runs {runs}")

# ---- killed at any moment, run again: the same database ---------------------
# a large shard: the processed shard's documents, copied many times with
# their text made distinct (by SQL here), so the merge takes a while
big = os.path.join(d, "big.db")
shutil.copy(shards[0], big)
con = sqlite3.connect(big)
con.execute("PRAGMA foreign_keys = ON")
base = con.execute("SELECT id FROM documents WHERE stage <> 'rejected'").fetchall()
cols = [r[1] for r in con.execute("PRAGMA table_info(documents)") if r[1] != "id"]
for copy in range(1, 150):
    for (doc,) in base:
        new = con.execute(
            f"INSERT INTO documents ({', '.join(cols)}) SELECT "
            + ", ".join({"url": "url || '#c' || ?1", "text": "text || ' ' || ?1",
                         "content_hash": "content_hash || '-' || ?1"}.get(c, c) for c in cols)
            + " FROM documents WHERE id = ?2", (copy, doc)).lastrowid
        con.execute("INSERT INTO sentences (document_id, position, paragraph, text, hash, reject_reason)"
                    " SELECT ?1, position, paragraph, text, hash, reject_reason FROM sentences WHERE document_id = ?2",
                    (new, doc))
con.commit()
con.close()
clean = os.path.join(d, "clean.db")
rc, out, err = malmoi("merge", "--db", clean, shards[1], big)
check(rc == 0, f"clean merge: {err}")
want = snapshot(clean)
env = dict(os.environ)
env.pop("MALMOI_CONFIG", None)
killed = 0
for delay in (0.05, 0.2, 0.5, 1.0):
    t = os.path.join(d, f"killed-{delay}.db")
    p = subprocess.Popen([os.environ.get("MALMOI", "malmoi"), "merge", "--db", t, shards[1], big],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    time.sleep(delay)
    p.kill()
    killed += p.wait() == -9
    rc, out, err = malmoi("merge", "--db", t, shards[1], big)
    check(rc == 0, f"merge after a kill at {delay} s: exit {rc}: {err}")
    same(want, snapshot(t), f"merge killed at {delay} s and run again")
check(killed >= 1, "no merge was killed before it finished; make the shard larger")

# ---- an older shard is upgraded, a newer one refused -----------------------
schema = open(os.path.join(SOURCE, "store", "schema.sql"), encoding="utf-8").read()
v1 = schema.split("-- version: 1\n", 1)[1].split("-- version: 2\n", 1)[0]
old = os.path.join(d, "v1.db")
con = sqlite3.connect(old)
con.executescript(v1)
con.execute("PRAGMA user_version = 1")
con.execute("INSERT INTO documents (url, text, content_hash, source, added, updated) VALUES"
            " ('https://old.example.kr/1', '옛 형식의 데이터베이스에서 온 문서입니다.', 'abc123', 'import:jsonl',"
            " '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z')")
con.commit()
con.close()
newer = os.path.join(d, "newer.db")
shutil.copy(shards[1], newer)
con = sqlite3.connect(newer)
con.execute("PRAGMA user_version = 999")
con.commit()
con.close()
t = os.path.join(d, "versions.db")
rc, out, err = malmoi("merge", "--db", t, newer, old, os.path.join(d, "missing.db"))
check(rc == 1, f"merge with a newer shard: exit {rc}")
check(f"{newer}: schema version 999 is newer than this malmoi" in err, f"newer shard message: {err}")
check(f"{os.path.join(d, 'missing.db')}: no such shard database" in err, f"missing shard message: {err}")
check(db_rows(t, "SELECT url FROM documents") == [("https://old.example.kr/1",)], "the old shard's document")
check(db_rows(old, "PRAGMA user_version")[0][0] == db_rows(t, "PRAGMA user_version")[0][0], "the old shard upgraded")
check(db_rows(t, "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH '데이터베이스*'")[0][0] == 1,
      "the merged document is searchable")
rc, out, err = malmoi("merge", "--db", t, t)
check(rc == 1 and "is the target database itself" in err, f"merging a database into itself: {rc} {err}")

finish()
