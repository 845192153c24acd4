#!/usr/bin/python3
"""bert_reference.py DB TOKENIZER_KEY MAX_DOCS [DUPE] -- the peer for
bench/export: google-research/bert create_pretraining_data.py's instance
creation and masking (tests/export/bert_create_pretraining_data.py, a
transcription to token ids) on the ids malmoi stored in `examples`, with
random.Random(12345) as in the script. It leaves out the script's WordPiece
tokenization and TFRecord writing (both would only make the peer slower),
so the ratio flatters it. Prints: instances, seconds, sentences."""
import json
import os
import random
import sqlite3
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "export"))
import bert_create_pretraining_data as ref  # noqa: E402

db, key, max_docs = sys.argv[1], sys.argv[2], int(sys.argv[3])
dupe = int(sys.argv[4]) if len(sys.argv) > 4 else 1
con = sqlite3.connect(db)
docs, cur_doc, cur = [], None, []
for d, ids in con.execute(
        "SELECT s.document_id, e.input_ids FROM sentences s JOIN examples e ON e.sentence_id = s.id"
        " AND e.tokenizer = ? WHERE s.document_id IN (SELECT id FROM documents ORDER BY id LIMIT ?)"
        " ORDER BY s.document_id, s.position", (key, max_docs)):
    if d != cur_doc and cur:
        docs.append(cur)
        cur = []
    cur_doc = d
    cur.append(json.loads(ids)[1:-1])
if cur:
    docs.append(cur)
p = ref.Params(cls=2, sep=3, mask=4, vocab_size=8002, dupe_factor=dupe)
t0 = time.monotonic()
instances = ref.create_training_instances(docs, p, random.Random(12345))
dt = time.monotonic() - t0
print(f"{len(instances)} {dt:.3f} {sum(len(d) for d in docs)}")
