#!/usr/bin/python3
"""test_export_reader.py -- `malmoi export` checked by an independent reader.

The reader shares no code with malmoi: the TFRecord framing and the masked
CRC32C are written here from the TensorFlow spec, tf.train.Example is parsed
with protobuf classes that protoc compiles at test time from the .proto text
below, and the token ids of every sentence come from Debian's spm_encode (the
SentencePiece reference). It checks every record's CRCs, feature names,
types and lengths, the [CLS] A [SEP] B [SEP] layout against segment_ids, the
masking quota (Python's round()), the 80/10/10 split, the NSP rate, that A
and B are real runs of the source documents (actual next: B follows A in
the same document), whole-word masking, the validation split by document,
manifest.json, the JSON Lines twin of the same instances, the sentence rows
and examples export writes, rejected/duplicate sentence handling, and that
two exports of the same database and seed are byte-identical.
"""
import hashlib
import json
import os
import random
import sqlite3
import struct
import subprocess
import sys
import tempfile

MALMOI = os.environ["MALMOI"]
DATA = os.environ["MALMOI_TEST_DATA"]
SOURCE = os.environ["MALMOI_SOURCE"]
CORPUS = os.path.join(DATA, "export", "kowiki-kss.txt")

failures = []
quiet = [False]  # while the reader is shown a damaged file on purpose


def check(cond, what):
    if not cond:
        failures.append(what)
        if not quiet[0]:
            print("FAIL:", what, flush=True)
    return cond


def find_model():
    for p in (os.environ.get("EXPORT_TEST_TOKENIZER"),
              os.path.join(SOURCE, "config", "models", "kobert", "spiece.model")):
        if p and os.path.exists(p):
            return p
    print("FAIL: KoBERT spiece.model not found in config/models/kobert/ (it ships with the repo)")
    sys.exit(1)


MODEL = find_model()

# ---- CRC-32C (Castagnoli, reflected 0x82F63B78) and TFRecord masking ------
CRC_TABLE = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    CRC_TABLE.append(c)


def crc32c(data):
    c = 0xFFFFFFFF
    t = CRC_TABLE
    for b in data:
        c = t[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def masked_crc(data):
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283  # the CRC-32C check value

# ---- tf.train.Example, compiled from its .proto text ----------------------
FEATURE_PROTO = """
syntax = "proto3";
package tensorflow;
message BytesList { repeated bytes value = 1; }
message FloatList { repeated float value = 1 [packed = true]; }
message Int64List { repeated int64 value = 1 [packed = true]; }
message Feature {
  oneof kind { BytesList bytes_list = 1; FloatList float_list = 2; Int64List int64_list = 3; }
}
message Features { map<string, Feature> feature = 1; }
"""
EXAMPLE_PROTO = """
syntax = "proto3";
package tensorflow;
import "feature.proto";
message Example { Features features = 1; }
"""


def compile_protos(tmp):
    d = os.path.join(tmp, "proto")
    os.mkdir(d)
    with open(os.path.join(d, "feature.proto"), "w") as f:
        f.write(FEATURE_PROTO)
    with open(os.path.join(d, "example.proto"), "w") as f:
        f.write(EXAMPLE_PROTO)
    subprocess.run(["protoc", "-I" + d, "--python_out=" + d, "feature.proto", "example.proto"], check=True)
    sys.path.insert(0, d)
    import example_pb2  # noqa: E402
    return example_pb2


FEATURES = {  # name -> (kind, length: "L" = max_seq_length, "P" = max_predictions)
    "input_ids": ("int64_list", "L"),
    "input_mask": ("int64_list", "L"),
    "segment_ids": ("int64_list", "L"),
    "masked_lm_positions": ("int64_list", "P"),
    "masked_lm_ids": ("int64_list", "P"),
    "masked_lm_weights": ("float_list", "P"),
    "next_sentence_labels": ("int64_list", 1),
}


def read_tfrecord(path, pb, L, P):
    data = open(path, "rb").read()
    off, out = 0, []
    while off < len(data):
        if not check(len(data) - off >= 16, f"{path}@{off}: truncated record header"):
            break
        (n,) = struct.unpack_from("<Q", data, off)
        (lcrc,) = struct.unpack_from("<I", data, off + 8)
        check(lcrc == masked_crc(data[off:off + 8]), f"{path}@{off}: length CRC")
        if not check(off + 16 + n <= len(data), f"{path}@{off}: truncated record"):
            break
        payload = data[off + 12:off + 12 + n]
        (dcrc,) = struct.unpack_from("<I", data, off + 12 + n)
        check(dcrc == masked_crc(payload), f"{path}@{off}: data CRC")
        ex = pb.Example()
        ex.ParseFromString(payload)
        feats = ex.features.feature
        check(set(feats.keys()) == set(FEATURES), f"{path}@{off}: feature names {sorted(feats.keys())}")
        rec = {}
        for name, (kind, length) in FEATURES.items():
            if name not in feats:
                continue
            f = feats[name]
            want = L if length == "L" else P if length == "P" else length
            check(f.WhichOneof("kind") == kind, f"{path}@{off}: {name} is {f.WhichOneof('kind')}, not {kind}")
            vals = list(getattr(f, kind).value)
            check(len(vals) == want, f"{path}@{off}: {name} has {len(vals)} values, not {want}")
            rec[name] = vals
        out.append(rec)
        off += 16 + n
    return out


def run(*args, ok=True):
    p = subprocess.run([MALMOI, *args], capture_output=True, text=True)
    if ok and p.returncode != 0:
        print(p.stderr)
        check(False, f"malmoi {' '.join(args)} exited {p.returncode}")
    return p


def spm_ids(texts, tmp):
    path = os.path.join(tmp, "sentences.txt")
    with open(path, "w", encoding="utf-8") as f:
        for t in texts:
            assert "\n" not in t
            f.write(t + "\n")
    out = subprocess.run(["spm_encode", "--model=" + MODEL, "--output_format=id", "--input=" + path],
                         capture_output=True, text=True, check=True).stdout.split("\n")
    return [[int(x) for x in line.split()] for line in out[:len(texts)]]


def key(ids):
    return "," + ",".join(map(str, ids)) + ","


class Instance:
    pass


def decode(rec, L, P, sp, pad):
    """Check one record's layout; return the instance with the original ids."""
    ids, mask, seg = rec["input_ids"], rec["input_mask"], rec["segment_ids"]
    n = sum(mask)
    ok = check(mask == [1] * n + [0] * (L - n), "input_mask is not 1s then 0s")
    ok &= check(all(x == pad for x in ids[n:]) and all(x == 0 for x in seg[n:]), "padding is not pad id / 0")
    w = rec["masked_lm_weights"]
    k = int(sum(w))
    ok &= check(w == [1.0] * k + [0.0] * (P - k), "masked_lm_weights is not 1.0s then 0.0s")
    pos, lab = rec["masked_lm_positions"][:k], rec["masked_lm_ids"][:k]
    ok &= check(all(x == 0 for x in rec["masked_lm_positions"][k:] + rec["masked_lm_ids"][k:]),
                "masked_lm padding is not 0")
    ok &= check(all(a < b for a, b in zip(pos, pos[1:])), "masked positions not ascending")
    ok &= check(all(0 < p < n - 1 for p in pos), "masked position outside the tokens")
    orig = ids[:n]
    for p, l in zip(pos, lab):
        orig[p] = l
    ok &= check(orig[0] == sp["cls"] and orig[-1] == sp["sep"] and orig.count(sp["sep"]) == 2
                and orig.count(sp["cls"]) == 1, "not [CLS] A [SEP] B [SEP]")
    if not ok:
        return None
    s1 = orig.index(sp["sep"])
    check(seg[:n] == [0] * (s1 + 1) + [1] * (n - s1 - 1), "segment_ids do not match [CLS] A [SEP] / B [SEP]")
    check(s1 not in pos, "[SEP] masked")
    inst = Instance()
    inst.n, inst.k, inst.pos, inst.lab, inst.ids = n, k, pos, lab, ids[:n]
    inst.a, inst.b = orig[1:s1], orig[s1 + 1:n - 1]
    inst.sep = s1
    inst.nsp = rec["next_sentence_labels"][0]
    check(len(inst.a) >= 1 and len(inst.b) >= 1, "empty segment")
    check(inst.nsp in (0, 1), "next_sentence_labels not 0/1")
    return inst


def main():
    tmp = tempfile.mkdtemp(prefix="export-test-")
    pb = compile_protos(tmp)
    db = os.path.join(tmp, "corpus.db")
    # --no-process: the import stays unsplit, so export's fallback for
    # documents without sentence rows is exercised below.
    run("import", "--db", db, "--format", "bert-text", "--no-process", CORPUS)

    # The corpus read independently: documents = blocks of non-blank lines.
    paragraphs, cur = [], []
    for line in open(CORPUS, encoding="utf-8").read().split("\n"):
        if line.strip():
            cur.append(line)
        elif cur:
            paragraphs.append(cur)
            cur = []
    if cur:
        paragraphs.append(cur)

    # A crawled document as the pipeline leaves it: one rejected sentence,
    # one duplicate; and a rejected document. Neither rejected text may show up.
    con = sqlite3.connect(db)
    now = "2026-01-01T00:00:00Z"
    crawl = ["서울은 대한민국의 수도이며 가장 큰 도시이다.", "짧다.",
             "한강이 도시의 가운데를 흐르고 여러 다리가 남북을 잇는다.", paragraphs[0][0]]
    cur = con.execute("INSERT INTO documents (url, text, content_hash, source, stage, added, updated)"
                      " VALUES ('http://127.0.0.1/a', ?, 'h1', 'crawl', 'split', ?, ?)", ("\n".join(crawl), now, now))
    crawl_doc = cur.lastrowid
    first_sent = con.execute("SELECT min(id) FROM sentences").fetchone()[0]  # None: nothing split yet
    for i, t in enumerate(crawl):
        con.execute("INSERT INTO sentences (document_id, position, text, hash, reject_reason) VALUES (?,?,?,?,?)",
                    (crawl_doc, i, t, "x%d" % i, "too_short" if i == 1 else None))
    cur = con.execute("INSERT INTO documents (url, text, content_hash, source, stage, reject_reason, added, updated)"
                      " VALUES ('http://127.0.0.1/b', '광고 문구만 있는 페이지입니다.', 'h2', 'crawl', 'rejected',"
                      " 'boilerplate', ?, ?)", (now, now))
    con.execute("INSERT INTO sentences (document_id, position, text, hash) VALUES (?, 0, ?, 'y')",
                (cur.lastrowid, "광고 문구만 있는 페이지입니다."))
    con.commit()
    check(first_sent is None, "the import already made sentence rows; the fallback is not exercised")

    L, P = 64, 10
    common = ["--db", db, "--tokenizer", MODEL, "--seed", "7", "--max-seq-length", str(L), "--max-predictions",
              str(P), "--dupe-factor", "5", "--shard-size", "300", "--validation-fraction", "0.25"]
    out1 = os.path.join(tmp, "out1")
    p = run("export", "--out", out1, "--format", "tfrecord", *common)
    manifest = json.load(open(os.path.join(out1, "manifest.json")))

    # Sentence rows made for the BERT-text documents: one per line, in order.
    bert_docs = {}
    for doc_id, text in con.execute("SELECT id, text FROM documents WHERE source = 'import:bert-text'"):
        rows = [t for (t,) in con.execute("SELECT text FROM sentences WHERE document_id = ? ORDER BY position",
                                          (doc_id,))]
        poss = [p for (p,) in con.execute("SELECT position FROM sentences WHERE document_id = ? ORDER BY position",
                                          (doc_id,))]
        bert_docs[doc_id] = rows
        check(poss == list(range(len(rows))), f"document {doc_id}: positions not 0..n-1")
    check(sorted(map(tuple, bert_docs.values())) == sorted(map(tuple, paragraphs)),
          "BERT-text sentences are not exactly the lines of the imported file")

    # The reference token streams of every document export may use.
    docs = dict(bert_docs)
    docs[crawl_doc] = [crawl[0], crawl[2], crawl[3]]
    texts = sorted({t for ss in docs.values() for t in ss})
    ref = dict(zip(texts, spm_ids(texts, tmp)))
    sp = {"cls": 2, "sep": 3, "mask": 4, "pad": 1}
    tok = manifest["tokenizer"]
    check(hashlib.sha256(open(MODEL, "rb").read()).hexdigest() == tok["sha256"], "manifest tokenizer sha256")
    check((tok["cls_id"], tok["sep_id"], tok["mask_id"], tok["pad_id"], tok["vocab_size"]) == (2, 3, 4, 1, 8002),
          "manifest special ids / vocab size")

    # Examples written by export: [CLS] + spm_encode ids + [SEP].
    bad = 0
    for t, ids in con.execute("SELECT s.text, e.input_ids FROM examples e JOIN sentences s ON s.id = e.sentence_id"
                              " WHERE e.tokenizer = ?", (tok["key"],)):
        if t in ref and json.loads(ids) != [2] + ref[t] + [3]:
            bad += 1
    check(bad == 0, f"{bad} examples rows differ from spm_encode")
    n_ex = con.execute("SELECT count(*) FROM examples WHERE tokenizer = ?", (tok["key"],)).fetchone()[0]
    check(n_ex == sum(len(v) for v in bert_docs.values()) + 3,
          f"{n_ex} examples: not one per used sentence (rejected ones must not be encoded)")

    streams = {d: key([i for t in ss for i in ref[t]]) for d, ss in docs.items()}

    def where(seq):
        s = key(seq)
        return [d for d, st in streams.items() if s in st]

    # Every record, every shard.
    split_of_doc, insts_by_split = {}, {}
    for split in ("train", "validation"):
        sm = manifest["splits"][split]
        insts = []
        for shard in sm["shards"]:
            path = os.path.join(out1, shard["file"])
            blob = open(path, "rb").read()
            check(hashlib.sha256(blob).hexdigest() == shard["sha256"] and len(blob) == shard["bytes"],
                  f"{shard['file']}: sha256/bytes differ from the manifest")
            recs = read_tfrecord(path, pb, L, P)
            check(len(recs) == shard["instances"], f"{shard['file']}: {len(recs)} records, manifest says "
                                                    f"{shard['instances']}")
            insts += [decode(r, L, P, sp, 1) for r in recs]
        sizes = [s["instances"] for s in sm["shards"]]
        check(all(x == 300 for x in sizes[:-1]) and (not sizes or 0 < sizes[-1] <= 300), f"{split}: shard sizes {sizes}")
        check(len(insts) == sm["instances"], f"{split}: {len(insts)} instances, manifest says {sm['instances']}")
        insts_by_split[split] = [i for i in insts if i is not None]
        for inst in insts_by_split[split]:
            da, db_ = where(inst.a), where(inst.b)
            check(da and db_, "a segment is not a run of any source document")
            if inst.nsp == 0:
                ok = False
                for d in set(da) & set(db_):
                    st, sa = streams[d], key(inst.a)
                    ia = st.find(sa)
                    while ia >= 0 and not ok:
                        ok = st.find(key(inst.b), ia + len(sa) - 1) >= 0
                        ia = st.find(sa, ia + 1)
                check(ok, "actual-next instance whose B does not follow A in one document")
            for seq in (da, db_):
                if len(seq) == 1:
                    split_of_doc.setdefault(seq[0], set()).add(split)
    # The reader itself must notice damage: flip one byte of a copy.
    blob = bytearray(open(os.path.join(out1, "train-00000.tfrecord"), "rb").read())
    blob[len(blob) // 2] ^= 0x40
    bad_path = os.path.join(tmp, "damaged.tfrecord")
    open(bad_path, "wb").write(bytes(blob))
    before = len(failures)
    quiet[0] = True
    try:
        read_tfrecord(bad_path, pb, L, P)
    except Exception:  # a parse error is a detection too
        failures.append("parse error")
    quiet[0] = False
    noticed = len(failures) > before
    del failures[before:]
    check(noticed, "the reader did not notice a flipped byte")
    files = sorted(os.listdir(out1))
    want_files = sorted(["manifest.json"] + [s["file"] for sp_ in manifest["splits"].values() for s in sp_["shards"]])
    check(files == want_files, f"output folder holds {files}")
    check(all(len(v) == 1 for v in split_of_doc.values()), "a document is in both train and validation")
    check(len(split_of_doc) == len(docs), f"only {len(split_of_doc)} of {len(docs)} documents appear in the shards")
    nv = sum(1 for v in split_of_doc.values() if "validation" in v)
    check(0 < nv < len(docs), f"{nv} validation documents")
    check(manifest["splits"]["train"]["documents"] + manifest["splits"]["validation"]["documents"] == len(docs),
          "manifest document count")
    check(manifest["splits"]["train"]["sentences"] + manifest["splits"]["validation"]["sentences"]
          == sum(len(v) for v in docs.values()), "manifest sentence count")
    par = manifest["parameters"]
    check((par["max_seq_length"], par["max_predictions_per_seq"], par["dupe_factor"], par["masked_lm_prob"],
           manifest["seed"]) == (L, P, 5, 0.15, 7), "manifest parameters")
    check(manifest["source_database"] == db, "manifest source database")

    # Rates over all instances.
    allinst = insts_by_split["train"] + insts_by_split["validation"]
    quota_ok = all(i.k == min(P, max(1, round(i.n * 0.15))) for i in allinst)
    check(quota_ok, "masked count differs from min(max_predictions, max(1, round(n * 0.15)))")
    m = [(i.ids[p], l) for i in allinst for p, l in zip(i.pos, i.lab)]
    fm = sum(1 for x, _ in m if x == sp["mask"]) / len(m)
    fk = sum(1 for x, l in m if x == l) / len(m)
    fr = 1 - fm - fk
    nsp = sum(i.nsp for i in allinst) / len(allinst)
    print(f"{len(allinst)} instances, {len(m)} masked: [MASK] {fm:.3f}, kept {fk:.3f}, random {fr:.3f}; "
          f"NSP random {nsp:.3f}")
    check(abs(fm - 0.8) < 0.03 and abs(fk - 0.1) < 0.025 and abs(fr - 0.1) < 0.025, "80/10/10 split off")
    check(0.42 < nsp < 0.70, f"NSP random rate {nsp:.3f}")
    check(any(i.n < L for i in allinst) and any(i.n == L for i in allinst), "no short or no full-length instances")

    # Against the reference algorithm: google's create_pretraining_data
    # (transcribed to ids, Python's random) on the same documents gives the
    # same statistics as malmoi (one chunk, no validation split, so both see
    # the whole corpus as the reference script does).
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import bert_create_pretraining_data as bert  # noqa: E402
    out7 = os.path.join(tmp, "out7")
    run("export", "--out", out7, *common, "--validation-fraction", "0", "--dupe-factor", "10")
    m7 = json.load(open(os.path.join(out7, "manifest.json")))
    mine = []
    for shard in m7["splits"]["train"]["shards"]:
        mine += [decode(r, L, P, sp, 1) for r in read_tfrecord(os.path.join(out7, shard["file"]), pb, L, P)]
    ref_docs = [[ref[t] for t in docs[d]] for d in sorted(docs)]
    bp = bert.Params(cls=2, sep=3, mask=4, vocab_size=8002, max_seq_length=L, max_predictions=P, dupe_factor=10)
    theirs = []
    for seed in (1, 2, 3):
        theirs += bert.create_training_instances(ref_docs, bp, random.Random(seed))

    def stats(n, lens, rnd, masked, short):
        return {"instances": n, "mean_len": sum(lens) / len(lens), "random_next": rnd / len(lens),
                "masked_per_token": masked / sum(lens), "short": short / len(lens)}

    a = stats(len(mine), [i.n for i in mine], sum(i.nsp for i in mine), sum(i.k for i in mine),
              sum(1 for i in mine if i.n < L))
    b = stats(len(theirs) / 3, [len(i.tokens) for i in theirs], sum(i.is_random_next for i in theirs),
              sum(len(i.positions) for i in theirs), sum(1 for i in theirs if len(i.tokens) < L))
    print("malmoi:   ", {k: round(v, 4) for k, v in a.items()})
    print("reference:", {k: round(v, 4) for k, v in b.items()})
    check(abs(a["instances"] / b["instances"] - 1) < 0.05, "instance count differs from the reference")
    check(abs(a["mean_len"] / b["mean_len"] - 1) < 0.03, "mean instance length differs from the reference")
    check(abs(a["random_next"] - b["random_next"]) < 0.04, "NSP random rate differs from the reference")
    check(abs(a["masked_per_token"] - b["masked_per_token"]) < 0.005, "masking rate differs from the reference")
    check(abs(a["short"] - b["short"]) < 0.05, "share of short instances differs from the reference")

    # Small chunks (bounded memory): many chunks per split, same layout, A
    # and B still runs of the source documents.
    out8 = os.path.join(tmp, "out8")
    run("export", "--out", out8, *common, "--chunk-tokens", "1500")
    m8 = json.load(open(os.path.join(out8, "manifest.json")))
    n8, ok8 = 0, True
    for split in ("train", "validation"):
        for shard in m8["splits"][split]["shards"]:
            for r in read_tfrecord(os.path.join(out8, shard["file"]), pb, L, P):
                i = decode(r, L, P, sp, 1)
                n8 += 1
                ok8 &= i is not None and bool(where(i.a)) and bool(where(i.b))
    check(ok8 and n8 == m8["splits"]["train"]["instances"] + m8["splits"]["validation"]["instances"] and n8 > 0,
          "export with small chunks")
    check(m8["splits"]["train"]["documents"] == manifest["splits"]["train"]["documents"],
          "chunking changed the split of documents")

    # Determinism: the same database and seed give byte-identical files;
    # another seed gives other shards.
    out2 = os.path.join(tmp, "out2")
    run("export", "--out", out2, "--format", "tfrecord", *common)
    for f in files:
        check(open(os.path.join(out1, f), "rb").read() == open(os.path.join(out2, f), "rb").read(),
              f"{f} differs between two identical exports")
    # Exporting again into the same folder replaces the earlier files.
    run("export", "--out", out2, "--format", "tfrecord", *common, "--seed", "8")
    check(open(os.path.join(out1, "train-00000.tfrecord"), "rb").read()
          != open(os.path.join(out2, "train-00000.tfrecord"), "rb").read(), "another seed gave the same shard")

    # JSON Lines: the same instances with Hugging Face's names.
    out3 = os.path.join(tmp, "out3")
    run("export", "--out", out3, "--format", "jsonl", *common)
    mj = json.load(open(os.path.join(out3, "manifest.json")))
    for split in ("train", "validation"):
        recs = []
        for shard in manifest["splits"][split]["shards"]:
            recs += read_tfrecord(os.path.join(out1, shard["file"]), pb, L, P)
        lines = []
        for shard in mj["splits"][split]["shards"]:
            check(shard["file"].endswith(".jsonl"), "jsonl shard name")
            lines += open(os.path.join(out3, shard["file"]), encoding="utf-8").read().splitlines()
        check(len(lines) == len(recs), f"{split}: jsonl has {len(lines)} lines, tfrecord {len(recs)} records")
        same = True
        for line, r in zip(lines, recs):
            o = json.loads(line)
            if list(o.keys()) != ["input_ids", "token_type_ids", "attention_mask", "labels", "next_sentence_label"]:
                check(False, f"jsonl keys {list(o.keys())}")
                break
            k = int(sum(r["masked_lm_weights"]))
            labels = [-100] * L
            for p_, l_ in zip(r["masked_lm_positions"][:k], r["masked_lm_ids"][:k]):
                labels[p_] = l_
            same &= (o["input_ids"] == r["input_ids"] and o["token_type_ids"] == r["segment_ids"]
                     and o["attention_mask"] == r["input_mask"] and o["labels"] == labels
                     and o["next_sentence_label"] == r["next_sentence_labels"][0])
        check(same, f"{split}: jsonl instances differ from the tfrecord ones")

    # --drop-duplicates leaves out the crawl document's copied sentence.
    out4 = os.path.join(tmp, "out4")
    con.execute("UPDATE sentences SET duplicate_of = (SELECT min(id) FROM sentences) WHERE document_id = ? AND"
                " position = 3", (crawl_doc,))
    con.commit()
    run("export", "--out", out4, *common, "--drop-duplicates", "--dupe-factor", "1")
    m4 = json.load(open(os.path.join(out4, "manifest.json")))
    n4 = m4["splits"]["train"]["sentences"] + m4["splits"]["validation"]["sentences"]
    check(n4 == sum(len(v) for v in docs.values()) - 1, f"--drop-duplicates used {n4} sentences")

    # Whole-word masking: masked positions cover whole words.
    vocab = subprocess.run(["spm_export_vocab", "--model=" + MODEL], capture_output=True, text=True,
                           check=True).stdout.split("\n")
    pieces = [line.split("\t")[0] for line in vocab if line]
    cont = [i == 0 or (i > 4 and not pc.startswith("\u2581")) for i, pc in enumerate(pieces)]
    out5 = os.path.join(tmp, "out5")
    run("export", "--out", out5, *common, "--whole-word-mask")
    m5 = json.load(open(os.path.join(out5, "manifest.json")))
    whole, nmasked, nwordmasks = True, 0, 0
    for shard in m5["splits"]["train"]["shards"]:
        for r in read_tfrecord(os.path.join(out5, shard["file"]), pb, L, P):
            i = decode(r, L, P, sp, 1)
            if i is None:
                continue
            orig = [sp["cls"]] + i.a + [sp["sep"]] + i.b + [sp["sep"]]
            masked = set(i.pos)
            whole &= i.k <= min(P, max(1, round(i.n * 0.15)))
            for p_ in i.pos:
                same_seg_prev = p_ - 1 >= 1 and p_ - 1 != i.sep
                same_seg_next = p_ + 1 < i.n - 1 and p_ + 1 != i.sep
                if cont[orig[p_]] and same_seg_prev and p_ - 1 not in masked:
                    whole = False
                if same_seg_next and cont[orig[p_ + 1]] and p_ + 1 not in masked:
                    whole = False
                if same_seg_next and cont[orig[p_ + 1]]:
                    nwordmasks += 1
            nmasked += i.k
    check(whole, "whole-word masking masked part of a word")
    check(nwordmasks > 0 and nmasked > 0, "whole-word masking never masked a multi-piece word")

    # The tokenizer without --tokenizer: [pipeline] tokenizer of the config
    # named by $MALMOI_CONFIG, and the KoBERT model shipped with the repo.
    ini = os.path.join(tmp, "malmoi.ini")
    with open(ini, "w") as f:
        f.write("[pipeline]\ntokenizer = %s\n" % os.path.relpath(MODEL, tmp))
    env = dict(os.environ, MALMOI_CONFIG=ini)
    out6 = os.path.join(tmp, "out6")
    p = subprocess.run([MALMOI, "export", "--db", db, "--out", out6, "--dupe-factor", "1"], env=env, cwd=tmp,
                       capture_output=True, text=True)
    check(p.returncode == 0 and json.load(open(os.path.join(out6, "manifest.json")))["tokenizer"]["sha256"]
          == tok["sha256"], "export with the tokenizer from $MALMOI_CONFIG: " + p.stderr)
    env = dict(os.environ)
    env.pop("MALMOI_CONFIG", None)
    p = subprocess.run([MALMOI, "export", "--db", db, "--out", out6, "--dupe-factor", "1"], env=env, cwd=tmp,
                       capture_output=True, text=True)
    shipped = os.path.join(SOURCE, "config", "models", "kobert", "spiece.model")
    check(p.returncode == 0 and json.load(open(os.path.join(out6, "manifest.json")))["tokenizer"]["sha256"]
          == hashlib.sha256(open(shipped, "rb").read()).hexdigest(), "export with the default tokenizer: " + p.stderr)

    # Command-line errors.
    p = run("export", "--help")
    check(p.returncode == 0 and "--whole-word-mask" in p.stdout, "export --help")
    p = run("export", "--db", db, "--out", out1, "--bogus", ok=False)
    check(p.returncode == 2 and "bogus" in p.stderr, "a bad option is exit 2")
    p = run("export", "--db", db, "--out", out1, "--format", "parquet", ok=False)
    check(p.returncode == 2, "a bad format is exit 2")
    foreign = os.path.join(tmp, "foreign")
    os.mkdir(foreign)
    open(os.path.join(foreign, "notes.txt"), "w").write("mine\n")
    p = run("export", "--db", db, "--out", foreign, "--tokenizer", MODEL, ok=False)
    check(p.returncode == 1 and "notes.txt" in p.stderr and os.path.exists(os.path.join(foreign, "notes.txt")),
          "a folder with other files is refused and left alone")
    p = run("export", "--db", os.path.join(tmp, "missing.db"), "--out", out1, "--tokenizer", MODEL, ok=False)
    check(p.returncode == 1 and "missing.db" in p.stderr, "a missing database is exit 1 naming it")

    con.close()
    if failures:
        print(f"{len(failures)} checks failed")
        sys.exit(1)
    print("all checks passed")
    subprocess.run(["rm", "-rf", tmp])


main()
