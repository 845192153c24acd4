/*
 * tokenize.h -- the tokenize stage: text to BERT token ids.
 *
 * Three kinds of tokenizer behind one opaque handle:
 *  - SentencePiece unigram (KoBERT's spiece.model), output identical to
 *    Debian's spm_encode 0.1.97; optionally with a vocab.txt that maps the
 *    pieces of an older model to BERT ids (monologg's KoBERT route);
 *  - WordPiece (mBERT's vocab.txt), tokens identical to Hugging Face's Rust
 *    `tokenizers` (BertNormalizer + BertPreTokenizer + WordPiece);
 *  - a Hugging Face tokenizer.json (TOK_HF: WordPiece, BPE, byte-level BPE
 *    or Unigram with the file's normalizer, pre-tokenizer, added tokens and
 *    post-processor), ids and tokens identical to the Rust `tokenizers`;
 *    tok_encode_bert() then builds inputs with the file's post-processor
 *    (RoBERTa: <s> A </s></s> B </s>, all type ids 0).
 *
 * Threads: a `struct tok_model` is immutable once opened and may be used by
 * any number of threads at once. All per-call memory lives in a
 * `struct tok_state` (scratch buffers that grow and are reused, so encoding
 * does not allocate once warm); give each thread its own state.
 *
 * Untrusted text: pass TOK_SAFE ("safe corpus mode") when encoding crawled
 * text. Then text such as "[CLS]" or "[MASK]" is tokenized as ordinary
 * characters and never yields the special ids (unk excepted: characters
 * the model does not know still become [UNK]). Without TOK_SAFE the output
 * matches the reference libraries exactly (spm_encode matches KoBERT's
 * user-defined "[CLS]" in text; HF splits off its added special tokens).
 *
 * Ownership: inputs are borrowed. Returned `const char *` and the id array
 * of tok_encode() are borrowed: from the model (valid until tok_close) or
 * from the state (valid until the next call with that state).
 * Tested by: tests/tokenize/test_tokenize.c and the scripts next to it.
 */
#ifndef MALMOI_TOKENIZE_H
#define MALMOI_TOKENIZE_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct tok_model; /* opaque, thread-safe after open */
struct tok_state; /* opaque per-thread scratch */

enum tok_kind {
    TOK_SENTENCEPIECE = 1,
    TOK_WORDPIECE = 2,
    TOK_HF = 3, /* a Hugging Face tokenizer.json (WordPiece or BPE inside) */
};

/* Flags for the encoders. */
#define TOK_SAFE 1u /* corpus mode: special strings in the text are plain text */

/* Hard limits (inputs past them fail with MM_ELIMIT). */
#define TOK_MAX_MODEL_BYTES (256u << 20) /* .model / vocab.txt size */
#define TOK_MAX_TEXT_BYTES (256u << 20)  /* one text passed to an encoder */

/* Special token ids; -1 when the model has no such token. */
struct tok_specials {
    int32_t unk, pad, cls, sep, mask;
};

/* Open a tokenizer from `path`:
 *  - a file ending in ".model": SentencePiece (tok_open_sp with no vocab);
 *  - a file named "*.txt": WordPiece vocab, cased (tok_open_wordpiece);
 *  - a directory (a Hugging Face model folder): spiece.model if present;
 *    else tokenizer_78b3253a26.model + vocab.txt (monologg KoBERT route);
 *    else vocab.txt as WordPiece, lowercasing when tokenizer_config.json
 *    says "do_lower_case": true.
 * *out receives a handle to free with tok_close(). Returns MM_OK,
 * MM_ENOTFOUND (no such file / nothing usable in the folder), MM_EIO,
 * MM_EMODEL (truncated, corrupt or wrong-kind file; the message names the
 * file and what is wrong), MM_ELIMIT, MM_ENOMEM. */
mm_rc tok_open(const char *path, struct tok_model **out, struct mm_err *err);

/* Open a SentencePiece unigram `.model` file. With `vocab_path` non-NULL,
 * ids are the line numbers of the pieces in that vocab.txt (a piece not in
 * it becomes the vocab's [UNK]); else they are the model's own ids. Same
 * return codes as tok_open. */
mm_rc tok_open_sp(const char *model_path, const char *vocab_path, struct tok_model **out,
                  struct mm_err *err);

/* Open a WordPiece vocab.txt (one token a line, id = line number, final
 * newline optional). `lowercase` selects the uncased pipeline (lowercase and
 * strip accents). Same return codes as tok_open. */
mm_rc tok_open_wordpiece(const char *vocab_path, int lowercase, struct tok_model **out,
                         struct mm_err *err);

/* Free a model; NULL is allowed. */
void tok_close(struct tok_model *m);

enum tok_kind tok_kind(const struct tok_model *m);
/* Short name: "kobert-spm" (KoBERT's id layout, either route), "spm-unigram",
 * "mbert-wordpiece" (119547-token vocab), "wordpiece"; "-uncased" is
 * appended for a lowercasing WordPiece; for tokenizer.json "hf-wordpiece",
 * "hf-bpe", "hf-bytelevel-bpe" or "hf-unigram". Borrowed. */
const char *tok_name(const struct tok_model *m);
/* SHA-256 (64 hex digits) of the model file (.model, or vocab.txt for
 * WordPiece, or the tokenizer.json; for the .model + vocab.txt route, of
 * the .model). Borrowed. */
const char *tok_sha256(const struct tok_model *m);
/* The name under which this tokenizer's encodings are stored in
 * examples.tokenizer: "NAME:SHA8", e.g. "kobert-spm:17dc4710". Writes at
 * most `n` bytes (TOK_KEY_MAX is enough). */
#define TOK_KEY_MAX 96
void tok_key(const struct tok_model *m, char *out, size_t n);
/* Number of ids (embedding rows): for tokenizer.json the highest id + 1,
 * added tokens included (KoGPT2 v1: 50124 for a 50000-piece vocab). */
int32_t tok_vocab_size(const struct tok_model *m);
/* The special ids (KoBERT: 0 1 2 3 4; mBERT: 100 0 101 102 103). For
 * tokenizer.json: unk from the model; cls/sep the first and last special
 * token of the post-processor's single template, else [CLS]/<s> and
 * [SEP]/</s>; pad from the file's padding, else [PAD]/<pad>; mask
 * [MASK]/<mask>. */
struct tok_specials tok_specials(const struct tok_model *m);
/* The piece string of `id` (KoBERT "▁한국", mBERT "##어"); NULL when out of
 * range. Borrowed from the model. */
const char *tok_piece(const struct tok_model *m, int32_t id);
/* 1 when token `id` continues the word before it (for whole-word masking):
 * SentencePiece: a piece that does not start with "▁" (U+2581), [UNK]
 * included; WordPiece: a piece starting with "##". 0 for special ids and
 * word-initial pieces. */
int tok_is_continuation(const struct tok_model *m, int32_t id);

/* A per-thread scratch state; NULL on out of memory. */
struct tok_state *tok_state_new(void);
void tok_state_free(struct tok_state *st);

/* Encode one text (any bytes; invalid UTF-8 is handled as the references
 * do) to ids, without [CLS]/[SEP]. On MM_OK *ids points into `st` (valid
 * until the next call with `st`) and *n is the count. `flags`: TOK_SAFE.
 * Returns MM_OK, MM_ELIMIT (text over TOK_MAX_TEXT_BYTES, or a corrupt
 * charsmap expanding it past 64x), MM_ENOMEM. */
mm_rc tok_encode(const struct tok_model *m, struct tok_state *st, const char *text, size_t len,
                 unsigned flags, const int32_t **ids, size_t *n, struct mm_err *err);

/* Append one encoded text to `out` the way the reference command line
 * prints it, without a newline: pieces (or ids when `as_ids`) separated by
 * single spaces -- byte-identical to `spm_encode --output_format=piece|id`
 * for SentencePiece; for WordPiece and tokenizer.json the tokens HF's
 * encode(text, add_special_tokens=False) gives. */
mm_rc tok_encode_line(const struct tok_model *m, struct tok_state *st, const char *text,
                      size_t len, unsigned flags, int as_ids, struct mm_buf *out,
                      struct mm_err *err);

/* BERT model input for one text or a pair. Arrays are owned by the struct
 * (tok_encoding_free) and grow as needed; reuse one per thread. */
struct tok_encoding {
    int32_t *input_ids;      /* len entries */
    int32_t *token_type_ids; /* 0 for [CLS] A [SEP], 1 for B [SEP] */
    int32_t *attention_mask; /* 1 for tokens, 0 for padding */
    size_t len;              /* entries in use (max_len when padded) */
    size_t ntokens;          /* entries before padding */
    size_t cap;
};
void tok_encoding_init(struct tok_encoding *e);
void tok_encoding_free(struct tok_encoding *e);

/* Build `[CLS] A [SEP]` (b == NULL) or `[CLS] A [SEP] B [SEP]`. With
 * max_len > 0 the tokens are truncated to fit (pairs: BERT's
 * run_classifier.py _truncate_seq_pair: drop the last token of the longer
 * side, of B when both are equal)
 * and, when `pad` is non-zero, padded on the right with the pad id to
 * exactly max_len (token type 0, mask 0). max_len must be >= 2 for a
 * single text and >= 3 for a pair (MM_EINVAL otherwise). `flags`: TOK_SAFE.
 * The model must have cls and sep ids (MM_EINVAL otherwise).
 * Returns MM_OK, MM_EINVAL, MM_ELIMIT, MM_ENOMEM. */
mm_rc tok_encode_bert(const struct tok_model *m, struct tok_state *st, const char *a,
                      size_t alen, const char *b, size_t blen, size_t max_len, int pad,
                      unsigned flags, struct tok_encoding *out, struct mm_err *err);

#endif
