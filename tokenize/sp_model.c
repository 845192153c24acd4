/*
 * sp_model.c -- reads a SentencePiece `.model` file: the protobuf wire
 * format of sentencepiece_model.proto (ModelProto: pieces, trainer_spec,
 * normalizer_spec) decoded by hand, then the piece bookkeeping of
 * sentencepiece's model_interface.cc / unigram_model.cc (v0.1.97).
 */
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenize_int.h"

struct pb {
    const unsigned char *p, *end;
};

/* Read a varint; 0 on success, -1 when truncated or longer than 10 bytes. */
static int pb_varint(struct pb *b, uint64_t *out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (b->p >= b->end)
            return -1;
        unsigned c = *b->p++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

/* Read one field header and, for length-delimited fields, its payload.
 * Returns 0 (ok), 1 (end of message), -1 (malformed). */
static int pb_field(struct pb *b, uint32_t *field, int *wire, uint64_t *v, struct pb *sub) {
    if (b->p >= b->end)
        return 1;
    uint64_t tag;
    if (pb_varint(b, &tag) < 0)
        return -1;
    *field = (uint32_t)(tag >> 3);
    *wire = (int)(tag & 7);
    switch (*wire) {
    case 0:
        return pb_varint(b, v);
    case 1:
        if (b->end - b->p < 8)
            return -1;
        *v = 0;
        for (int i = 0; i < 8; i++)
            *v |= (uint64_t)b->p[i] << (8 * i);
        b->p += 8;
        return 0;
    case 2: {
        uint64_t n;
        if (pb_varint(b, &n) < 0 || n > (uint64_t)(b->end - b->p))
            return -1;
        sub->p = b->p;
        sub->end = b->p + n;
        b->p += n;
        return 0;
    }
    case 5:
        if (b->end - b->p < 4)
            return -1;
        *v = (uint64_t)b->p[0] | (uint64_t)b->p[1] << 8 | (uint64_t)b->p[2] << 16 |
             (uint64_t)b->p[3] << 24;
        b->p += 4;
        return 0;
    default:
        return -1; /* groups (3, 4) are not used by this proto */
    }
}

static float f32_of(uint64_t v) {
    uint32_t u = (uint32_t)v;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

#define BAD(...) mm_err_set(err, MM_EMODEL, __VA_ARGS__)

static mm_rc parse_trainer(struct tok_sp *sp, struct pb b, const char *path, struct mm_err *err) {
    uint32_t f;
    int w, r;
    uint64_t v;
    struct pb sub;
    while ((r = pb_field(&b, &f, &w, &v, &sub)) == 0) {
        if (w != 0)
            continue;
        switch (f) {
        case 3: sp->model_type = (int)v; break;
        case 24: sp->treat_ws_suffix = v != 0; break;
        case 35: sp->byte_fallback = v != 0; break;
        case 41: sp->bos_id = (int32_t)v; break;
        case 42: sp->eos_id = (int32_t)v; break;
        case 43: sp->pad_id = (int32_t)v; break;
        default: break;
        }
    }
    if (r < 0)
        return BAD("%s: corrupt trainer_spec in the SentencePiece model; re-download the file", path);
    return MM_OK;
}

static mm_rc parse_normalizer(struct tok_sp *sp, struct pb b, const char *path,
                              struct mm_err *err) {
    uint32_t f;
    int w, r;
    uint64_t v;
    struct pb sub;
    while ((r = pb_field(&b, &f, &w, &v, &sub)) == 0) {
        if (f == 1 && w == 2) {
            size_t n = (size_t)(sub.end - sub.p);
            if (n >= sizeof sp->norm_name)
                n = sizeof sp->norm_name - 1;
            memcpy(sp->norm_name, sub.p, n);
            sp->norm_name[n] = 0;
        } else if (f == 2 && w == 2) {
            size_t n = (size_t)(sub.end - sub.p);
            if (n == 0)
                continue;
            if (n < 4)
                return BAD("%s: precompiled_charsmap is %zu bytes, too short; the model is corrupt",
                           path, n);
            uint32_t tsize = (uint32_t)sub.p[0] | (uint32_t)sub.p[1] << 8 |
                             (uint32_t)sub.p[2] << 16 | (uint32_t)sub.p[3] << 24;
            /* sentencepiece rejects trie_size >= blob size */
            if ((uint64_t)tsize + 4 > n || tsize % 4 != 0 || tsize == 0)
                return BAD("%s: precompiled_charsmap trie size %u does not fit its %zu-byte blob; "
                           "the model is corrupt", path, tsize, n);
            free(sp->units);
            free(sp->repl);
            sp->nunits = tsize / 4;
            sp->units = malloc(tsize);
            sp->repl_len = n - 4 - tsize;
            sp->repl = malloc(sp->repl_len + 1);
            if (!sp->units || !sp->repl)
                return mm_err_set(err, MM_ENOMEM, "%s: out of memory reading the charsmap", path);
            const unsigned char *q = sub.p + 4;
            for (size_t i = 0; i < sp->nunits; i++)
                sp->units[i] = (uint32_t)q[4 * i] | (uint32_t)q[4 * i + 1] << 8 |
                               (uint32_t)q[4 * i + 2] << 16 | (uint32_t)q[4 * i + 3] << 24;
            memcpy(sp->repl, q + tsize, sp->repl_len);
            sp->repl[sp->repl_len] = 0;
        } else if (w == 0) {
            if (f == 3) sp->add_dummy_prefix = v != 0;
            else if (f == 4) sp->remove_extra_ws = v != 0;
            else if (f == 5) sp->escape_ws = v != 0;
        }
    }
    if (r < 0)
        return BAD("%s: corrupt normalizer_spec in the SentencePiece model; re-download the file",
                   path);
    return MM_OK;
}

/* The character-level piece trie (see struct tok_sp). Pieces that are not
 * valid UTF-8 can never match valid text at character boundaries, so
 * leaving them out changes nothing. Too many distinct characters (over
 * 65535) leaves nlabels at 0 and the byte path in use. */
static mm_rc build_chars(struct tok_sp *sp) {
    size_t total = 0;
    for (uint32_t i = 0; i < sp->npieces; i++)
        total += sp->str_len[i];
    mm_rc rc = MM_ENOMEM;
    uint32_t *labels = malloc((total + 1) * sizeof *labels);
    uint32_t *starts = malloc(((size_t)sp->npieces + 1) * sizeof *starts);
    uint32_t *lens = malloc(((size_t)sp->npieces + 1) * sizeof *lens);
    int32_t *values = malloc(((size_t)sp->npieces + 1) * sizeof *values);
    uint32_t npages = 1, cap_pages = 16, nlabels = 0, n = 0, pos = 0;
    sp->cp_labels = calloc((size_t)cap_pages * 256, sizeof *sp->cp_labels);
    if (!labels || !starts || !lens || !values || !sp->cp_labels)
        goto out;
    memset(sp->cp_page, 0, sizeof sp->cp_page);
    for (uint32_t i = 0; i < sp->npieces; i++) {
        if (sp->type[i] != SP_NORMAL && sp->type[i] != SP_USER_DEFINED)
            continue;
        const unsigned char *s = (const unsigned char *)sp->strs + sp->str_off[i];
        size_t len = sp->str_len[i], k = 0;
        uint32_t start = pos;
        while (k < len) {
            uint32_t cp;
            int l = mm_utf8_decode(s + k, len - k, &cp);
            if (l == 0)
                break;
            k += (size_t)l;
            uint32_t pg = cp >> 8;
            if (!sp->cp_page[pg]) {
                if (npages == 65535)
                    goto too_many;
                if (npages == cap_pages) {
                    uint16_t *np = realloc(sp->cp_labels, (size_t)cap_pages * 2 * 256 * sizeof *np);
                    if (!np)
                        goto out;
                    memset(np + (size_t)cap_pages * 256, 0, (size_t)cap_pages * 256 * sizeof *np);
                    sp->cp_labels = np;
                    cap_pages *= 2;
                }
                sp->cp_page[pg] = (uint16_t)npages++;
            }
            uint16_t *lab = &sp->cp_labels[(size_t)sp->cp_page[pg] * 256 + (cp & 255)];
            if (!*lab) {
                if (nlabels == 65535)
                    goto too_many;
                *lab = (uint16_t)++nlabels;
            }
            labels[pos++] = *lab;
        }
        if (k < len) { /* not valid UTF-8: skip the piece */
            pos = start;
            continue;
        }
        starts[n] = start;
        lens[n] = pos - start;
        values[n] = (int32_t)i;
        n++;
    }
    rc = tok_trie_build_seqs(&sp->chars, labels, starts, lens, values, n, nlabels);
    if (rc == MM_OK)
        sp->nlabels = nlabels;
    goto out;
too_many:
    rc = MM_OK;
    sp->nlabels = 0;
out:
    free(labels);
    free(starts);
    free(lens);
    free(values);
    return rc;
}

mm_rc tok_sp_load(struct tok_sp *sp, const unsigned char *data, size_t n, const char *path,
                  struct mm_err *err) {
    memset(sp, 0, sizeof *sp);
    /* proto2 defaults */
    sp->unk_id = -1;
    sp->bos_id = 1;
    sp->eos_id = 2;
    sp->pad_id = -1;
    sp->model_type = 1;
    sp->add_dummy_prefix = sp->remove_extra_ws = sp->escape_ws = 1;
    for (int i = 0; i < 256; i++)
        sp->byte_id[i] = -1;

    /* Pass 1: count pieces and their bytes, read the specs. */
    struct pb b = {data, data + n};
    uint32_t f;
    int w, r;
    uint64_t v;
    struct pb sub;
    size_t npieces = 0, strbytes = 0;
    int seen_norm = 0;
    while ((r = pb_field(&b, &f, &w, &v, &sub)) == 0) {
        if (f == 1 && w == 2) {
            npieces++;
            strbytes += (size_t)(sub.end - sub.p) + 1;
        } else if (f == 2 && w == 2) {
            mm_rc rc = parse_trainer(sp, sub, path, err);
            if (rc)
                return rc;
        } else if (f == 3 && w == 2) {
            mm_rc rc = parse_normalizer(sp, sub, path, err);
            if (rc)
                return rc;
            seen_norm = 1;
        }
    }
    if (r < 0)
        return BAD("%s: not a SentencePiece model (protobuf structure is broken or the file is "
                   "truncated); give a .model file from spm_train", path);
    if (npieces == 0)
        return BAD("%s: no pieces; not a SentencePiece model (is it a vocab.txt or a "
                   "tokenizer.json?)", path);
    if (npieces > (1u << 22))
        return BAD("%s: %zu pieces, more than the 4194304 this reader accepts", path, npieces);
    (void)seen_norm;
    if (sp->model_type != 1)
        return BAD("%s: SentencePiece model type %d is not supported; only unigram (1) models "
                   "are (KoBERT is unigram)", path, sp->model_type);

    sp->npieces = (uint32_t)npieces;
    sp->strs = malloc(strbytes);
    sp->str_off = malloc(npieces * sizeof *sp->str_off);
    sp->str_len = malloc(npieces * sizeof *sp->str_len);
    sp->score = malloc(npieces * sizeof *sp->score);
    sp->vscore = malloc(npieces * sizeof *sp->vscore);
    sp->type = malloc(npieces);
    sp->special = calloc(npieces, 1);
    if (!sp->strs || !sp->str_off || !sp->str_len || !sp->score || !sp->vscore || !sp->type ||
        !sp->special)
        return mm_err_set(err, MM_ENOMEM, "%s: out of memory loading %zu pieces", path, npieces);

    /* Pass 2: the pieces. */
    b.p = data;
    size_t idx = 0, off = 0;
    while (pb_field(&b, &f, &w, &v, &sub) == 0) {
        if (!(f == 1 && w == 2))
            continue;
        struct pb pc = sub;
        uint32_t pf;
        int pw, pr;
        uint64_t pv;
        struct pb ps;
        const unsigned char *str = NULL;
        size_t slen = 0;
        float score = 0.0f;
        int type = SP_NORMAL;
        while ((pr = pb_field(&pc, &pf, &pw, &pv, &ps)) == 0) {
            if (pf == 1 && pw == 2) {
                str = ps.p;
                slen = (size_t)(ps.end - ps.p);
            } else if (pf == 2 && pw == 5) {
                score = f32_of(pv);
            } else if (pf == 3 && pw == 0) {
                type = (int)pv;
            }
        }
        if (pr < 0)
            return BAD("%s: piece %zu is corrupt; re-download the model", path, idx);
        if (slen == 0)
            return BAD("%s: piece %zu is empty; the model is corrupt", path, idx);
        if (type < SP_NORMAL || type > SP_BYTE)
            return BAD("%s: piece %zu has unknown type %d; the model is corrupt", path, idx, type);
        sp->str_off[idx] = (uint32_t)off;
        sp->str_len[idx] = (uint32_t)slen;
        memcpy(sp->strs + off, str, slen);
        sp->strs[off + slen] = 0;
        off += slen + 1;
        sp->score[idx] = score;
        sp->type[idx] = (uint8_t)type;
        idx++;
    }

    /* Bookkeeping as sentencepiece's InitializePieces. */
    sp->min_score = FLT_MAX;
    sp->max_score = FLT_MIN;
    for (uint32_t i = 0; i < sp->npieces; i++) {
        if (sp->type[i] == SP_NORMAL) {
            if (sp->score[i] < sp->min_score) sp->min_score = sp->score[i];
            if (sp->score[i] > sp->max_score) sp->max_score = sp->score[i];
        }
    }
    /* Duplicate piece strings are an error (as in sentencepiece). */
    uint32_t hcap = 16;
    while (hcap < sp->npieces * 2u)
        hcap *= 2;
    uint32_t *slot = calloc(hcap, sizeof *slot);
    const char **keys = malloc(((size_t)sp->npieces + 1) * sizeof *keys);
    uint32_t *klen = malloc(((size_t)sp->npieces + 1) * sizeof *klen);
    int32_t *kval = malloc(((size_t)sp->npieces + 1) * sizeof *kval);
    mm_rc rc = MM_OK;
    uint32_t nkeys = 0, nuser = 0;
    if (!slot || !keys || !klen || !kval) {
        rc = mm_err_set(err, MM_ENOMEM, "%s: out of memory building the piece trie", path);
        goto done;
    }
    for (uint32_t i = 0; i < sp->npieces; i++) {
        const char *s = sp->strs + sp->str_off[i];
        size_t len = sp->str_len[i];
        uint32_t h = (uint32_t)mm_hash64(s, len, 0) & (hcap - 1);
        while (slot[h]) {
            uint32_t j = slot[h] - 1;
            if (sp->str_len[j] == len && memcmp(sp->strs + sp->str_off[j], s, len) == 0) {
                rc = BAD("%s: piece %u \"%.40s\" is a duplicate of piece %u; the model is corrupt",
                         path, i, s, j);
                goto done;
            }
            h = (h + 1) & (hcap - 1);
        }
        slot[h] = i + 1;
        int t = sp->type[i];
        if (t == SP_UNKNOWN) {
            if (sp->unk_id >= 0) {
                rc = BAD("%s: more than one unknown piece (%d and %u); the model is corrupt",
                         path, sp->unk_id, i);
                goto done;
            }
            sp->unk_id = (int32_t)i;
        } else if (t == SP_BYTE) {
            unsigned x;
            char tail;
            if (len == 6 && sscanf(s, "<0x%2X%c", &x, &tail) == 2 && tail == '>' && x < 256)
                sp->byte_id[x] = (int32_t)i;
        }
        if (t == SP_USER_DEFINED) {
            /* "length * max_score_ - 0.1": float product, double difference */
            sp->vscore[i] = (double)((float)len * sp->max_score) - 0.1;
            sp->has_user = 1;
            nuser++;
        } else if (t == SP_NORMAL) {
            sp->vscore[i] = (double)sp->score[i];
        } else {
            sp->vscore[i] = 0.0;
            continue;
        }
        keys[nkeys] = s;
        klen[nkeys] = (uint32_t)len;
        kval[nkeys++] = (int32_t)i;
    }
    /* the byte-level tries: all matchable pieces, and user-defined ones */
    if (tok_trie_build_bytes(&sp->pieces, keys, klen, kval, nkeys) != MM_OK) {
        rc = mm_err_set(err, MM_ENOMEM, "%s: out of memory building the piece trie", path);
        goto done;
    }
    uint32_t u = 0;
    for (uint32_t k = 0; k < nkeys; k++) {
        if (sp->type[kval[k]] == SP_USER_DEFINED) {
            keys[u] = keys[k];
            klen[u] = klen[k];
            kval[u++] = kval[k];
        }
    }
    if (tok_trie_build_bytes(&sp->user, keys, klen, kval, nuser) != MM_OK)
        rc = mm_err_set(err, MM_ENOMEM, "%s: out of memory building the piece trie", path);
done:
    free(slot);
    free(keys);
    free(klen);
    free(kval);
    if (rc)
        return rc;
    tok_sp_build_pass(sp);
    if (build_chars(sp) != MM_OK)
        return mm_err_set(err, MM_ENOMEM, "%s: out of memory building the piece trie", path);
    if (sp->unk_id < 0)
        return BAD("%s: the model has no unknown piece (<unk>); it is corrupt or not a "
                   "SentencePiece model", path);
    if (sp->byte_fallback) {
        for (int i = 0; i < 256; i++)
            if (sp->byte_id[i] < 0)
                return BAD("%s: byte_fallback is on but piece <0x%02X> is missing; the model is "
                           "corrupt", path, i);
    }
    return MM_OK;
}

void tok_sp_free(struct tok_sp *sp) {
    if (!sp)
        return;
    free(sp->strs);
    free(sp->str_off);
    free(sp->str_len);
    free(sp->score);
    free(sp->vscore);
    free(sp->type);
    free(sp->special);
    free(sp->units);
    free(sp->repl);
    free(sp->cp_labels);
    tok_trie_free(&sp->chars);
    tok_trie_free(&sp->pieces);
    tok_trie_free(&sp->user);
    memset(sp, 0, sizeof *sp);
}
