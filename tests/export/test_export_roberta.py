#!/usr/bin/python3
"""test_export_roberta.py -- `malmoi export --format megatron` and
`--format jsonl --objective mlm` checked by an independent reader.

The Megatron reader is written here from the layout of Megatron-LM's
megatron/core/datasets/indexed_dataset.py (_IndexWriter / _IndexReader /
IndexedDatasetBuilder): "MMIDIDX\\0\\0", u64 version 1, u8 dtype code
(uint16 = 8, int32 = 4; uint16 when the vocabulary is below 65,500), u64
sequence count, u64 document-index count, int32 lengths, int64 byte
pointers, int64 document indices (0, then the sequence count at the end of
each document); PREFIX.bin the ids back to back. It checks the layout,
counts, pointers and file sizes, and that each document is the reference
tokenizer's ids of one corpus document, sentence by sentence, in corpus
order: KoBERT (spm_encode; uint16) and mBERT's WordPiece (npm `tokenizers`,
the Rust library; 119,547 ids, so int32) -- the second tokenizer is not the
configured one, so export encodes the corpus for it first.

The FULL-SENTENCES reader walks the JSON lines of the mlm export against
the same reference ids: each line is {"input_ids", "attention_mask"} of
max_seq_length, cls first, sep last, pad after; concatenated, the inputs
give every sentence of the split's documents in order, whole (only a
sentence longer than an input is cut, at an input's end), with one sep
exactly at each document boundary inside an input; an input ends only when
the next sentence would not fit. Train and validation hold the same
documents as the megatron split, and the manifests agree with the files.
"""
import hashlib
import json
import os
import sqlite3
import struct
import subprocess
import sys
import tempfile

MALMOI = os.environ["MALMOI"]
DATA = os.environ["MALMOI_TEST_DATA"]
SOURCE = os.environ["MALMOI_SOURCE"]
CORPUS = os.path.join(DATA, "export", "kowiki-kss.txt")
KOBERT = os.path.join(SOURCE, "config", "models", "kobert", "spiece.model")
MBERT = os.path.join(DATA, "tokenize", "mbert", "vocab.txt")
NODE = os.path.join(SOURCE, "tests", "tokenize", "node")

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, flush=True)
    return cond


def run(*args, ok=True):
    p = subprocess.run([MALMOI, *args], capture_output=True, text=True)
    if ok and p.returncode != 0:
        print(p.stderr)
        check(False, f"malmoi {' '.join(args)} exited {p.returncode}")
    return p


def write_lines(texts, tmp, name):
    path = os.path.join(tmp, name)
    with open(path, "w", encoding="utf-8") as f:
        for t in texts:
            assert "\n" not in t
            f.write(t + "\n")
    return path


def spm_ids(texts, tmp):
    out = subprocess.run(["spm_encode", "--model=" + KOBERT, "--output_format=id",
                          "--input=" + write_lines(texts, tmp, "spm.txt")],
                         capture_output=True, text=True, check=True).stdout.split("\n")
    return [[int(x) for x in line.split()] for line in out[:len(texts)]]


def hf_ids(texts, tmp):
    out = subprocess.run(["node", os.path.join(NODE, "hf_tokenize.js"), "--vocab", MBERT,
                          write_lines(texts, tmp, "hf.txt"), "--ids"],
                         capture_output=True, text=True, check=True).stdout.split("\n")
    return [[int(x) for x in line.split()] for line in out[:len(texts)]]


# ---- Megatron indexed dataset, from indexed_dataset.py's layout ----------
DTYPES = {8: ("H", 2), 4: ("i", 4)}  # struct codes: uint16, int32


def read_megatron(prefix):
    idx = open(prefix + ".idx", "rb").read()
    binf = open(prefix + ".bin", "rb").read()
    ok = check(idx[:9] == b"MMIDIDX\x00\x00", f"{prefix}.idx: header {idx[:9]!r}")
    (version,) = struct.unpack_from("<Q", idx, 9)
    code = idx[17]
    nseq, ndoc = struct.unpack_from("<QQ", idx, 18)
    ok &= check(version == 1, f"{prefix}.idx: version {version}")
    ok &= check(code in DTYPES, f"{prefix}.idx: dtype code {code}")
    if not ok:
        return None
    fmt, size = DTYPES[code]
    off = 34
    check(len(idx) == off + 4 * nseq + 8 * nseq + 8 * ndoc,
          f"{prefix}.idx: {len(idx)} bytes, the counts ({nseq}, {ndoc}) say {off + 12 * nseq + 8 * ndoc}")
    lengths = struct.unpack_from("<%di" % nseq, idx, off)
    pointers = struct.unpack_from("<%dq" % nseq, idx, off + 4 * nseq)
    docs = struct.unpack_from("<%dq" % ndoc, idx, off + 12 * nseq)
    expect, bad = 0, 0
    for ln, ptr in zip(lengths, pointers):
        bad += ptr != expect or ln <= 0
        expect += ln * size
    check(bad == 0, f"{prefix}.idx: {bad} pointers are not the running sum of lengths x {size} bytes")
    check(len(binf) == expect, f"{prefix}.bin: {len(binf)} bytes, the index says {expect}")
    check(len(docs) >= 2 and docs[0] == 0 and docs[-1] == nseq and all(a < b for a, b in zip(docs, docs[1:])),
          f"{prefix}.idx: document indices {docs[:5]}... do not run from 0 to {nseq}")
    seqs = [list(struct.unpack_from("<%d%s" % (ln, fmt), binf, ptr)) for ln, ptr in zip(lengths, pointers)]
    return {"code": code, "seqs": seqs, "docs": [seqs[a:b] for a, b in zip(docs, docs[1:])],
            "bytes": {"bin": len(binf), "idx": len(idx)}}


def is_subsequence(part, whole):
    it = iter(whole)
    return all(any(x == y for y in it) for x in part)


def check_megatron(out, ref_docs, vocab, label, manifest):
    splits = {}
    for split in ("train", "validation"):
        m = manifest["splits"][split]
        files = sorted(s["file"] for s in m["shards"])
        if not check(files == sorted([split + ".bin", split + ".idx"]), f"{label} {split}: files {files}"):
            continue
        for s in m["shards"]:
            blob = open(os.path.join(out, s["file"]), "rb").read()
            check(hashlib.sha256(blob).hexdigest() == s["sha256"] and len(blob) == s["bytes"],
                  f"{label} {s['file']}: sha256/bytes differ from the manifest")
        ds = read_megatron(os.path.join(out, split))
        if ds is None:
            continue
        check(ds["code"] == (8 if vocab < 65500 else 4), f"{label} {split}: dtype code {ds['code']} for vocab {vocab}")
        docs = [tuple(tuple(s) for s in d) for d in ds["docs"]]
        splits[split] = docs
        check(m["sequences"] == len(ds["seqs"]) and m["documents"] == len(docs)
              and m["sentences"] == len(ds["seqs"]) and m["tokens"] == sum(map(len, ds["seqs"])),
              f"{label} {split}: manifest counts")
        check(m["data_prefix"] == split, f"{label} {split}: data_prefix")
        check(is_subsequence(docs, ref_docs), f"{label} {split}: documents are not corpus documents in corpus order")
    both = splits.get("train", []) + splits.get("validation", [])
    check(sorted(both) == sorted(ref_docs), f"{label}: train + validation are not exactly the corpus documents "
                                            f"({len(both)} vs {len(ref_docs)})")
    check(0 < len(splits.get("validation", [])) < len(ref_docs), f"{label}: validation split size")
    check(manifest["format"] == "megatron" and manifest["dtype"] == ("uint16" if vocab < 65500 else "int32"),
          f"{label}: manifest format/dtype")
    return splits


def check_mlm(out, split_docs, L, sp, label, manifest):
    """Walk the inputs of each split against its documents' sentences."""
    for split, docs in split_docs.items():
        m = manifest["splits"][split]
        lines = []
        for s in m["shards"]:
            blob = open(os.path.join(out, s["file"]), "rb").read()
            check(hashlib.sha256(blob).hexdigest() == s["sha256"] and len(blob) == s["bytes"],
                  f"{label} {s['file']}: sha256/bytes differ from the manifest")
            lines += blob.decode("utf-8").splitlines()
        check(len(lines) == m["instances"], f"{label} {split}: {len(lines)} lines, manifest says {m['instances']}")
        sents = [(di, si == 0, list(s)) for di, d in enumerate(docs) for si, s in enumerate(d)]
        k, o = 0, 0  # next sentence, offset in it
        prev_doc = None
        after_sep = False
        bad = []
        ntok = 0
        for li, line in enumerate(lines):
            rec = json.loads(line)
            if list(rec) != ["input_ids", "attention_mask"]:
                bad.append(f"line {li}: keys {list(rec)}")
                break
            ids, mask = rec["input_ids"], rec["attention_mask"]
            n = sum(mask)
            ntok += n
            if not (len(ids) == L and mask == [1] * n + [0] * (L - n) and all(x == sp["pad"] for x in ids[n:])):
                bad.append(f"line {li}: not {L} ids with a 1s-then-0s mask and pad ids after")
                break
            if not (n >= 3 and ids[0] == sp["cls"] and ids[n - 1] == sp["sep"] and sp["cls"] not in ids[1:n]):
                bad.append(f"line {li}: not cls ... sep")
                break
            body, j = ids[1:n - 1], 0
            while j < len(body) and not bad:
                if k >= len(sents):
                    bad.append(f"line {li}: more ids than the documents hold")
                    break
                di, first, s = sents[k]
                if body[j] == sp["sep"]:  # a document boundary inside the input
                    if not (o == 0 and first and j > 0 and prev_doc is not None and prev_doc != di and not after_sep):
                        bad.append(f"line {li}: separator at {j + 1} is not at a document boundary")
                    j += 1
                    after_sep = True
                    continue
                if first and o == 0 and j > 0 and prev_doc != di and not after_sep:
                    bad.append(f"line {li}: document {di} starts at {j + 1} without a separator")
                    break
                take = min(len(s) - o, len(body) - j)
                if body[j:j + take] != s[o:o + take]:
                    bad.append(f"line {li}: ids at {j + 1} are not sentence {k} of the split")
                    break
                j += take
                o += take
                prev_doc = di
                after_sep = False
                if o == len(s):
                    k, o = k + 1, 0
                elif j == len(body) and n != L:
                    bad.append(f"line {li}: a sentence is cut in an input that is not full")
            if bad:
                break
            # the input ends only when the next sentence would not fit
            if li + 1 < len(lines) and o == 0 and k < len(sents):
                di, first, s = sents[k]
                need = (n - 1) + (1 if first else 0) + len(s)
                if need <= L - 1:
                    bad.append(f"line {li}: input of {n} closed although the next sentence ({len(s)} ids) fits")
                    break
        check(not bad and k == len(sents), f"{label} {split}: {bad[:1] or ['%d of %d sentences' % (k, len(sents))]}")
        check(m["documents"] == len(docs) and m["sentences"] == len(sents) and m["input_tokens"] == ntok
              and m["tokens"] == sum(len(s) for _, _, s in sents), f"{label} {split}: manifest counts")
    check(manifest["format"] == "jsonl" and manifest["objective"] == "mlm"
          and manifest["parameters"]["max_seq_length"] == L, f"{label}: manifest format/objective/length")


def main():
    tmp = tempfile.mkdtemp(prefix="export-roberta-")
    db = os.path.join(tmp, "corpus.db")
    run("import", "--db", db, "--format", "bert-text", CORPUS)
    paragraphs, cur = [], []
    for line in open(CORPUS, encoding="utf-8").read().split("\n"):
        if line.strip():
            cur.append(line)
        elif cur:
            paragraphs.append(cur)
            cur = []
    if cur:
        paragraphs.append(cur)
    # A crawled document whose middle sentence the filters rejected: it
    # must not show up anywhere.
    con = sqlite3.connect(db)
    now = "2026-01-01T00:00:00Z"
    crawl = ["서울은 대한민국의 수도이며 가장 큰 도시이다.", "짧다.", "한강이 도시의 가운데를 흐르고 여러 다리가 남북을 잇는다."]
    c = con.execute("INSERT INTO documents (url, text, content_hash, source, stage, added, updated)"
                    " VALUES ('http://127.0.0.1/a', ?, 'h1', 'crawl', 'split', ?, ?)", ("\n".join(crawl), now, now))
    for i, t in enumerate(crawl):
        con.execute("INSERT INTO sentences (document_id, position, text, hash, reject_reason) VALUES (?,?,?,?,?)",
                    (c.lastrowid, i, t, "x%d" % i, "too_short" if i == 1 else None))
    con.commit()
    con.close()
    docs_text = paragraphs + [[crawl[0], crawl[2]]]
    texts = sorted({t for d in docs_text for t in d})

    L = 64
    for label, tok, ref_fn, vocab, sp in (
            ("KoBERT", KOBERT, spm_ids, 8002, {"cls": 2, "sep": 3, "pad": 1}),
            ("mBERT", MBERT, hf_ids, 119547, {"cls": 101, "sep": 102, "pad": 0})):
        ref = dict(zip(texts, ref_fn(texts, tmp)))
        ref_docs = [tuple(tuple(ref[t]) for t in d if ref[t]) for d in docs_text]
        common = ["--db", db, "--tokenizer", tok, "--seed", "7", "--validation-fraction", "0.25"]
        mg = os.path.join(tmp, "mg-" + label)
        run("export", "--out", mg, "--format", "megatron", *common)
        manifest = json.load(open(os.path.join(mg, "manifest.json")))
        check(manifest["tokenizer"]["vocab_size"] == vocab, f"{label}: vocab size {manifest['tokenizer']['vocab_size']}")
        splits = check_megatron(mg, ref_docs, vocab, label + " megatron", manifest)
        print(f"{label} megatron: {sum(len(d) for d in splits.get('train', []))} train sequences in "
              f"{len(splits.get('train', []))} documents, {len(splits.get('validation', []))} validation documents")

        # the same split by document as the BERT shards of the same seed
        tf = os.path.join(tmp, "tf-" + label)
        run("export", "--out", tf, "--format", "tfrecord", "--dupe-factor", "1", *common)
        mt = json.load(open(os.path.join(tf, "manifest.json")))
        check(all(mt["splits"][s]["documents"] == manifest["splits"][s]["documents"]
                  and mt["splits"][s]["sentences"] == manifest["splits"][s]["sentences"]
                  for s in ("train", "validation")), f"{label}: megatron and tfrecord split the documents differently")

        for msl in (L, 24):  # 24: many sentences longer than an input
            ml = os.path.join(tmp, "mlm-%s-%d" % (label, msl))
            run("export", "--out", ml, "--format", "jsonl", "--objective", "mlm", "--max-seq-length", str(msl),
                "--shard-size", "50", *common)
            mm = json.load(open(os.path.join(ml, "manifest.json")))
            check_mlm(ml, splits, msl, sp, "%s mlm %d" % (label, msl), mm)
            sizes = [s["instances"] for s in mm["splits"]["train"]["shards"]]
            check(all(x == 50 for x in sizes[:-1]) and 0 < sizes[-1] <= 50, f"{label} mlm: shard sizes {sizes}")
            print(f"{label} mlm {msl}: {mm['splits']['train']['instances']} train inputs, "
                  f"{mm['splits']['validation']['instances']} validation inputs")

    # --objective mlm defaults to 512 tokens per input.
    ml = os.path.join(tmp, "mlm-default")
    run("export", "--db", db, "--out", ml, "--tokenizer", KOBERT, "--format", "jsonl", "--objective", "mlm")
    first = json.loads(open(os.path.join(ml, "train-00000.jsonl"), encoding="utf-8").readline())
    check(len(first["input_ids"]) == 512, "--objective mlm: inputs of 512 by default")
    # A megatron export replaces an earlier one in the same folder, and
    # leaves a folder with other files alone.
    mg = os.path.join(tmp, "mg-KoBERT")
    run("export", "--db", db, "--out", mg, "--tokenizer", KOBERT, "--format", "megatron")
    m = json.load(open(os.path.join(mg, "manifest.json")))
    check(sorted(os.listdir(mg)) == ["manifest.json", "train.bin", "train.idx"],
          f"a megatron export without validation left {sorted(os.listdir(mg))}")
    check(m["splits"]["validation"]["shards"] == [] and "data_prefix" not in m["splits"]["validation"],
          "an empty validation split has no files")
    foreign = os.path.join(tmp, "foreign")
    os.mkdir(foreign)
    open(os.path.join(foreign, "notes.txt"), "w").write("mine\n")
    p = run("export", "--db", db, "--out", foreign, "--tokenizer", KOBERT, "--format", "megatron", ok=False)
    check(p.returncode == 1 and "notes.txt" in p.stderr and os.listdir(foreign) == ["notes.txt"],
          "megatron into a folder with other files is refused")

    # Usage errors.
    p = run("export", "--db", db, "--out", ml, "--objective", "mlm", ok=False)
    check(p.returncode == 2 and "--format jsonl" in p.stderr, "--objective mlm without jsonl is a usage error")
    p = run("export", "--db", db, "--out", ml, "--format", "megatron", "--objective", "mlm", ok=False)
    check(p.returncode == 2, "--format megatron with --objective is a usage error")
    p = run("export", "--db", db, "--out", ml, "--format", "jsonl", "--objective", "electra", ok=False)
    check(p.returncode == 2 and "electra" in p.stderr, "an unknown objective is a usage error")
    p = run("export", "--help")
    check(p.returncode == 0 and "megatron" in p.stdout and "--objective" in p.stdout, "export --help")

    if failures:
        print(f"{len(failures)} checks failed")
        sys.exit(1)
    print("all checks passed")
    subprocess.run(["rm", "-rf", tmp])


main()
