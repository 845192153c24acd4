/*
 * text.h -- the text stage: from extracted article text to clean training
 * sentences. Korean sentence splitting, the split-quality metric (EM, F1,
 * normalised F1 of the Kiwi/Kss benchmarks), normalisation, boilerplate and
 * quality filters with reason codes, exact and MinHash de-duplication.
 *
 * Ownership: inputs are borrowed. Handles (struct text_splitter) own the
 * memory of what they return until the next call on them.
 */
#ifndef MALMOI_TEXT_H
#define MALMOI_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* ---- sentence splitting (split.c) ---------------------------------------- */

/* A sentence as a byte range of the paragraph it came from. */
struct text_span {
    size_t start; /* byte offset of the first byte */
    size_t len;   /* bytes; never 0 */
};

struct text_splitter;

/* Create a splitter (reusable scratch memory). MM_ENOMEM on failure. */
mm_rc text_splitter_new(struct text_splitter **out, struct mm_err *err);
/* Free a splitter; NULL allowed. */
void text_splitter_free(struct text_splitter *sp);

/* Split one paragraph text[0..len) (valid UTF-8; line breaks inside it are
 * whitespace) into sentences. *spans points into the splitter and stays
 * valid until the next call on `sp`. Spans are in order, non-overlapping,
 * non-empty and trimmed of whitespace; the text between them is whitespace
 * only, so splitting never changes or loses a character.
 * MM_ECHARSET on invalid UTF-8 (the byte offset is named), MM_ENOMEM.
 * Tested by: tests/text/test_split.c, tests/text/split_gate.sh. */
mm_rc text_split(struct text_splitter *sp, const char *text, size_t len, const struct text_span **spans,
                 size_t *n_spans, struct mm_err *err);

/* ---- split quality metric (split_eval.c) --------------------------------- */

/* Running totals of the Kiwi/Kss sentence-split metric over paragraphs:
 * whitespace is ignored, lengths are in code points, each gold sentence
 * scores 1 for an exact match or the best Dice overlap credited to it,
 * scaled per paragraph by min(1, gold/predicted) for the normalised F1. */
struct text_eval {
    size_t gold;     /* gold sentences seen */
    size_t system;   /* predicted sentences seen */
    double em, f1, nf1; /* sums over gold sentences; divide by gold */
};

/* Score one paragraph: gold[i] (len gold_len[i]) against pred[j]
 * (len pred_len[j]) and add to *ev. MM_EINVAL when a prediction is not a
 * piece of the gold text in order (the splitter changed characters). */
mm_rc text_eval_paragraph(struct text_eval *ev, const char *const *gold, const size_t *gold_len, size_t n_gold,
                          const char *const *pred, const size_t *pred_len, size_t n_pred, struct mm_err *err);


/* ---- normalisation (normalize.c) ------------------------------------------ */

/* What normalisation changed, for the record. */
struct text_norm_stats {
    size_t invisible;      /* zero-width, direction marks, BOM, soft hyphens removed */
    size_t control;        /* control characters removed */
    size_t spaces_changed; /* non-ASCII or tab whitespace turned into ' ' */
    size_t replacement;    /* U+FFFD seen (kept): traces of a bad decode */
    size_t paragraphs;     /* non-empty lines in the output */
    int nfc_changed;       /* 1 when NFC composition changed the text */
};

/* Normalise text[0..len) into `out` (initialised by the caller; reset
 * here): NFC, invisible and control characters removed, whitespace runs
 * collapsed to one space, lines trimmed, empty lines dropped, paragraphs
 * separated by one "\n" (no trailing newline). `st` may be NULL.
 * MM_ECHARSET on invalid UTF-8, MM_ELIMIT past out's cap, MM_ENOMEM.
 * Tested by: tests/text/test_filters.c. */
mm_rc text_normalize(const char *text, size_t len, struct mm_buf *out, struct text_norm_stats *st,
                     struct mm_err *err);

/* ---- configuration (config.c) --------------------------------------------- */

/* Thresholds of the filters and de-duplication. Defaults are FineWeb-2's
 * kor_Hang values (huggingface/fineweb-2 configs/kor_Hang.yml) where one
 * exists; words are whitespace-separated (eojeol). */
struct text_config {
    double min_hangul_ratio;     /* Hangul share of letters; 0.5 (language check) */
    long min_words, max_words;   /* 50, 100000 (Gopher) */
    double min_avg_word_length;  /* 1 (kor_Hang) */
    double max_avg_word_length;  /* 6 (kor_Hang), in code points */
    double min_alpha_words;      /* share of words with a letter: 0.791 (kor_Hang) */
    double min_line_punct;       /* share of lines ending in punctuation: 0.062 */
    double max_newline_ratio;    /* newlines per word: 0.196 */
    double max_dup_line_frac;    /* duplicated lines (count): 0.374 */
    double top_ngram[3];         /* top 2/3/4-gram char share: 0.282 0.228 0.185 */
    double dup_ngram[6];         /* duplicated 5..10-gram char share: 0.201 .. 0.127 */
    long min_sentence_chars;     /* sentences with fewer code points are "short": 2 */
    long site_line_min_docs;     /* a line on this many pages of a site is boilerplate: 5 */
    long site_line_max_chars;    /* only lines up to this long are learned: 200 */
    long minhash_bands, minhash_rows; /* 14 x 8 */
    long minhash_ngram;          /* character shingle size: 5 */
    int filters;                 /* 0 = keep every document (split only) */
};

/* Fill *cfg with the defaults above. */
void text_config_default(struct text_config *cfg);
/* Read the [text] section of `conf` over *cfg (absent keys keep their
 * value). MM_EINVAL names FILE:LINE:KEY for a bad value. Keys are listed in
 * config/README.md ("## Text keys"). */
mm_rc text_config_load(struct mm_conf *conf, struct text_config *cfg, struct mm_err *err);

/* ---- reason codes ----------------------------------------------------------- */

/* Why a document or sentence was removed. The strings are stored in
 * documents.reject_reason and sentences.reject_reason and never change. */
#define TEXT_R_EMPTY "empty"                  /* nothing left after normalisation/boilerplate */
#define TEXT_R_LOW_HANGUL "low_hangul"        /* not Korean enough */
#define TEXT_R_FEW_WORDS "too_few_words"
#define TEXT_R_MANY_WORDS "too_many_words"
#define TEXT_R_AVG_WORD "avg_word_length"
#define TEXT_R_ALPHA "few_alpha_words"
#define TEXT_R_LINE_PUNCT "line_punct"        /* too few lines end in punctuation */
#define TEXT_R_NEWLINES "newline_ratio"
#define TEXT_R_DUP_LINES "dup_lines"
#define TEXT_R_TOP_NGRAM "top_ngram"          /* suffixed: top_2gram .. top_4gram */
#define TEXT_R_DUP_NGRAM "dup_ngram"          /* suffixed: dup_5gram .. dup_10gram */
#define TEXT_R_NEAR_DUP "near_duplicate"      /* MinHash LSH match; documents.duplicate_of set */
/* sentences (a whole boilerplate paragraph gives the reason to each of its sentences) */
#define TEXT_R_BYLINE "boilerplate:byline"    /* reporter name, e-mail */
#define TEXT_R_COPYRIGHT "boilerplate:copyright" /* 무단전재 및 재배포 금지, ⓒ */
#define TEXT_R_PHOTO "boilerplate:photo"      /* 사진=, credits and captions */
#define TEXT_R_RELATED "boilerplate:related"  /* 관련 기사, 많이 본 뉴스 */
#define TEXT_R_PROMPT "boilerplate:prompt"    /* subscribe, app, 제보 prompts */
#define TEXT_R_SITE_LINE "boilerplate:site"   /* a line repeated on many pages of the site */
#define TEXT_R_SHORT "short"                  /* fewer than min_sentence_chars */
#define TEXT_R_NO_HANGUL "no_hangul"          /* a sentence without Hangul */

/* Is one line (a paragraph, normalised) Korean news boilerplate? Returns a
 * TEXT_R_* code or NULL. Pure pattern rules; per-site learned lines are
 * text_site_line_seen() in the database part. Tested by: test_filters.c. */
const char *text_boilerplate(const char *line, size_t len);

/* Byte length of a byline or transcript marker that opens a paragraph of
 * text ("[OSEN=홍길동 기자] ", "(서울=연합뉴스) 홍길동 기자 = ", "[앵커]"),
 * or 0. text_doc_process() keeps it as a separate sentence marked
 * TEXT_R_BYLINE. */
size_t text_byline_prefix(const char *line, size_t len);

/* ---- document processing (document.c) -------------------------------------- */

struct text_sentence {
    size_t start, len;     /* bytes in text_doc.text (the normalised text) */
    int paragraph;         /* 0-based paragraph number */
    char hash[33];         /* 128-bit hash of the normalised sentence, hex */
    const char *reject;    /* TEXT_R_* code or NULL (kept) */
};

/* The result of text_doc_process(): owned by the struct; reuse it for the
 * next document and free it with text_doc_free(). */
struct text_doc {
    struct mm_buf text;          /* normalised text, paragraphs separated by "\n" */
    struct text_norm_stats norm;
    struct text_sentence *sentences;
    size_t n_sentences, cap_sentences;
    const char *reject;          /* document-level TEXT_R_* code, or NULL (kept) */
    char reject_buf[32];         /* storage for suffixed codes (top_2gram) */
    struct text_splitter *sp;
};

void text_doc_init(struct text_doc *d);
void text_doc_free(struct text_doc *d);

/* Normalise, drop boilerplate paragraphs, split, filter and hash one
 * document text[0..len) (paragraphs separated by "\n"). With `presplit`
 * (imports already one sentence a line and cleaned), every non-blank line is
 * one sentence, kept byte for byte (not normalised), and no filter runs. `site_line` (may be NULL) is asked
 * for each short paragraph whether the site repeats it (the DB-backed
 * learning); it returns 1 for boilerplate. MM_ECHARSET, MM_ENOMEM.
 * Tested by: tests/text/test_filters.c. */
mm_rc text_doc_process(struct text_doc *d, const struct text_config *cfg, const char *text, size_t len,
                       int presplit, int (*site_line)(void *ctx, const char *line, size_t len), void *ctx,
                       struct mm_err *err);

/* Document quality filters alone (Gopher, FineWeb, FineWeb-2 kor_Hang) on
 * normalised text: NULL = kept, else a TEXT_R_* code (suffixed codes are
 * written to buf[32]). */
const char *text_quality(const struct text_config *cfg, const char *text, size_t len, char buf[32]);

/* 1 when Hangul makes up at least cfg->min_hangul_ratio of the letters of
 * text[0..len) (the language check of text_quality, alone): imports use it
 * to keep non-Korean pages out. 0 for text without letters. */
int text_is_korean(const struct text_config *cfg, const char *text, size_t len);

/* Hash of a normalised sentence (whitespace removed, ASCII lowercased) as 32
 * hex digits: equal for sentences that differ only in spacing or case. */
void text_sentence_hash(const char *s, size_t len, char out[33]);

/* ---- MinHash (minhash.c) ---------------------------------------------------- */

/* LSH band keys of text[0..len): MinHash over character `ngram`-grams
 * (whitespace removed), bands x rows hash functions, each band's rows
 * hashed to one 64-bit key. out must hold `bands` values. Texts shorter
 * than one shingle give all-zero keys (returns 0), else returns 1. */
int text_minhash_bands(const char *text, size_t len, long ngram, long bands, long rows, int64_t *out);


/* ---- the database part (text_db.c) ----------------------------------------- */

struct store;   /* store/store.h */
struct text_db; /* prepared statements and scratch for one store */

/* What text_db_process() decided for one document. */
struct text_result {
    char reject[32];        /* "" = kept (stage 'split'), else the document's TEXT_R_* code */
    int64_t duplicate_of;   /* near-duplicate: the earlier document, else 0 */
    size_t sentences;       /* rows written */
    size_t rejected;        /* of which with a reject_reason */
    size_t duplicates;      /* of which with duplicate_of set (same text in another document) */
    int64_t boilerplate_lines; /* paragraphs dropped as boilerplate (patterns or the site's lines) */
    size_t invisible;       /* zero-width/format characters normalisation removed */
    size_t control;         /* control characters normalisation removed */
    size_t replacement;     /* U+FFFD in the text (a bad decode upstream) */
};

/* Prepare the statements for `s` (borrowed; it must outlive the handle)
 * with thresholds `cfg` (copied). MM_EDB names the statement. */
mm_rc text_db_open(struct store *s, const struct text_config *cfg, struct text_db **out, struct mm_err *err);
/* Finalise the statements; NULL allowed. */
void text_db_close(struct text_db *h);

/* The whole text step for documents.id = `id`, inside the caller's
 * transaction: read the text, normalise, drop boilerplate (patterns and
 * the site's learned lines, learning from this page too), split, filter,
 * look up and record MinHash LSH bands, then replace the document's
 * `sentences` rows (text, paragraph, hash, reject_reason, duplicate_of =
 * the first sentence with the same hash in another document) and set
 * documents.stage ('split' or 'rejected'), reject_reason and duplicate_of.
 * A rejected document keeps no sentence rows. Documents with source
 * 'import:bert-text' are already split and cleaned: every line is one kept
 * sentence, in order, no filter runs (duplicates are still marked).
 * `res` may be NULL. MM_ENOTFOUND for a missing id, MM_EDB, MM_ENOMEM.
 * Tested by: tests/text/test_db.c. */
mm_rc text_db_process(struct text_db *h, int64_t id, struct text_result *res, struct mm_err *err);

/* One-shot form of the above (opens and closes a struct text_db): for
 * callers that process a few documents. */
mm_rc text_process_document(struct store *s, int64_t id, const struct text_config *cfg, struct text_result *res,
                            struct mm_err *err);

#endif
