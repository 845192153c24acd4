/*
 * tokenizer.c -- the public tokenizer handle: opening a .model, a vocab.txt
 * or a Hugging Face model folder, the special ids, per-thread states, the
 * encoders (ids, reference-format lines) and the BERT input builder
 * ([CLS] A [SEP] B [SEP], run_classifier.py's _truncate_seq_pair, padding).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "tokenize_int.h"

struct tok_model {
    enum tok_kind kind;
    char name[40];
    char sha[65];
    struct tok_specials spec;
    int32_t nvocab;
    /* SentencePiece */
    struct tok_sp sp;
    int32_t *sp_map; /* .model + vocab.txt route: SentencePiece id -> vocab id */
    /* the vocab.txt (WordPiece, or the SentencePiece map route) */
    char *vstrs;        /* tokens, NUL-terminated, one after the other */
    uint32_t *voff;     /* nvocab offsets into vstrs */
    struct tok_trie vtrie; /* token -> id (map route) */
    int has_vtrie;
    struct tok_wp wp;
    struct tok_hf *hf; /* tokenizer.json */
};

/* ---- state ---- */

mm_rc tok_state_reserve(void **p, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap)
        return MM_OK;
    size_t ncap = *cap ? *cap : 64;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2 / elem)
            return MM_ENOMEM;
        ncap *= 2;
    }
    void *q = realloc(*p, ncap * elem);
    if (!q)
        return MM_ENOMEM;
    *p = q;
    *cap = ncap;
    return MM_OK;
}

mm_rc tok_push_id(struct tok_state *st, int32_t id) {
    if (st->ids_len == st->ids_cap &&
        tok_state_reserve((void **)&st->ids, &st->ids_cap, st->ids_len + 1, sizeof(int32_t)))
        return MM_ENOMEM;
    st->ids[st->ids_len++] = id;
    return MM_OK;
}

struct tok_state *tok_state_new(void) {
    return calloc(1, sizeof(struct tok_state));
}

void tok_state_free(struct tok_state *st) {
    if (!st)
        return;
    free(st->norm);
    free(st->best);
    free(st->spans);
    free(st->ids);
    free(st->coff);
    free(st->clab);
    free(st->wbuf);
    free(st->hf_text);
    for (int i = 0; i < 2; i++) {
        free(st->hf_n[i]);
        free(st->hf_w[i]);
        free(st->hf_words[i]);
    }
    free(st->hf_segs);
    free(st->hf_nsegs);
    free(st->hf_vals);
    free(st->hf_vbuf);
    free(st->hf_syms);
    free(st->hf_heap);
    free(st->hf_uni);
    free(st->hf_useg);
    free(st->hf_cache);
    free(st->hf_ckeys);
    free(st->hf_cids);
    free(st);
}

/* ---- opening ---- */

void tok_close(struct tok_model *m) {
    if (!m)
        return;
    tok_sp_free(&m->sp);
    free(m->sp_map);
    free(m->vstrs);
    free(m->voff);
    if (m->has_vtrie)
        tok_trie_free(&m->vtrie);
    tok_trie_free(&m->wp.first);
    tok_trie_free(&m->wp.cont);
    tok_hf_free(m->hf);
    free(m);
}

static int ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int32_t vocab_find(const struct tok_model *m, const char *s) {
    for (int32_t i = 0; i < m->nvocab; i++)
        if (strcmp(m->vstrs + m->voff[i], s) == 0)
            return i;
    return -1;
}

/* Load a vocab.txt into m->vstrs/voff/nvocab (id = line number). */
static mm_rc load_vocab(struct tok_model *m, const char *path, char sha[65], struct mm_err *err) {
    struct mm_buf b;
    mm_buf_init(&b, TOK_MAX_MODEL_BYTES);
    mm_rc rc = mm_read_file(path, TOK_MAX_MODEL_BYTES, &b, err);
    if (rc) {
        mm_buf_free(&b);
        return rc;
    }
    if (sha)
        mm_sha256_hex(b.data ? b.data : "", b.len, sha);
    size_t bad;
    if (b.len == 0) {
        mm_buf_free(&b);
        return mm_err_set(err, MM_EMODEL, "%s: empty file; expected a vocab.txt (one token a line)",
                          path);
    }
    if (memchr(b.data, 0, b.len) || !mm_utf8_valid(b.data, b.len, &bad)) {
        mm_buf_free(&b);
        return mm_err_set(err, MM_EMODEL,
                          "%s: binary data, not a vocab.txt (one UTF-8 token a line); for a "
                          "SentencePiece file use --model FILE.model", path);
    }
    size_t lines = 0;
    for (size_t i = 0; i < b.len; i++)
        lines += b.data[i] == '\n';
    if (b.data[b.len - 1] != '\n')
        lines++; /* no final newline (KoELECTRA's vocab) */
    if (lines > (1u << 24)) {
        mm_buf_free(&b);
        return mm_err_set(err, MM_EMODEL, "%s: %zu lines, more than a vocab.txt may have", path,
                          lines);
    }
    m->voff = malloc(lines * sizeof *m->voff);
    if (!m->voff) {
        mm_buf_free(&b);
        return mm_err_set(err, MM_ENOMEM, "%s: out of memory", path);
    }
    size_t start = 0;
    int32_t n = 0;
    for (size_t i = 0; i <= b.len; i++) {
        if (i == b.len && start == b.len)
            break;
        if (i == b.len || b.data[i] == '\n') {
            b.data[i] = 0; /* data is NUL-terminated at len, so i == len is fine */
            m->voff[n++] = (uint32_t)start;
            start = i + 1;
        }
    }
    m->nvocab = n;
    m->vstrs = mm_buf_steal(&b);
    if (!m->vstrs)
        return mm_err_set(err, MM_ENOMEM, "%s: out of memory", path);
    return MM_OK;
}

/* A trie of the vocab's tokens -> line number; with `cont`, only the
 * "##" tokens, stored without the "##". */
static mm_rc build_vocab_trie(const struct tok_model *m, struct tok_trie *t, int cont) {
    const char **keys = malloc(((size_t)m->nvocab + 1) * sizeof *keys);
    uint32_t *lens = malloc(((size_t)m->nvocab + 1) * sizeof *lens);
    int32_t *vals = malloc(((size_t)m->nvocab + 1) * sizeof *vals);
    mm_rc rc = MM_ENOMEM;
    if (keys && lens && vals) {
        uint32_t n = 0;
        for (int32_t i = 0; i < m->nvocab; i++) {
            const char *s = m->vstrs + m->voff[i];
            size_t len = strlen(s);
            if (cont) {
                if (len <= 2 || s[0] != '#' || s[1] != '#')
                    continue;
                s += 2;
                len -= 2;
            }
            keys[n] = s;
            lens[n] = (uint32_t)len;
            vals[n++] = i;
        }
        rc = tok_trie_build_bytes(t, keys, lens, vals, n);
    }
    free(keys);
    free(lens);
    free(vals);
    return rc;
}

static struct tok_model *model_new(void) {
    struct tok_model *m = calloc(1, sizeof *m);
    if (m)
        m->spec.unk = m->spec.pad = m->spec.cls = m->spec.sep = m->spec.mask = -1;
    return m;
}

static int32_t sp_find(const struct tok_sp *sp, const char *s) {
    for (uint32_t i = 0; i < sp->npieces; i++)
        if (strcmp(sp->strs + sp->str_off[i], s) == 0)
            return (int32_t)i;
    return -1;
}

static int is_kobert_layout(const char *const tok[5]) {
    static const char *const want[5] = {"[UNK]", "[PAD]", "[CLS]", "[SEP]", "[MASK]"};
    for (int i = 0; i < 5; i++)
        if (!tok[i] || strcmp(tok[i], want[i]) != 0)
            return 0;
    return 1;
}

mm_rc tok_open_sp(const char *model_path, const char *vocab_path, struct tok_model **out,
                  struct mm_err *err) {
    *out = NULL;
    struct stat stt;
    if (stat(model_path, &stt) == 0 && S_ISDIR(stt.st_mode))
        return mm_err_set(err, MM_EMODEL, "%s: is a folder; give the .model file inside it",
                          model_path);
    struct tok_model *m = model_new();
    if (!m)
        return mm_err_set(err, MM_ENOMEM, "%s: out of memory", model_path);
    m->kind = TOK_SENTENCEPIECE;
    struct mm_buf b;
    mm_buf_init(&b, TOK_MAX_MODEL_BYTES);
    mm_rc rc = mm_read_file(model_path, TOK_MAX_MODEL_BYTES, &b, err);
    if (rc)
        goto fail;
    mm_sha256_hex(b.data ? b.data : "", b.len, m->sha);
    if (b.len == 0) {
        rc = mm_err_set(err, MM_EMODEL, "%s: empty file; expected a SentencePiece .model",
                        model_path);
        goto fail;
    }
    if (b.data[0] == '{') {
        rc = mm_err_set(err, MM_EMODEL, "%s: a JSON file (tokenizer.json?), not a SentencePiece "
                        ".model; give spiece.model or a vocab.txt", model_path);
        goto fail;
    }
    rc = tok_sp_load(&m->sp, (const unsigned char *)b.data, b.len, model_path, err);
    mm_buf_free(&b);
    if (rc)
        goto fail;
    struct tok_sp *sp = &m->sp;
    const char *first5[5] = {0};
    if (vocab_path) {
        rc = load_vocab(m, vocab_path, NULL, err);
        if (rc)
            goto fail;
        m->spec.unk = vocab_find(m, "[UNK]");
        if (m->spec.unk < 0) {
            rc = mm_err_set(err, MM_EMODEL, "%s: no [UNK] token; not a BERT vocab.txt",
                            vocab_path);
            goto fail;
        }
        m->spec.pad = vocab_find(m, "[PAD]");
        m->spec.cls = vocab_find(m, "[CLS]");
        m->spec.sep = vocab_find(m, "[SEP]");
        m->spec.mask = vocab_find(m, "[MASK]");
        if (build_vocab_trie(m, &m->vtrie, 0) != MM_OK) {
            rc = mm_err_set(err, MM_ENOMEM, "%s: out of memory", vocab_path);
            goto fail;
        }
        m->has_vtrie = 1;
        m->sp_map = malloc(sp->npieces * sizeof *m->sp_map);
        if (!m->sp_map) {
            rc = mm_err_set(err, MM_ENOMEM, "%s: out of memory", vocab_path);
            goto fail;
        }
        for (uint32_t i = 0; i < sp->npieces; i++) {
            int32_t v = tok_trie_get(&m->vtrie, sp->strs + sp->str_off[i], sp->str_len[i]);
            m->sp_map[i] = v >= 0 ? v : m->spec.unk;
        }
        m->sp_map[sp->unk_id] = m->spec.unk;
        for (int i = 0; i < 5 && i < m->nvocab; i++)
            first5[i] = m->vstrs + m->voff[i];
    } else {
        m->nvocab = (int32_t)sp->npieces;
        m->spec.unk = sp->unk_id;
        m->spec.pad = sp_find(sp, "[PAD]");
        if (m->spec.pad < 0 && sp->pad_id >= 0 && (uint32_t)sp->pad_id < sp->npieces)
            m->spec.pad = sp->pad_id;
        m->spec.cls = sp_find(sp, "[CLS]");
        if (m->spec.cls < 0 && sp->bos_id >= 0 && (uint32_t)sp->bos_id < sp->npieces)
            m->spec.cls = sp->bos_id;
        m->spec.sep = sp_find(sp, "[SEP]");
        if (m->spec.sep < 0 && sp->eos_id >= 0 && (uint32_t)sp->eos_id < sp->npieces)
            m->spec.sep = sp->eos_id;
        m->spec.mask = sp_find(sp, "[MASK]");
        int32_t sids[5] = {m->spec.unk, m->spec.pad, m->spec.cls, m->spec.sep, m->spec.mask};
        for (int i = 0; i < 5; i++)
            if (sids[i] >= 0)
                sp->special[sids[i]] = 1;
        for (int i = 0; i < 5 && (uint32_t)i < sp->npieces; i++)
            first5[i] = sp->strs + sp->str_off[i];
    }
    snprintf(m->name, sizeof m->name, "%s",
             m->nvocab == 8002 && is_kobert_layout(first5) ? "kobert-spm" : "spm-unigram");
    *out = m;
    return MM_OK;
fail:
    mm_buf_free(&b);
    tok_close(m);
    return rc;
}

mm_rc tok_open_wordpiece(const char *vocab_path, int lowercase, struct tok_model **out,
                         struct mm_err *err) {
    *out = NULL;
    struct stat stt;
    if (stat(vocab_path, &stt) == 0 && S_ISDIR(stt.st_mode))
        return mm_err_set(err, MM_EMODEL, "%s: is a folder; give the vocab.txt inside it",
                          vocab_path);
    struct tok_model *m = model_new();
    if (!m)
        return mm_err_set(err, MM_ENOMEM, "%s: out of memory", vocab_path);
    m->kind = TOK_WORDPIECE;
    mm_rc rc = load_vocab(m, vocab_path, m->sha, err);
    if (rc)
        goto fail;
    struct tok_wp *wp = &m->wp;
    wp->lowercase = lowercase;
    wp->max_chars = 100;
    if (build_vocab_trie(m, &wp->first, 0) != MM_OK ||
        build_vocab_trie(m, &wp->cont, 1) != MM_OK) {
        rc = mm_err_set(err, MM_ENOMEM, "%s: out of memory", vocab_path);
        goto fail;
    }
    static const char *const names[5] = {"[UNK]", "[PAD]", "[CLS]", "[SEP]", "[MASK]"};
    int32_t ids[5];
    for (int i = 0; i < 5; i++) {
        ids[i] = tok_trie_get(&wp->first, names[i], strlen(names[i]));
        if (ids[i] >= 0) {
            wp->specials[wp->nspecial].s = m->vstrs + m->voff[ids[i]];
            wp->specials[wp->nspecial].n = strlen(names[i]);
            wp->specials[wp->nspecial].id = ids[i];
            wp->nspecial++;
        }
    }
    if (ids[0] < 0) {
        rc = mm_err_set(err, MM_EMODEL,
                        "%s: no [UNK] token; not a WordPiece vocab.txt (for a SentencePiece file "
                        "use --model)", vocab_path);
        goto fail;
    }
    m->spec.unk = wp->unk = ids[0];
    m->spec.pad = ids[1];
    m->spec.cls = ids[2];
    m->spec.sep = ids[3];
    m->spec.mask = ids[4];
    snprintf(m->name, sizeof m->name, "%s%s",
             m->nvocab == 119547 ? "mbert-wordpiece" : "wordpiece", lowercase ? "-uncased" : "");
    *out = m;
    return MM_OK;
fail:
    tok_close(m);
    return rc;
}

static int file_exists(const char *dir, const char *name, char *out, size_t cap) {
    snprintf(out, cap, "%s/%s", dir, name);
    struct stat stt;
    return stat(out, &stt) == 0 && S_ISREG(stt.st_mode);
}

/* Open a Hugging Face tokenizer.json (also KoBART's model.json). */
static mm_rc open_hf(const char *path, struct tok_model **out, struct mm_err *err) {
    struct tok_model *m = model_new();
    if (!m)
        return mm_err_set(err, MM_ENOMEM, "%s: out of memory", path);
    m->kind = TOK_HF;
    struct mm_buf b;
    mm_buf_init(&b, TOK_MAX_MODEL_BYTES);
    mm_rc rc = mm_read_file(path, TOK_MAX_MODEL_BYTES, &b, err);
    if (rc == MM_OK) {
        mm_sha256_hex(b.data ? b.data : "", b.len, m->sha);
        rc = tok_hf_load(b.data ? b.data : "", b.len, path, &m->hf, err);
    }
    mm_buf_free(&b);
    if (rc) {
        tok_close(m);
        return rc;
    }
    m->spec = tok_hf_specials(m->hf);
    m->nvocab = tok_hf_vocab_size(m->hf);
    snprintf(m->name, sizeof m->name, "%s", tok_hf_kind_name(m->hf));
    *out = m;
    return MM_OK;
}

mm_rc tok_open(const char *path, struct tok_model **out, struct mm_err *err) {
    *out = NULL;
    struct stat stt;
    if (stat(path, &stt) != 0)
        return mm_err_set(err, MM_ENOTFOUND, "%s: no such tokenizer file or folder", path);
    if (!S_ISDIR(stt.st_mode)) {
        if (ends_with(path, ".txt"))
            return tok_open_wordpiece(path, 0, out, err);
        if (ends_with(path, ".json"))
            return open_hf(path, out, err);
        return tok_open_sp(path, NULL, out, err);
    }
    char a[4096], b[4096];
    if (file_exists(path, "tokenizer.json", a, sizeof a))
        return open_hf(a, out, err);
    if (file_exists(path, "spiece.model", a, sizeof a) ||
        file_exists(path, "sentencepiece.bpe.model", a, sizeof a))
        return tok_open_sp(a, NULL, out, err);
    if (file_exists(path, "tokenizer_78b3253a26.model", a, sizeof a) &&
        file_exists(path, "vocab.txt", b, sizeof b))
        return tok_open_sp(a, b, out, err);
    if (file_exists(path, "vocab.txt", b, sizeof b)) {
        int lower = 0;
        if (file_exists(path, "tokenizer_config.json", a, sizeof a)) {
            json_error_t je;
            json_t *j = json_load_file(a, 0, &je);
            if (!j)
                return mm_err_set(err, MM_EMODEL, "%s:%d: %s; fix or remove the file", a, je.line,
                                  je.text);
            json_t *v = json_object_get(j, "do_lower_case");
            lower = json_is_true(v);
            json_decref(j);
        }
        return tok_open_wordpiece(b, lower, out, err);
    }
    /* a sentence-transformers folder keeps its tokenizer in 0_Transformer/ */
    snprintf(a, sizeof a, "%s/0_Transformer", path);
    if (stat(a, &stt) == 0 && S_ISDIR(stt.st_mode))
        return tok_open(a, out, err);
    return mm_err_set(err, MM_ENOTFOUND,
                      "%s: folder has no tokenizer.json, spiece.model or vocab.txt; give a "
                      "tokenizer file", path);
}

/* ---- queries ---- */

enum tok_kind tok_kind(const struct tok_model *m) { return m->kind; }
const char *tok_name(const struct tok_model *m) { return m->name; }
const char *tok_sha256(const struct tok_model *m) { return m->sha; }
void tok_key(const struct tok_model *m, char *out, size_t n) { snprintf(out, n, "%s:%.8s", tok_name(m), m->sha); }
int32_t tok_vocab_size(const struct tok_model *m) { return m->nvocab; }
struct tok_specials tok_specials(const struct tok_model *m) { return m->spec; }

const char *tok_piece(const struct tok_model *m, int32_t id) {
    if (id < 0 || id >= m->nvocab)
        return NULL;
    if (m->hf)
        return tok_hf_piece(m->hf, id);
    if (m->vstrs)
        return m->vstrs + m->voff[id];
    return m->sp.strs + m->sp.str_off[id];
}

int tok_is_continuation(const struct tok_model *m, int32_t id) {
    const char *p = tok_piece(m, id);
    if (!p || id == m->spec.pad || id == m->spec.cls || id == m->spec.sep || id == m->spec.mask)
        return 0;
    if (m->kind == TOK_WORDPIECE)
        return p[0] == '#' && p[1] == '#';
    if (m->hf)
        return tok_hf_is_continuation(m->hf, id);
    if (id == m->spec.unk)
        return 1;
    return strncmp(p, "\xe2\x96\x81", 3) != 0;
}

/* ---- encoding ---- */

/* SentencePiece: normalize + Viterbi into st->spans. */
static mm_rc sp_run(const struct tok_model *m, struct tok_state *st, const char *text, size_t len,
                    int safe, size_t *nlen) {
    mm_rc rc = tok_sp_normalize(&m->sp, st, text, len, safe, nlen);
    if (rc == MM_OK)
        rc = tok_sp_viterbi(&m->sp, st, *nlen, safe);
    return rc;
}

/* The id of span k (the map route maps pieces through vocab.txt). */
static int32_t span_id(const struct tok_model *m, const struct tok_state *st, size_t k, int safe) {
    const struct tok_span *s = &st->spans[k];
    if (!m->sp_map)
        return s->id;
    if (s->id != m->sp.unk_id)
        return m->sp_map[s->id];
    /* monologg's route looks every piece up by its string, unknown
     * surfaces included */
    int32_t v = tok_trie_get(&m->vtrie, st->norm + s->start, s->end - s->start);
    if (v < 0 || (safe && (v == m->spec.pad || v == m->spec.cls || v == m->spec.sep ||
                           v == m->spec.mask)))
        return m->spec.unk;
    return v;
}

static mm_rc check_len(size_t len, struct mm_err *err) {
    if (len > TOK_MAX_TEXT_BYTES)
        return mm_err_set(err, MM_ELIMIT, "text of %zu bytes is over the %u-byte limit; split it",
                          len, TOK_MAX_TEXT_BYTES);
    return MM_OK;
}

mm_rc tok_encode(const struct tok_model *m, struct tok_state *st, const char *text, size_t len,
                 unsigned flags, const int32_t **ids, size_t *n, struct mm_err *err) {
    int safe = (flags & TOK_SAFE) != 0;
    mm_rc rc = check_len(len, err);
    if (rc)
        return rc;
    st->ids_len = 0;
    if (m->hf) {
        rc = tok_hf_encode(m->hf, st, text, len, safe);
    } else if (m->kind == TOK_WORDPIECE) {
        rc = tok_wp_encode(&m->wp, st, text, len, safe);
    } else {
        size_t nlen;
        rc = sp_run(m, st, text, len, safe, &nlen);
        if (rc == MM_OK) {
            size_t need = st->spans_len;
            if (m->sp.byte_fallback)
                for (size_t k = 0; k < st->spans_len; k++)
                    if (st->spans[k].id == m->sp.unk_id)
                        need += st->spans[k].end - st->spans[k].start;
            rc = tok_state_reserve((void **)&st->ids, &st->ids_cap, need, sizeof(int32_t));
        }
        if (rc == MM_OK) {
            for (size_t k = 0; k < st->spans_len; k++) {
                const struct tok_span *s = &st->spans[k];
                if (m->sp.byte_fallback && s->id == m->sp.unk_id) {
                    for (uint32_t i = s->start; i < s->end; i++) {
                        int32_t b = m->sp.byte_id[(unsigned char)st->norm[i]];
                        st->ids[st->ids_len++] = m->sp_map ? m->sp_map[b] : b;
                    }
                } else {
                    st->ids[st->ids_len++] = span_id(m, st, k, safe);
                }
            }
        }
    }
    if (rc)
        return mm_err_set(err, rc, "tokenizing a %zu-byte text: %s", len, mm_strerror(rc));
    *ids = st->ids;
    *n = st->ids_len;
    return MM_OK;
}

mm_rc tok_encode_line(const struct tok_model *m, struct tok_state *st, const char *text,
                      size_t len, unsigned flags, int as_ids, struct mm_buf *out,
                      struct mm_err *err) {
    int safe = (flags & TOK_SAFE) != 0;
    mm_rc rc = MM_OK;
    if (m->hf && !as_ids) {
        const int32_t *ids;
        size_t n;
        rc = tok_encode(m, st, text, len, flags, &ids, &n, err);
        if (rc)
            return rc;
        for (size_t i = 0; i < n && rc == MM_OK; i++) {
            size_t tl;
            const char *t = tok_hf_token(m->hf, st, i, &tl);
            if (i)
                rc = mm_buf_putc(out, ' ');
            if (rc == MM_OK)
                rc = mm_buf_append(out, t, tl);
        }
    } else if (m->kind == TOK_WORDPIECE || as_ids) {
        const int32_t *ids;
        size_t n;
        rc = tok_encode(m, st, text, len, flags, &ids, &n, err);
        if (rc)
            return rc;
        if (as_ids) {
            /* at most 11 digits and sign plus a space per id */
            rc = mm_buf_reserve(out, n * 13 + 1);
            char *o = rc == MM_OK ? out->data + out->len : NULL;
            for (size_t i = 0; i < n && o; i++) {
                char tmp[16];
                int k = (int)sizeof tmp;
                int32_t id = ids[i];
                uint32_t v = id < 0 ? 0u - (uint32_t)id : (uint32_t)id;
                do {
                    tmp[--k] = (char)('0' + v % 10);
                    v /= 10;
                } while (v);
                if (id < 0)
                    tmp[--k] = '-';
                if (i)
                    *o++ = ' ';
                memcpy(o, tmp + k, sizeof tmp - (size_t)k);
                o += sizeof tmp - (size_t)k;
            }
            if (o) {
                out->len = (size_t)(o - out->data);
                out->data[out->len] = 0;
            }
            n = 0; /* done */
        }
        for (size_t i = 0; i < n && rc == MM_OK; i++) { /* WordPiece tokens */
            if (i)
                rc = mm_buf_putc(out, ' ');
            if (rc == MM_OK)
                rc = mm_buf_puts(out, tok_piece(m, ids[i]));
        }
    } else {
        if ((rc = check_len(len, err)))
            return rc;
        size_t nlen;
        rc = sp_run(m, st, text, len, safe, &nlen);
        for (size_t k = 0; k < st->spans_len && rc == MM_OK; k++) {
            const struct tok_span *s = &st->spans[k];
            if (k)
                rc = mm_buf_putc(out, ' ');
            if (rc)
                break;
            if (m->sp.byte_fallback && s->id == m->sp.unk_id) {
                for (uint32_t i = s->start; i < s->end && rc == MM_OK; i++) {
                    int32_t b = m->sp.byte_id[(unsigned char)st->norm[i]];
                    if (i > s->start)
                        rc = mm_buf_putc(out, ' ');
                    if (rc == MM_OK)
                        rc = mm_buf_append(out, m->sp.strs + m->sp.str_off[b], m->sp.str_len[b]);
                }
            } else {
                rc = mm_buf_append(out, st->norm + s->start, s->end - s->start);
            }
        }
    }
    if (rc)
        return mm_err_set(err, rc, "tokenizing a %zu-byte text: %s", len, mm_strerror(rc));
    return MM_OK;
}

/* ---- BERT inputs ---- */

void tok_encoding_init(struct tok_encoding *e) { memset(e, 0, sizeof *e); }

void tok_encoding_free(struct tok_encoding *e) {
    if (!e)
        return;
    free(e->input_ids);
    free(e->token_type_ids);
    free(e->attention_mask);
    memset(e, 0, sizeof *e);
}

static mm_rc enc_reserve(struct tok_encoding *e, size_t need) {
    if (need <= e->cap)
        return MM_OK;
    size_t ncap = e->cap ? e->cap : 64;
    while (ncap < need)
        ncap *= 2;
    int32_t *a = realloc(e->input_ids, ncap * sizeof *a);
    if (!a)
        return MM_ENOMEM;
    e->input_ids = a;
    int32_t *b = realloc(e->token_type_ids, ncap * sizeof *b);
    if (!b)
        return MM_ENOMEM;
    e->token_type_ids = b;
    int32_t *c = realloc(e->attention_mask, ncap * sizeof *c);
    if (!c)
        return MM_ENOMEM;
    e->attention_mask = c;
    e->cap = ncap;
    return MM_OK;
}

/* Record the token count, then pad on the right with the pad id to
 * max_len (type 0, mask 0) when asked. */
static void finish_inputs(const struct tok_model *m, struct tok_encoding *out, size_t n,
                          size_t max_len, int pad) {
    out->ntokens = n;
    if (pad && max_len > 0) {
        while (n < max_len) {
            out->input_ids[n] = m->spec.pad;
            out->token_type_ids[n] = 0;
            out->attention_mask[n++] = 0;
        }
    }
    out->len = n;
}

/* Drop the last token of the longer side (of b when equal) until la + lb
 * fit in room (run_classifier.py's _truncate_seq_pair). */
static void truncate_pair(size_t *la, size_t *lb, size_t room) {
    while (*la + *lb > room) {
        if (*la > *lb)
            (*la)--;
        else
            (*lb)--;
    }
}

/* tokenizer.json: the file's post-processor adds the special tokens. */
static mm_rc encode_hf_inputs(const struct tok_model *m, struct tok_state *st, const char *a,
                              size_t alen, const char *b, size_t blen, size_t max_len, int pad,
                              unsigned flags, struct tok_encoding *out, struct mm_err *err) {
    const int pair = b != NULL;
    size_t added = tok_hf_added_count(m->hf, pair);
    if (max_len > 0 && max_len < added + 1)
        return mm_err_set(err, MM_EINVAL, "max length %zu is too small (at least %zu)", max_len,
                          added + 1);
    if (pad && max_len > 0 && m->spec.pad < 0)
        return mm_err_set(err, MM_EINVAL, "tokenizer %s has no pad token; cannot pad", m->name);
    const int32_t *ids;
    size_t la, lb = 0;
    mm_rc rc = tok_encode(m, st, a, alen, flags, &ids, &la, err);
    if (rc)
        return rc;
    /* a's ids wait in attention_mask while b is encoded */
    if (enc_reserve(out, la + added + max_len + 1))
        goto oom;
    memcpy(out->attention_mask, ids, la * sizeof *ids);
    if (pair) {
        if ((rc = tok_encode(m, st, b, blen, flags, &ids, &lb, err)))
            return rc;
        if (enc_reserve(out, la + lb + added + max_len + 1))
            goto oom;
    }
    if (max_len > 0) {
        size_t room = max_len - added;
        if (!pair) {
            if (la > room)
                la = room;
        } else {
            truncate_pair(&la, &lb, room);
        }
    }
    size_t n = tok_hf_post(m->hf, out->attention_mask, la, pair ? ids : NULL, lb, out->input_ids,
                           out->token_type_ids);
    for (size_t i = 0; i < n; i++)
        out->attention_mask[i] = 1;
    finish_inputs(m, out, n, max_len, pad);
    return MM_OK;
oom:
    return mm_err_set(err, MM_ENOMEM, "out of memory building model inputs");
}

mm_rc tok_encode_bert(const struct tok_model *m, struct tok_state *st, const char *a,
                      size_t alen, const char *b, size_t blen, size_t max_len, int pad,
                      unsigned flags, struct tok_encoding *out, struct mm_err *err) {
    const int pair = b != NULL;
    if (m->hf)
        return encode_hf_inputs(m, st, a, alen, b, blen, max_len, pad, flags, out, err);
    if (m->spec.cls < 0 || m->spec.sep < 0)
        return mm_err_set(err, MM_EINVAL, "tokenizer %s has no [CLS]/[SEP] ids; it cannot build "
                          "BERT inputs", m->name);
    if (max_len > 0 && max_len < (size_t)(pair ? 3 : 2))
        return mm_err_set(err, MM_EINVAL, "max length %zu is too small (at least %d)", max_len,
                          pair ? 3 : 2);
    if (pad && max_len > 0 && m->spec.pad < 0)
        return mm_err_set(err, MM_EINVAL, "tokenizer %s has no [PAD] id; cannot pad", m->name);
    const int32_t *ids;
    size_t la, lb = 0;
    mm_rc rc = tok_encode(m, st, a, alen, flags, &ids, &la, err);
    if (rc)
        return rc;
    if ((rc = enc_reserve(out, la + 3 + max_len)))
        goto oom;
    memcpy(out->input_ids + 1, ids, la * sizeof *ids);
    if (pair) {
        if ((rc = tok_encode(m, st, b, blen, flags, &ids, &lb, err)))
            return rc;
        if ((rc = enc_reserve(out, la + lb + 3 + max_len)))
            goto oom;
    }
    if (max_len > 0) {
        size_t room = max_len - (pair ? 3 : 2);
        if (!pair) {
            if (la > room)
                la = room;
        } else {
            truncate_pair(&la, &lb, room);
        }
    }
    size_t n = 0;
    out->input_ids[n] = m->spec.cls;
    out->token_type_ids[n] = 0;
    out->attention_mask[n++] = 1;
    for (size_t i = 0; i < la; i++) {
        out->token_type_ids[n] = 0;
        out->attention_mask[n++] = 1;
    }
    out->input_ids[n] = m->spec.sep;
    out->token_type_ids[n] = 0;
    out->attention_mask[n++] = 1;
    if (pair) {
        memcpy(out->input_ids + n, ids, lb * sizeof *ids);
        for (size_t i = 0; i < lb; i++) {
            out->token_type_ids[n] = 1;
            out->attention_mask[n++] = 1;
        }
        out->input_ids[n] = m->spec.sep;
        out->token_type_ids[n] = 1;
        out->attention_mask[n++] = 1;
    }
    finish_inputs(m, out, n, max_len, pad);
    return MM_OK;
oom:
    return mm_err_set(err, MM_ENOMEM, "out of memory building BERT inputs");
}
