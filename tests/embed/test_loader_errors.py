#!/usr/bin/python3
"""test_loader_errors.py -- broken model folders must fail with an error
that names the file (and the tensor where there is one), never crash or
load: truncated safetensors and .bin, a missing tensor, a wrong shape, a
wrong dtype, config.json that disagrees with the weights, a compressed zip
entry, and pickles that try to call something other than a state dict
needs (os.system) or use an opcode it does not need.
Usage: test_loader_errors.py PATH/TO/emb_tool
"""
import io
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import zipfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bertref  # noqa: E402

TOOL = sys.argv[1]
failures = []


def expect_fail(label, folder, *needles, tmp):
    ids = np.array([[2, 10, 11, 3]], dtype=np.int64)
    p = os.path.join(tmp, "ids.npy")
    np.save(p, ids)
    r = subprocess.run([TOOL, folder, p, "-", "-", "cls", "1", "0", os.path.join(tmp, "o.npy")],
                       capture_output=True, text=True)
    msg = r.stderr.strip()
    ok = r.returncode == 1 and all(n in msg for n in needles)
    print("%-4s %-32s %s" % ("ok" if ok else "FAIL", label, msg))
    if not ok:
        failures.append("%s: rc=%d, want %s in: %s" % (label, r.returncode, needles, msg))


def main():
    cfg = bertref.make_config(V=50, H=16, L=1, heads=2, inter=32, max_pos=16)
    w = bertref.make_weights(cfg, seed=5)
    with tempfile.TemporaryDirectory(prefix="emb_err_") as tmp:
        def folder(name, tensors=None, fmt="safetensors", config=None):
            f = os.path.join(tmp, name)
            bertref.write_model(f, config or cfg, tensors if tensors is not None else w, fmt)
            return f

        good = folder("good")
        st = os.path.join(good, "model.safetensors")
        data = open(st, "rb").read()

        f = folder("trunc_st")
        open(os.path.join(f, "model.safetensors"), "wb").write(data[: len(data) - 100])
        expect_fail("truncated safetensors", f, "model.safetensors", "truncated", tmp=tmp)

        f = folder("trunc_st_header")
        open(os.path.join(f, "model.safetensors"), "wb").write(data[:50])
        expect_fail("safetensors cut in the header", f, "model.safetensors", tmp=tmp)

        # The tensors must tile the data as the safetensors loader requires:
        # no overlap (a weight aliased onto another), no gap, nothing after.
        def restitch(name, edit, extra=b"", lead=0):
            hlen = int.from_bytes(data[:8], "little")
            header = json.loads(data[8:8 + hlen])
            edit(header)
            h = json.dumps(header).encode()
            h += b" " * ((8 - len(h) % 8) % 8)
            f = folder(name)
            open(os.path.join(f, "model.safetensors"), "wb").write(
                len(h).to_bytes(8, "little") + h + b"\0" * lead + data[8 + hlen:] + extra)
            return f

        def alias_pooler(header):
            we = header["embeddings.word_embeddings.weight"]["data_offsets"]
            pool = header["pooler.dense.weight"]
            size = pool["data_offsets"][1] - pool["data_offsets"][0]
            pool["data_offsets"] = [we[0], we[0] + size]
        expect_fail("overlapping tensors", restitch("overlap", alias_pooler), "model.safetensors", "overlaps",
                    "pooler.dense.weight", tmp=tmp)

        def shift(header):
            for k, v in header.items():
                if k != "__metadata__":
                    v["data_offsets"] = [v["data_offsets"][0] + 16, v["data_offsets"][1] + 16]
        expect_fail("gap before the tensors", restitch("gap", shift, lead=16), "model.safetensors",
                    "16 unused bytes", tmp=tmp)
        expect_fail("bytes after the tensors", restitch("tail", lambda h: None, extra=b"\0" * 8), "model.safetensors",
                    "8 bytes after the last tensor", tmp=tmp)

        # Something other than a file where the weights should be is named
        # as what it is, not reported as missing.
        f = folder("fifo")
        os.remove(os.path.join(f, "model.safetensors"))
        os.mkfifo(os.path.join(f, "model.safetensors"))
        expect_fail("weights file is a FIFO", f, "model.safetensors", "FIFO", tmp=tmp)
        f = folder("device")
        os.remove(os.path.join(f, "model.safetensors"))
        os.symlink("/dev/null", os.path.join(f, "model.safetensors"))
        expect_fail("weights file links to a device", f, "model.safetensors", "symbolic link to a character device",
                    tmp=tmp)

        t = dict(w)
        del t["encoder.layer.0.attention.self.key.weight"]
        expect_fail("missing tensor", folder("missing", t), "encoder.layer.0.attention.self.key.weight", "missing", tmp=tmp)

        t = dict(w)
        t["encoder.layer.0.intermediate.dense.weight"] = np.zeros((31, 16), dtype=np.float32)
        expect_fail("wrong shape", folder("shape", t), "model.safetensors", "encoder.layer.0.intermediate.dense.weight",
                    "[31,16]", "[32,16]", tmp=tmp)

        t = dict(w)
        t["embeddings.LayerNorm.bias"] = np.zeros(16, dtype=np.int64)
        expect_fail("wrong dtype", folder("dtype", t), "embeddings.LayerNorm.bias", "I64", tmp=tmp)

        expect_fail("config disagrees", folder("cfg", w, config=dict(cfg, intermediate_size=48)),
                    "intermediate.dense.weight", "config.json", tmp=tmp)

        f = os.path.join(tmp, "noweights")
        os.makedirs(f)
        shutil.copy(os.path.join(good, "config.json"), f)
        expect_fail("no weights file", f, "noweights", "pytorch_model.bin", tmp=tmp)

        f = os.path.join(tmp, "badcfg")
        os.makedirs(f)
        shutil.copy(st, f)
        open(os.path.join(f, "config.json"), "w").write('{"vocab_size": 50, "hidden_size": ')
        expect_fail("bad config.json", f, "config.json", tmp=tmp)

        # .bin cases
        binf = folder("goodbin", fmt="bin")
        bdata = open(os.path.join(binf, "pytorch_model.bin"), "rb").read()
        f = folder("trunc_bin", fmt="bin")
        open(os.path.join(f, "pytorch_model.bin"), "wb").write(bdata[: len(bdata) // 2])
        expect_fail("truncated .bin", f, "pytorch_model.bin", tmp=tmp)

        def rezip(name, mutate):
            f = folder(name, fmt="bin")
            p = os.path.join(f, "pytorch_model.bin")
            src = zipfile.ZipFile(io.BytesIO(bdata))
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w") as z:
                for info in src.infolist():
                    mutate(z, info, src.read(info.filename))
            open(p, "wb").write(out.getvalue())
            return f

        def compressed(z, info, b):
            z.writestr(info.filename, b, compress_type=zipfile.ZIP_DEFLATED)
        expect_fail("compressed zip entry", rezip("deflate", compressed), "pytorch_model.bin", "compressed", tmp=tmp)

        class Evil:
            def __reduce__(self):
                return (os.system, ("echo pwned > %s" % os.path.join(tmp, "pwned"),))

        def evil(z, info, b):
            if info.filename.endswith("data.pkl"):
                b = pickle.dumps({"embeddings.word_embeddings.weight": Evil()}, protocol=2)
            z.writestr(info.filename, b)
        expect_fail("pickle calling os.system", rezip("evil", evil), "pytorch_model.bin", "refers to", tmp=tmp)
        if os.path.exists(os.path.join(tmp, "pwned")):
            failures.append("the pickle was executed")

        def floats(z, info, b):
            if info.filename.endswith("data.pkl"):
                b = pickle.dumps({"x": 1.5}, protocol=2)
            z.writestr(info.filename, b)
        expect_fail("pickle opcode not allowed", rezip("float", floats), "pytorch_model.bin", "opcode", tmp=tmp)

        # A storage entry cut short: the message counts bytes against bytes.
        def short_storage(z, info, b):
            z.writestr(info, b[:-4] if info.filename.endswith("/data/3") else b)
        expect_fail("storage cut short", rezip("shortstorage", short_storage), "pytorch_model.bin", "data/3",
                    "elements of F32", "but holds", tmp=tmp)

        def missing_storage(z, info, b):
            if not info.filename.endswith("/data/3"):
                z.writestr(info, b)
        expect_fail("storage missing from zip", rezip("nostorage", missing_storage), "pytorch_model.bin", "data/3", tmp=tmp)

    if failures:
        print("%d failures:" % len(failures))
        for f in failures:
            print("  " + f)
        sys.exit(1)
    print("all loader error checks passed")


if __name__ == "__main__":
    main()
