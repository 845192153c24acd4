/*
 * jsonl.c -- one instance as a JSON line with Hugging Face's names
 * (transformers BertForPreTraining's arguments): input_ids, token_type_ids,
 * attention_mask, labels (-100 where nothing is predicted) and
 * next_sentence_label (1 = random next), padded to max_seq_length so
 * datasets.load_dataset("json") and the default collator take it as is.
 */
#include <string.h>

#include "export_int.h"

mm_rc export_json_int(struct mm_buf *b, int64_t v) {
    char tmp[24];
    size_t n = 0;
    uint64_t u = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
    do {
        tmp[sizeof tmp - 1 - n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[sizeof tmp - 1 - n++] = '-';
    return mm_buf_append(b, tmp + sizeof tmp - n, n);
}

/* Append `"name":[...]` with element i given by the switch in the caller. */
enum field { F_IDS, F_TYPES, F_MASK, F_LABELS };

static mm_rc put_array(struct mm_buf *b, const char *name, enum field f, const struct export_instance *in,
                       size_t L, int64_t pad) {
    mm_rc rc = mm_buf_printf(b, "\"%s\":[", name);
    size_t m = 0; /* next masked position, for labels */
    for (size_t i = 0; i < L && rc == MM_OK; i++) {
        int64_t x;
        int real = i < in->len;
        switch (f) {
        case F_IDS: x = real ? in->ids[i] : pad; break;
        case F_TYPES: x = real && i >= in->a_len + 2; break;
        case F_MASK: x = real; break;
        default:
            if (m < in->nmask && (size_t)in->mpos[m] == i)
                x = in->mlabel[m++];
            else
                x = -100;
        }
        if (i && (rc = mm_buf_putc(b, ',')) != MM_OK)
            break;
        rc = export_json_int(b, x);
    }
    if (rc == MM_OK)
        rc = mm_buf_putc(b, ']');
    return rc;
}

mm_rc export_jsonl_encode(const struct export_instance *in, const struct export_params *p,
                          const struct export_vocab *v, struct mm_buf *out) {
    size_t L = (size_t)p->max_seq_length;
    int64_t pad = v->pad >= 0 ? v->pad : 0;
    mm_rc rc = mm_buf_putc(out, '{');
    if (rc == MM_OK) rc = put_array(out, "input_ids", F_IDS, in, L, pad);
    if (rc == MM_OK) rc = mm_buf_putc(out, ',');
    if (rc == MM_OK) rc = put_array(out, "token_type_ids", F_TYPES, in, L, pad);
    if (rc == MM_OK) rc = mm_buf_putc(out, ',');
    if (rc == MM_OK) rc = put_array(out, "attention_mask", F_MASK, in, L, pad);
    if (rc == MM_OK) rc = mm_buf_putc(out, ',');
    if (rc == MM_OK) rc = put_array(out, "labels", F_LABELS, in, L, pad);
    if (rc == MM_OK) rc = mm_buf_printf(out, ",\"next_sentence_label\":%d}\n", in->random_next ? 1 : 0);
    return rc;
}
