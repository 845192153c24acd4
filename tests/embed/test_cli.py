#!/usr/bin/python3
"""test_cli.py -- `malmoi embed` end to end against transformers' outputs
(tests/data/embed/tiny_expected.golden via expected values re-read here):
 * --input sentences.txt --output .npy: malmoi's own tokenizer + forward
   pass must give BertModel's pooled / cls / mean within 1e-4 for the 64
   sentences transformers embedded;
 * --db: examples in a malmoi database get `embeddings` rows (vectors equal
   to the same reference), a second run adds none, the SQLite extension
   ranks a sentence as its own nearest neighbour and shows pieces;
 * usage errors exit 2, a bad model folder exits 1 naming it;
 * the BLAS is not linked into the binary, and a MALMOI_BLAS that cannot be
   loaded or has no CBLAS interface fails naming it.
Usage: test_cli.py PATH/TO/malmoi_sqlite.so
"""
import json
import os
import sqlite3
import struct
import subprocess
import sys
import tempfile

import numpy as np

EXT = sys.argv[1]
MALMOI = os.environ["MALMOI"]
DATA = os.path.join(os.environ["MALMOI_TEST_DATA"], "embed")
MODEL = os.path.join(DATA, "bert-tiny-random", "safetensors")
SENT = os.path.join(DATA, "bert-tiny-random", "sentences.txt")
failures = []


def check(cond, what):
    print("%-4s %s" % ("ok" if cond else "FAIL", what))
    if not cond:
        failures.append(what)


def golden():
    """Read tiny_expected.golden (format in tests/data/embed/make_golden.py)."""
    raw = open(os.path.join(DATA, "tiny_expected.golden"), "rb").read()
    assert raw[:8] == b"MMEMBGLD"
    version, count = struct.unpack_from("<II", raw, 8)
    assert version == 1
    off, out = 16, {}
    for _ in range(count):
        name = raw[off:off + 32].rstrip(b"\0").decode()
        dt, nd, *shape = struct.unpack_from("<II4I", raw, off + 32)
        off += 56
        shape = shape[:nd]
        n = int(np.prod(shape))
        out[name] = np.frombuffer(raw, dtype="<f4" if dt == 0 else "<i4", count=n, offset=off).reshape(shape)
        off += 4 * n
    return out


def malmoi(*args):
    return subprocess.run([MALMOI, "embed", *args], capture_output=True, text=True)


def main():
    g = golden()
    with tempfile.TemporaryDirectory(prefix="emb_cli_") as tmp:
        r = malmoi("--help")
        check(r.returncode == 0 and "--pooling" in r.stdout, "--help exits 0 and documents --pooling")
        r = malmoi("--model", MODEL, "--input", SENT)
        check(r.returncode == 2 and "--output" in r.stderr, "--input without --output is a usage error")
        r = malmoi("--model", MODEL, "--input", SENT, "--output", "x.npy", "--pooling", "sum")
        check(r.returncode == 2, "--pooling sum is a usage error")
        r = malmoi("--model", os.path.join(tmp, "nomodel"), "--input", SENT, "--output", os.path.join(tmp, "x.npy"))
        check(r.returncode == 1 and "nomodel" in r.stderr, "a missing model folder fails naming it")

        # The BLAS is opened with the model, not linked: other commands do not
        # start OpenBLAS's thread pool; MALMOI_BLAS names another library.
        dyn = subprocess.run(["readelf", "-d", MALMOI], capture_output=True, text=True).stdout
        check("NEEDED" in dyn and "blas" not in dyn.lower(), "the malmoi binary does not link a BLAS library")
        bad = os.path.join(tmp, "libnoblas.so")
        r = subprocess.run([MALMOI, "embed", "--model", MODEL, "--input", SENT, "--output", os.path.join(tmp, "b.npy")],
                           capture_output=True, text=True, env=dict(os.environ, MALMOI_BLAS=bad))
        check(r.returncode == 1 and bad in r.stderr and "MALMOI_BLAS" in r.stderr,
              "a MALMOI_BLAS that cannot be loaded fails naming it: " + r.stderr.strip()[-200:])
        r = subprocess.run([MALMOI, "embed", "--model", MODEL, "--input", SENT, "--output", os.path.join(tmp, "b.npy")],
                           capture_output=True, text=True, env=dict(os.environ, MALMOI_BLAS="libz.so.1"))
        check(r.returncode == 1 and "cblas_sgemm" in r.stderr, "a MALMOI_BLAS without CBLAS is refused: " + r.stderr.strip()[-200:])

        for pooling in ("pooled", "cls", "mean"):
            out = os.path.join(tmp, pooling + ".npy")
            r = malmoi("--model", MODEL, "--input", SENT, "--output", out, "--pooling", pooling, "--threads", "2",
                       "--batch", "7")
            if r.returncode != 0:
                check(False, "embed --input (%s): %s" % (pooling, r.stderr.strip()))
                continue
            a = np.load(out)
            d = float(np.abs(a - g[pooling]).max())
            check(a.shape == (64, 64) and d < 1e-4, "--input sentences.txt --pooling %s vs transformers: max |diff| %.3g" % (pooling, d))

        # --db: a database holding the 64 sentences as examples
        db = os.path.join(tmp, "corpus.db")
        r = subprocess.run([MALMOI, "init", "--db", db], capture_output=True, text=True)
        check(r.returncode == 0, "malmoi init --db: %s" % r.stderr.strip())
        con = sqlite3.connect(db)
        con.execute("INSERT INTO documents(id, text, content_hash, source, added, updated) VALUES (1, 'x', 'h', 'import:jsonl', 'now', 'now')")
        ids, mask = g["input_ids"], g["attention_mask"]
        for i in range(64):
            L = int(mask[i].sum())
            con.execute("INSERT INTO sentences(id, document_id, position, text, hash) VALUES (?, 1, ?, 's', ?)", (i + 1, i, "h%d" % i))
            con.execute("INSERT INTO examples(id, sentence_id, tokenizer, input_ids, token_type_ids, attention_mask, length)"
                        " VALUES (?, ?, 'other:00000000', ?, ?, ?, ?)",
                        (i + 1, i + 1, json.dumps(ids[i, :L].tolist()), json.dumps([0] * L), json.dumps([1] * L), L))
        con.commit()
        r = malmoi("--model", MODEL, "--db", db)
        n = con.execute("SELECT count(*) FROM embeddings").fetchone()[0]
        check(r.returncode == 0 and n == 0, "examples of another tokenizer are left alone (%d rows)" % n)
        # the tag the pipeline gives examples of KoBERT's spiece.model: tok_name:sha256[:8]
        import hashlib
        sha = hashlib.sha256(open(os.path.join(MODEL, "spiece.model"), "rb").read()).hexdigest()
        con.execute("UPDATE examples SET tokenizer = ?", ("kobert-spm:" + sha[:8],))
        con.commit()
        r = malmoi("--model", MODEL, "--db", db, "--batch", "10")
        rows = con.execute("SELECT example_id, model, pooling, dim, vector, length(model_sha256) FROM embeddings ORDER BY example_id").fetchall()
        check(r.returncode == 0 and len(rows) == 64, "--db embeds all 64 examples (%d): %s" % (len(rows), r.stderr.strip()[-200:]))
        if rows:
            v = np.array([np.frombuffer(x[4], dtype="<f4") for x in rows])
            d = float(np.abs(v - g["pooled"]).max())
            check(v.shape == (64, 64) and d < 1e-4 and rows[0][2] == "pooled" and rows[0][3] == 64 and rows[0][5] == 64,
                  "--db vectors vs transformers: max |diff| %.3g" % d)
        r = malmoi("--model", MODEL, "--db", db)
        n2 = con.execute("SELECT count(*) FROM embeddings").fetchone()[0]
        check(r.returncode == 0 and n2 == 64, "a second --db run adds nothing (%d rows)" % n2)
        r = malmoi("--model", MODEL, "--db", db, "--pooling", "mean")
        n3 = con.execute("SELECT count(*) FROM embeddings WHERE pooling = 'mean'").fetchone()[0]
        check(r.returncode == 0 and n3 == 64, "--pooling mean adds its own rows (%d)" % n3)

        # the SQLite extension
        try:
            con.enable_load_extension(True)
            con.load_extension(EXT)
            q = ("SELECT b.example_id, cosine_similarity(a.vector, b.vector) AS sim FROM embeddings a JOIN embeddings b"
                 " ON a.pooling = b.pooling AND a.model = b.model WHERE a.example_id = 5 AND a.pooling = 'pooled'"
                 " ORDER BY sim DESC LIMIT 3")
            top = con.execute(q).fetchall()
            va, vb = g["pooled"][4].astype(np.float64), g["pooled"][top[1][0] - 1].astype(np.float64)
            ref = float(va @ vb / np.sqrt((va @ va) * (vb @ vb)))
            check(top[0][0] == 5 and abs(top[0][1] - 1) < 1e-9 and abs(top[1][1] - ref) < 1e-6,
                  "extension: cosine_similarity ranks example 5 first (1.0), next %.6f == numpy %.6f" % (top[1][1], ref))
            pieces = con.execute("SELECT ids_pieces(input_ids, ?) FROM examples WHERE id = 1",
                                 (os.path.join(MODEL, "spiece.model"),)).fetchone()[0]
            spm = subprocess.run(["spm_encode", "--model=" + os.path.join(MODEL, "spiece.model")],
                                 input=open(SENT, encoding="utf-8").readline(), capture_output=True, text=True).stdout.split()
            check(pieces.split() == ["[CLS]"] + spm[: len(pieces.split()) - 2] + ["[SEP]"],
                  "extension: ids_pieces matches spm_encode pieces: %s ..." % pieces[:60])
            dim = con.execute("SELECT vector_dim(vector), vector_json(vector) FROM embeddings LIMIT 1").fetchone()
            check(dim[0] == 64 and len(json.loads(dim[1])) == 64, "extension: vector_dim and vector_json")
        except (sqlite3.OperationalError, AttributeError) as e:
            check(False, "extension: %s" % e)
        con.close()

    if failures:
        print("%d failures" % len(failures))
        sys.exit(1)
    print("all CLI checks passed")


if __name__ == "__main__":
    main()
