#!/usr/bin/python3
"""Re-encode bert-tiny-random/expected.npz (outputs computed by transformers
itself, see bert-tiny-random/README.txt) as tiny_expected.golden, a flat file
the C test reads without a zip/npy parser.

Format (little-endian): magic b"MMEMBGLD", u32 version (1), u32 count; then
per array: name (32 bytes, NUL-padded), u32 dtype (0 = f32, 1 = i32),
u32 ndim, u32 shape[4], raw row-major data.
Run: /usr/bin/python3 make_golden.py /work/shared/models/bert-tiny-random/expected.npz
"""
import struct
import sys

import numpy as np

src = sys.argv[1] if len(sys.argv) > 1 else "expected.npz"
z = np.load(src)
names = ["input_ids", "attention_mask", "token_type_ids", "pooled", "cls", "mean",
         "pair_input_ids", "pair_token_type_ids", "pair_attention_mask", "pair_pooled"]
with open("tiny_expected.golden", "wb") as f:
    f.write(b"MMEMBGLD" + struct.pack("<II", 1, len(names)))
    for n in names:
        a = z[n]
        if a.dtype.kind == "i":
            a, dt = a.astype("<i4"), 1
        else:
            a, dt = a.astype("<f4"), 0
        shape = list(a.shape) + [0] * (4 - a.ndim)
        f.write(n.encode().ljust(32, b"\0") + struct.pack("<II4I", dt, a.ndim, *shape))
        f.write(np.ascontiguousarray(a).tobytes())
