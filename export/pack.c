/*
 * pack.c -- RoBERTa's FULL-SENTENCES inputs (Liu et al. 2019, §4.2): whole
 * consecutive sentences packed up to max_seq_length, crossing document
 * boundaries with one extra separator between documents, no masking (the
 * trainer's collator masks dynamically). Each input is
 *   cls  sentence sentence ... [sep  sentence ...]  sep   (then padding)
 * with the tokenizer's own specials (<s> ... </s> or [CLS] ... [SEP]). A
 * sentence longer than an input holds is cut into consecutive pieces, each
 * filling an input, so no text is lost. One JSON line per input:
 * {"input_ids": [...], "attention_mask": [...]}, padded with the pad id to
 * max_seq_length (mask 0 there).
 */
#include <stdlib.h>
#include <string.h>

#include "export_int.h"

void export_packer_init(struct export_packer *k, const struct export_params *p, const struct export_vocab *v) {
    memset(k, 0, sizeof *k);
    k->L = (size_t)p->max_seq_length;
    k->v = v;
    mm_buf_init(&k->ids, 0);
    mm_buf_init(&k->line, 0);
}

void export_packer_free(struct export_packer *k) {
    mm_buf_free(&k->ids);
    mm_buf_free(&k->line);
}

static size_t used(const struct export_packer *k) { return k->ids.len / sizeof(int32_t); }

static mm_rc push(struct export_packer *k, const int32_t *ids, size_t n) {
    return mm_buf_append(&k->ids, ids, n * sizeof *ids);
}

/* Close the current input with sep, pad it, write its line; start anew. */
static mm_rc emit(struct export_packer *k, struct export_sink *sink, struct mm_err *err) {
    size_t n = used(k);
    if (n <= 1)
        return MM_OK; /* only cls: nothing to write */
    mm_rc rc = push(k, &k->v->sep, 1);
    n++;
    const int32_t *ids = (const int32_t *)k->ids.data;
    int32_t pad = k->v->pad >= 0 ? k->v->pad : 0;
    struct mm_buf *b = &k->line;
    mm_buf_reset(b);
    if (rc == MM_OK)
        rc = mm_buf_puts(b, "{\"input_ids\":[");
    for (size_t i = 0; i < k->L && rc == MM_OK; i++) {
        if (i && (rc = mm_buf_putc(b, ',')) != MM_OK)
            break;
        rc = export_json_int(b, i < n ? ids[i] : pad);
    }
    if (rc == MM_OK)
        rc = mm_buf_puts(b, "],\"attention_mask\":[");
    for (size_t i = 0; i < k->L && rc == MM_OK; i++)
        rc = mm_buf_puts(b, i == 0 ? (i < n ? "1" : "0") : (i < n ? ",1" : ",0"));
    if (rc == MM_OK)
        rc = mm_buf_puts(b, "]}\n");
    if (rc != MM_OK)
        return mm_err_set(err, MM_ENOMEM, "export: out of memory writing an input");
    k->inputs++;
    k->tokens += (int64_t)n;
    mm_buf_reset(&k->ids);
    k->pending_sep = 0;
    return export_sink_write_record(sink, b->data, b->len, err);
}

mm_rc export_packer_add(struct export_packer *k, int new_doc, const int32_t *ids, size_t n, struct export_sink *sink,
                        struct mm_err *err) {
    mm_rc rc = MM_OK;
    size_t cap = k->L - 1; /* ids before the closing sep */
    if (new_doc && used(k) > 1)
        k->pending_sep = 1;
    /* The sentence does not fit after what is there: close the input. */
    if (used(k) > 1 && used(k) + k->pending_sep + n > cap && (rc = emit(k, sink, err)) != MM_OK)
        return rc;
    while (rc == MM_OK && n > 0) {
        if (used(k) == 0 && push(k, &k->v->cls, 1) != MM_OK)
            return mm_err_set(err, MM_ENOMEM, "export: out of memory");
        if (k->pending_sep) {
            if (push(k, &k->v->sep, 1) != MM_OK)
                return mm_err_set(err, MM_ENOMEM, "export: out of memory");
            k->pending_sep = 0;
        }
        size_t room = cap - used(k), take = n < room ? n : room;
        if (push(k, ids, take) != MM_OK)
            return mm_err_set(err, MM_ENOMEM, "export: out of memory");
        ids += take;
        n -= take;
        if (n > 0) /* a sentence longer than an input: its next piece goes on */
            rc = emit(k, sink, err);
    }
    return rc;
}

mm_rc export_packer_finish(struct export_packer *k, struct export_sink *sink, struct mm_err *err) {
    return emit(k, sink, err);
}
