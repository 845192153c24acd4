"""bert_create_pretraining_data.py -- google-research/bert's
create_pretraining_data.py (create_instances_from_document,
truncate_seq_pair, create_masked_lm_predictions and the driver loop of
create_training_instances), transcribed to work on token ids instead of
WordPiece strings, with Python's random.Random as in the script. Used as
the reference by tests/export/test_export_reader.py (statistics of the
instances) and as the peer of bench/export."""
import collections

MaskedLmInstance = collections.namedtuple("MaskedLmInstance", ["index", "label"])
Instance = collections.namedtuple("Instance", ["tokens", "segment_ids", "is_random_next", "positions", "labels"])


class Params:
    def __init__(self, cls, sep, mask, vocab_size, max_seq_length=128, max_predictions=20, masked_lm_prob=0.15,
                 short_seq_prob=0.1, dupe_factor=10):
        self.cls, self.sep, self.mask, self.vocab_size = cls, sep, mask, vocab_size
        self.max_seq_length, self.max_predictions = max_seq_length, max_predictions
        self.masked_lm_prob, self.short_seq_prob, self.dupe_factor = masked_lm_prob, short_seq_prob, dupe_factor


def create_training_instances(all_documents, p, rng):
    """all_documents: list of documents, each a list of sentences (lists of ids)."""
    all_documents = [[s for s in d if s] for d in all_documents]
    all_documents = [d for d in all_documents if d]
    rng.shuffle(all_documents)
    instances = []
    for _ in range(p.dupe_factor):
        for document_index in range(len(all_documents)):
            instances.extend(create_instances_from_document(all_documents, document_index, p, rng))
    rng.shuffle(instances)
    return instances


def create_instances_from_document(all_documents, document_index, p, rng):
    document = all_documents[document_index]
    max_num_tokens = p.max_seq_length - 3
    target_seq_length = max_num_tokens
    if rng.random() < p.short_seq_prob:
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
                    num_unused_segments = len(current_chunk) - a_end
                    i -= num_unused_segments
                else:
                    is_random_next = False
                    for j in range(a_end, len(current_chunk)):
                        tokens_b.extend(current_chunk[j])
                truncate_seq_pair(tokens_a, tokens_b, max_num_tokens, rng)
                assert len(tokens_a) >= 1 and len(tokens_b) >= 1
                tokens = [p.cls] + tokens_a + [p.sep] + tokens_b + [p.sep]
                segment_ids = [0] * (len(tokens_a) + 2) + [1] * (len(tokens_b) + 1)
                tokens, positions, labels = create_masked_lm_predictions(tokens, p, rng)
                instances.append(Instance(tokens, segment_ids, is_random_next, positions, labels))
            current_chunk = []
            current_length = 0
        i += 1
    return instances


def create_masked_lm_predictions(tokens, p, rng):
    cand_indexes = []
    for (i, token) in enumerate(tokens):
        if token == p.cls or token == p.sep:
            continue
        cand_indexes.append([i])
    rng.shuffle(cand_indexes)
    output_tokens = list(tokens)
    num_to_predict = min(p.max_predictions, max(1, int(round(len(tokens) * p.masked_lm_prob))))
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
                masked_token = p.mask
            else:
                if rng.random() < 0.5:
                    masked_token = tokens[index]
                else:
                    masked_token = rng.randint(0, p.vocab_size - 1)
            output_tokens[index] = masked_token
            masked_lms.append(MaskedLmInstance(index=index, label=tokens[index]))
    masked_lms = sorted(masked_lms, key=lambda x: x.index)
    return output_tokens, [m.index for m in masked_lms], [m.label for m in masked_lms]


def truncate_seq_pair(tokens_a, tokens_b, max_num_tokens, rng):
    while True:
        total_length = len(tokens_a) + len(tokens_b)
        if total_length <= max_num_tokens:
            break
        trunc_tokens = tokens_a if len(tokens_a) > len(tokens_b) else tokens_b
        assert len(trunc_tokens) >= 1
        if rng.random() < 0.5:
            del trunc_tokens[0]
        else:
            trunc_tokens.pop()
