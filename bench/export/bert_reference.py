#!/usr/bin/python3
"""bert_reference.py DB TOKENIZER_KEY MAX_DOCS [DUPE] -- the peer for bench/export:
google-research/bert create_pretraining_data.py's instance creation and
masking (create_instances_from_document, truncate_seq_pair,
create_masked_lm_predictions), transcribed to work on the token ids that
malmoi stored in `examples`, with Python's random.Random(12345) as in the
script. It leaves out the script's WordPiece tokenization and TFRecord
writing (both would only make the peer slower), so the ratio flatters it.
Prints instances and seconds of the instance-creation phase."""
import collections
import json
import random
import sqlite3
import sys
import time

db, key, max_docs = sys.argv[1], sys.argv[2], int(sys.argv[3])
MAX_SEQ, MAX_PRED, MLM_PROB, SHORT_P = 128, 20, 0.15, 0.1
DUPE = int(sys.argv[4]) if len(sys.argv) > 4 else 1
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
    t = json.loads(ids)[1:-1]
    if t:
        cur.append(t)
if cur:
    docs.append(cur)
CLS, SEP, MASK, V = 2, 3, 4, 8002
vocab_words = list(range(V))
MaskedLmInstance = collections.namedtuple("MaskedLmInstance", ["index", "label"])


def truncate_seq_pair(tokens_a, tokens_b, max_num_tokens, rng):
    while True:
        total_length = len(tokens_a) + len(tokens_b)
        if total_length <= max_num_tokens:
            break
        trunc_tokens = tokens_a if len(tokens_a) > len(tokens_b) else tokens_b
        if rng.random() < 0.5:
            del trunc_tokens[0]
        else:
            trunc_tokens.pop()


def create_masked_lm_predictions(tokens, rng):
    cand_indexes = []
    for (i, token) in enumerate(tokens):
        if token == CLS or token == SEP:
            continue
        cand_indexes.append([i])
    rng.shuffle(cand_indexes)
    output_tokens = list(tokens)
    num_to_predict = min(MAX_PRED, max(1, int(round(len(tokens) * MLM_PROB))))
    masked_lms = []
    covered_indexes = set()
    for index_set in cand_indexes:
        if len(masked_lms) >= num_to_predict:
            break
        if len(masked_lms) + len(index_set) > num_to_predict:
            continue
        if any(index in covered_indexes for index in index_set):
            continue
        for index in index_set:
            covered_indexes.add(index)
            if rng.random() < 0.8:
                masked_token = MASK
            else:
                if rng.random() < 0.5:
                    masked_token = tokens[index]
                else:
                    masked_token = vocab_words[rng.randint(0, len(vocab_words) - 1)]
            output_tokens[index] = masked_token
            masked_lms.append(MaskedLmInstance(index=index, label=tokens[index]))
    masked_lms = sorted(masked_lms, key=lambda x: x.index)
    return output_tokens, [p.index for p in masked_lms], [p.label for p in masked_lms]


def create_instances_from_document(all_documents, document_index, rng):
    document = all_documents[document_index]
    max_num_tokens = MAX_SEQ - 3
    target_seq_length = max_num_tokens
    if rng.random() < SHORT_P:
        target_seq_length = rng.randint(2, max_num_tokens)
    instances = []
    current_chunk = []
    current_length = 0
    i = 0
    while i < len(document):
        segment = document[i]
        current_chunk.append(segment)
        current_length += len(segment)
        if i == len(document) - 1 or current_length >= target_seq_length:
            if current_chunk:
                a_end = 1
                if len(current_chunk) >= 2:
                    a_end = rng.randint(1, len(current_chunk) - 1)
                tokens_a = []
                for j in range(a_end):
                    tokens_a.extend(current_chunk[j])
                tokens_b = []
                if len(current_chunk) == 1 or rng.random() < 0.5:
                    is_random_next = True
                    target_b_length = target_seq_length - len(tokens_a)
                    for _ in range(10):
                        random_document_index = rng.randint(0, len(all_documents) - 1)
                        if random_document_index != document_index:
                            break
                    random_document = all_documents[random_document_index]
                    random_start = rng.randint(0, len(random_document) - 1)
                    for j in range(random_start, len(random_document)):
                        tokens_b.extend(random_document[j])
                        if len(tokens_b) >= target_b_length:
                            break
                    i -= len(current_chunk) - a_end
                else:
                    is_random_next = False
                    for j in range(a_end, len(current_chunk)):
                        tokens_b.extend(current_chunk[j])
                truncate_seq_pair(tokens_a, tokens_b, max_num_tokens, rng)
                tokens = [CLS] + tokens_a + [SEP] + tokens_b + [SEP]
                segment_ids = [0] * (len(tokens_a) + 2) + [1] * (len(tokens_b) + 1)
                tokens, pos, labels = create_masked_lm_predictions(tokens, rng)
                instances.append((tokens, segment_ids, is_random_next, pos, labels))
            current_chunk = []
            current_length = 0
        i += 1
    return instances


rng = random.Random(12345)
t0 = time.monotonic()
rng.shuffle(docs)
instances = []
for _ in range(DUPE):
    for document_index in range(len(docs)):
        instances.extend(create_instances_from_document(docs, document_index, rng))
rng.shuffle(instances)
dt = time.monotonic() - t0
print(f"{len(instances)} {dt:.3f} {sum(len(d) for d in docs)}")
