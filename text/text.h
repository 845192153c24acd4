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

#endif
