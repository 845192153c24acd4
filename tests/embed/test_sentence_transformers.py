#!/usr/bin/python3
"""test_sentence_transformers.py -- `malmoi embed` on sentence-transformers
folders, against what SentenceTransformer(DIR).encode() computes, written
here from sentence-transformers' modules: Transformer (text stripped,
tokenized with truncation to max_seq_length), Pooling (the mode of
1_Pooling/config.json over the real tokens) and Normalize.

 * KR-SBERT's real folder layout and configs (tests/data/embed/kr-sbert-...:
   modules.json, 0_Transformer/ with vocab.txt and sentence_bert_config.json,
   1_Pooling/ mean) with random tiny BertModel weights in 0_Transformer/;
   token ids from Hugging Face `tokenizers` (npm, the Rust library) on its
   vocab.txt; then the same folder with each other pooling mode;
 * a ko-sroberta-style folder: a RoBERTa encoder with its weights at the top
   (Transformer path ""), mean pooling and a Normalize module, KoBERT's
   spiece.model as tokenizer (ids from spm_encode), max_seq_length 20 so
   long lines are cut (without it, at the model's positions, as ST does);
   --no-normalize and --pooling override the defaults;
 * --db stores the default output under pooling "mean+normalize";
 * refusals: a Dense module, two pooling modes, do_lower_case true.
The forward pass is the float64 numpy one of bertref.py.
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bertref  # noqa: E402

MALMOI = os.environ["MALMOI"]
DATA = os.environ["MALMOI_TEST_DATA"]
SOURCE = os.environ["MALMOI_SOURCE"]
KRSBERT = os.path.join(DATA, "embed", "kr-sbert-v40k-klueNLI-augSTS")
KOBERT = os.path.join(SOURCE, "config", "models", "kobert", "spiece.model")
NODE = os.path.join(SOURCE, "tests", "tokenize", "node")
TOL = 1e-4
failures = []


def check(cond, what):
    print("%-4s %s" % ("ok" if cond else "FAIL", what))
    if not cond:
        failures.append(what)


def sentences():
    """Korean lines of the export corpus, some long, plus edge cases."""
    lines = [l for l in open(os.path.join(DATA, "export", "kowiki-kss.txt"), encoding="utf-8").read().split("\n")
             if l.strip()][:40]
    return lines + [" ".join(lines[:8]), "", "   앞뒤에 공백이 있는 문장입니다.\u3000 ", "\t짧다", "English words, 숫자 12,345 and 기호!"]


def st_strip(t):
    return t.strip()  # Transformer.tokenize: str(s).strip()


def hf_ids(vocab, texts, tmp):
    path = os.path.join(tmp, "hf_in.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(t + "\n" for t in texts))
    out = subprocess.run(["node", os.path.join(NODE, "hf_tokenize.js"), "--vocab", vocab, path, "--ids"],
                         capture_output=True, text=True, check=True).stdout.split("\n")
    return [[int(x) for x in line.split()] for line in out[:len(texts)]]


def spm_ids(model, texts, tmp):
    path = os.path.join(tmp, "spm_in.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(t + "\n" for t in texts))
    out = subprocess.run(["spm_encode", "--model=" + model, "--output_format=id", "--input=" + path],
                         capture_output=True, text=True, check=True).stdout.split("\n")
    return [[int(x) for x in line.split()] for line in out[:len(texts)]]


def batch(pieces, max_len, cls, sep, pad):
    """What the tokenizer call gives: [CLS] ids[:max_len-2] [SEP], padded."""
    seqs = [[cls] + p[:max_len - 2] + [sep] for p in pieces]
    T = max(len(s) for s in seqs)
    ids = np.full((len(seqs), T), pad, dtype=np.int64)
    mask = np.zeros((len(seqs), T), dtype=np.int64)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = s
        mask[i, :len(s)] = 1
    return ids, np.zeros_like(ids), mask


def embed(model, inp, out, *extra):
    r = subprocess.run([MALMOI, "embed", "--model", model, "--input", inp, "--output", out, "--threads", "2",
                        "--batch", "16", *extra], capture_output=True, text=True)
    return (np.load(out) if r.returncode == 0 else None), r


def compare(label, got, r, want):
    if got is None:
        check(False, "%s: malmoi embed failed: %s" % (label, r.stderr.strip()[-300:]))
        return
    d = float(np.abs(got.astype(np.float64) - want).max()) if got.shape == want.shape else float("inf")
    check(d < TOL, "%s: shape %s, max |diff| %.3g vs the numpy reference" % (label, got.shape, d))


def main():
    texts = sentences()
    stripped = [st_strip(t) for t in texts]
    with tempfile.TemporaryDirectory(prefix="emb_st_") as tmp:
        inp = os.path.join(tmp, "in.txt")
        with open(inp, "w", encoding="utf-8") as f:
            f.write("".join(t + "\n" for t in texts))
        out = os.path.join(tmp, "out.npy")

        # ---- KR-SBERT layout: 0_Transformer/ holds config, weights, vocab ----
        kr = os.path.join(tmp, "krsbert")
        shutil.copytree(KRSBERT, kr)
        tcfg_path = os.path.join(kr, "0_Transformer", "config.json")
        real = json.load(open(tcfg_path))
        cfg = bertref.make_config(V=real["vocab_size"], H=32, L=2, heads=4, inter=64, max_pos=real["max_position_embeddings"])
        cfg["pad_token_id"] = real["pad_token_id"]
        w = bertref.make_weights(cfg, seed=21)
        seen = bertref.write_model(os.path.join(kr, "0_Transformer"), cfg, w, "safetensors")
        pool_path = os.path.join(kr, "1_Pooling", "config.json")
        pool_cfg = json.load(open(pool_path))
        pool_cfg["word_embedding_dimension"] = 32
        json.dump(pool_cfg, open(pool_path, "w"))
        msl = json.load(open(os.path.join(kr, "0_Transformer", "sentence_bert_config.json")))["max_seq_length"]
        pieces = hf_ids(os.path.join(kr, "0_Transformer", "vocab.txt"), stripped, tmp)
        check(max(len(p) for p in pieces) + 2 > msl, "some line is longer than max_seq_length %d" % msl)
        ids, types, mask = batch(pieces, msl, 2, 3, 0)
        ref = bertref.all_poolings(cfg, seen, ids, types, mask)
        got, r = embed(kr, inp, out)
        compare("KR-SBERT layout, its mean pooling (default)", got, r, ref["mean"])
        modes = {"cls": "pooling_mode_cls_token", "max": "pooling_mode_max_tokens",
                 "mean-sqrt-len": "pooling_mode_mean_sqrt_len_tokens"}
        for name, key in modes.items():
            pc = dict(pool_cfg, pooling_mode_mean_tokens=False)
            pc[key] = True
            json.dump(pc, open(pool_path, "w"))
            got, r = embed(kr, inp, out)
            compare("KR-SBERT layout, 1_Pooling %s" % key, got, r, ref[name])
        json.dump(pool_cfg, open(pool_path, "w"))
        got, r = embed(kr, inp, out, "--max-length", "16")
        ids16, t16, m16 = batch(pieces, 16, 2, 3, 0)
        compare("KR-SBERT layout, --max-length 16 overrides max_seq_length",
                got, r, bertref.all_poolings(cfg, seen, ids16, t16, m16)["mean"])

        # ---- ko-sroberta style: RoBERTa weights at the top, Normalize ------
        ro = os.path.join(tmp, "sroberta")
        os.makedirs(os.path.join(ro, "1_Pooling"))
        os.makedirs(os.path.join(ro, "2_Normalize"))
        json.dump([{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                   {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
                   {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}],
                  open(os.path.join(ro, "modules.json"), "w"))
        json.dump({"max_seq_length": 20, "do_lower_case": False}, open(os.path.join(ro, "sentence_bert_config.json"), "w"))
        json.dump({"word_embedding_dimension": 32, "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True,
                   "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False},
                  open(os.path.join(ro, "1_Pooling", "config.json"), "w"))
        shutil.copy(KOBERT, os.path.join(ro, "spiece.model"))
        rcfg = bertref.make_roberta_config(V=8002, H=32, L=2, heads=4, inter=64, max_tokens=64)
        rw = bertref.make_weights(rcfg, seed=22, pooler=True)
        rseen = bertref.write_model(ro, rcfg, rw, "bin")
        # KoBERT: [CLS]=2 [SEP]=3 [PAD]=1 = RoBERTa's pad_token_id
        rids, rtypes, rmask = batch(spm_ids(KOBERT, stripped, tmp), 20, 2, 3, 1)
        rref = bertref.all_poolings(rcfg, rseen, rids, rtypes, rmask)
        got, r = embed(ro, inp, out)
        compare("RoBERTa at the top, mean + Normalize (default)", got, r, rref["mean+normalize"])
        if got is not None:
            check(np.allclose(np.linalg.norm(got, axis=1), 1, atol=1e-5), "the default output has unit norm")
        got, r = embed(ro, inp, out, "--no-normalize")
        compare("RoBERTa at the top, --no-normalize", got, r, rref["mean"])
        got, r = embed(ro, inp, out, "--pooling", "pooled")
        compare("RoBERTa at the top, --pooling pooled (its pooler) + Normalize", got, r, rref["pooled+normalize"])

        # Without max_seq_length ST cuts at the model's positions (64 here).
        sbc = os.path.join(ro, "sentence_bert_config.json")
        json.dump({"do_lower_case": False}, open(sbc, "w"))
        ids64, t64, m64 = batch(spm_ids(KOBERT, stripped, tmp), 64, 2, 3, 1)
        check(int(m64.sum(1).max()) == 64, "a line reaches the model's 64 positions")
        got, r = embed(ro, inp, out)
        compare("RoBERTa at the top without max_seq_length: cut at the positions", got, r,
                bertref.all_poolings(rcfg, rseen, ids64, t64, m64)["mean+normalize"])
        json.dump({"max_seq_length": 20, "do_lower_case": False}, open(sbc, "w"))

        # ---- --db: the default output stored as mean+normalize ------------
        db = os.path.join(tmp, "corpus.db")
        subprocess.run([MALMOI, "init", "--db", db], capture_output=True, check=True)
        con = sqlite3.connect(db)
        con.execute("INSERT INTO documents(id, text, content_hash, source, added, updated)"
                    " VALUES (1, 'x', 'h', 'import:jsonl', 'now', 'now')")
        import hashlib
        sha = hashlib.sha256(open(KOBERT, "rb").read()).hexdigest()
        for i in range(len(texts)):
            L = int(rmask[i].sum())
            con.execute("INSERT INTO sentences(id, document_id, position, text, hash) VALUES (?, 1, ?, 's', ?)",
                        (i + 1, i, "h%d" % i))
            con.execute("INSERT INTO examples(id, sentence_id, tokenizer, input_ids, token_type_ids, attention_mask,"
                        " length) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (i + 1, i + 1, "kobert-spm:" + sha[:8], json.dumps(rids[i, :L].tolist()), json.dumps([0] * L),
                         json.dumps([1] * L), L))
        con.commit()
        r = subprocess.run([MALMOI, "embed", "--model", ro, "--db", db], capture_output=True, text=True)
        rows = con.execute("SELECT pooling, vector FROM embeddings ORDER BY example_id").fetchall()
        ok = r.returncode == 0 and len(rows) == len(texts) and all(p == "mean+normalize" for p, _ in rows)
        if ok:
            v = np.array([np.frombuffer(b, dtype="<f4") for _, b in rows])
            d = float(np.abs(v - rref["mean+normalize"]).max())
            ok = d < TOL
        check(ok, "--db stores the default output as pooling mean+normalize: %s" % r.stderr.strip()[-200:])
        con.close()

        # ---- refusals -----------------------------------------------------
        bad = os.path.join(tmp, "bad")

        def refused(label, words, mutate):
            shutil.rmtree(bad, ignore_errors=True)
            shutil.copytree(ro, bad)
            mutate(bad)
            r = subprocess.run([MALMOI, "embed", "--model", bad, "--input", inp, "--output", out],
                               capture_output=True, text=True)
            check(r.returncode == 1 and all(x in r.stderr for x in words), "%s is refused: %s" % (label, r.stderr.strip()))

        def dense(d):
            mods = json.load(open(os.path.join(d, "modules.json")))
            mods.insert(2, {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"})
            json.dump(mods, open(os.path.join(d, "modules.json"), "w"))

        def two_modes(d):
            p = os.path.join(d, "1_Pooling", "config.json")
            c = json.load(open(p))
            c["pooling_mode_max_tokens"] = True
            json.dump(c, open(p, "w"))

        def lower(d):
            json.dump({"max_seq_length": 20, "do_lower_case": True}, open(os.path.join(d, "sentence_bert_config.json"), "w"))
        refused("a Dense module", ["modules.json", "Dense"], dense)
        refused("two pooling modes", ["1_Pooling", "several"], two_modes)
        refused("do_lower_case true", ["sentence_bert_config.json", "do_lower_case"], lower)

    if failures:
        print("%d failures" % len(failures))
        sys.exit(1)
    print("all sentence-transformers checks passed")


if __name__ == "__main__":
    main()
