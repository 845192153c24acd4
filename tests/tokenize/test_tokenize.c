/*
 * test_tokenize.c -- unit tests of tokenize/ against fixtures made by the
 * reference libraries (sentencepiece 0.1.97 for KoBERT, Hugging Face
 * tokenizers for mBERT; see tests/data/tokenize/SOURCES.md): ids, pieces,
 * the .model + vocab.txt route, safe corpus mode, BERT inputs with
 * truncation and padding, model errors, and sharing a model between threads.
 */
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "tokenize.h"
#include "tokenize_int.h" /* the byte-level fallback path */

static char path_buf[4][1024];

static const char *src_path(int slot, const char *rel) {
    const char *s = getenv("MALMOI_SOURCE");
    snprintf(path_buf[slot], sizeof path_buf[slot], "%s/%s", s ? s : ".", rel);
    return path_buf[slot];
}

static const char *data_path(int slot, const char *rel) {
    snprintf(path_buf[slot], sizeof path_buf[slot], "%s/tokenize/%s", test_data_dir(), rel);
    return path_buf[slot];
}

static struct tok_model *open_or_die(const char *path) {
    struct mm_err err;
    mm_err_clear(&err);
    struct tok_model *m = NULL;
    if (tok_open(path, &m, &err) != MM_OK) {
        fprintf(stderr, "cannot open %s: %s\n", path, err.msg);
        exit(1);
    }
    return m;
}

/* Load a JSON Lines fixture; returns an array of objects. */
static json_t *load_jsonl(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(1);
    }
    json_t *arr = json_array();
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        json_error_t je;
        json_t *o = json_loadb(line, (size_t)n, 0, &je);
        if (!o) {
            fprintf(stderr, "%s: %s\n", path, je.text);
            exit(1);
        }
        json_array_append_new(arr, o);
    }
    free(line);
    fclose(f);
    return arr;
}

static int ids_equal(const int32_t *ids, size_t n, json_t *want) {
    if (json_array_size(want) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (json_integer_value(json_array_get(want, i)) != ids[i])
            return 0;
    return 1;
}

static void test_kobert_parity(void) {
    struct tok_model *m = open_or_die(src_path(0, "config/models/kobert/spiece.model"));
    struct tok_state *st = tok_state_new();
    json_t *cases = load_jsonl(data_path(1, "kobert/parity_cases.jsonl"));
    CHECK(json_array_size(cases) >= 17);
    struct mm_buf b;
    mm_buf_init(&b, 0);
    struct tok_encoding enc;
    tok_encoding_init(&enc);
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c) {
        const char *text = json_string_value(json_object_get(c, "text"));
        const int32_t *ids;
        size_t n;
        CHECK_INT(tok_encode(m, st, text, strlen(text), 0, &ids, &n, NULL), MM_OK);
        if (!ids_equal(ids, n, json_object_get(c, "ids"))) {
            fprintf(stderr, "ids differ on case %zu: %s\n", i, text);
            CHECK(0);
        }
        /* pieces as spm_encode prints them */
        mm_buf_reset(&b);
        CHECK_INT(tok_encode_line(m, st, text, strlen(text), 0, 0, &b, NULL), MM_OK);
        struct mm_buf want;
        mm_buf_init(&want, 0);
        json_t *p;
        size_t k;
        json_array_foreach(json_object_get(c, "pieces"), k, p) {
            if (k)
                mm_buf_putc(&want, ' ');
            mm_buf_puts(&want, json_string_value(p));
        }
        CHECK_STR(b.data ? b.data : "", want.data ? want.data : "");
        mm_buf_free(&want);
        /* [CLS] A [SEP] */
        CHECK_INT(tok_encode_bert(m, st, text, strlen(text), NULL, 0, 0, 0, 0, &enc, NULL), MM_OK);
        CHECK(ids_equal(enc.input_ids, enc.len, json_object_get(c, "input_ids")));
        /* safe corpus mode never yields a special id other than [UNK] */
        CHECK_INT(tok_encode(m, st, text, strlen(text), TOK_SAFE, &ids, &n, NULL), MM_OK);
        for (size_t j = 0; j < n; j++)
            CHECK(ids[j] == 0 || ids[j] > 4);
        /* ... and equals the old model's route, which has no special pieces */
        CHECK(ids_equal(ids, n, json_object_get(c, "legacy_78b3253a26_plus_vocab_txt_ids")));
        if (!json_is_true(json_object_get(c, "legacy_equal"))) {
            /* the line with literal [CLS]/[SEP]: parity mode keeps spm's ids 2 and 3 */
            CHECK_INT(tok_encode(m, st, text, strlen(text), 0, &ids, &n, NULL), MM_OK);
            int has_special = 0;
            for (size_t j = 0; j < n; j++)
                has_special |= ids[j] >= 1 && ids[j] <= 4;
            CHECK(has_special);
        }
    }
    json_decref(cases);
    mm_buf_free(&b);
    tok_encoding_free(&enc);
    tok_state_free(st);
    tok_close(m);
}

static void test_kobert_legacy_route(void) {
    struct mm_err err;
    mm_err_clear(&err);
    struct tok_model *m = NULL;
    CHECK_INT(tok_open_sp(data_path(0, "kobert/tokenizer_78b3253a26.model"),
                          data_path(1, "kobert/vocab.txt"), &m, &err), MM_OK);
    if (!m)
        return;
    CHECK_STR(tok_name(m), "kobert-spm");
    CHECK_INT(tok_vocab_size(m), 8002);
    struct tok_state *st = tok_state_new();
    json_t *cases = load_jsonl(data_path(2, "kobert/parity_cases.jsonl"));
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c) {
        const char *text = json_string_value(json_object_get(c, "text"));
        const int32_t *ids;
        size_t n;
        CHECK_INT(tok_encode(m, st, text, strlen(text), 0, &ids, &n, NULL), MM_OK);
        CHECK(ids_equal(ids, n, json_object_get(c, "legacy_78b3253a26_plus_vocab_txt_ids")));
    }
    json_decref(cases);
    tok_state_free(st);
    tok_close(m);
    /* a folder with these two files takes the same route */
    m = open_or_die(data_path(0, "kobert"));
    CHECK_STR(tok_name(m), "kobert-spm");
    CHECK_INT(tok_specials(m).cls, 2);
    tok_close(m);
}

static void test_kobert_metadata(void) {
    struct tok_model *m = open_or_die(src_path(0, "config/models/kobert"));
    CHECK_INT(tok_kind(m), TOK_SENTENCEPIECE);
    CHECK_STR(tok_name(m), "kobert-spm");
    CHECK_STR(tok_sha256(m), "17dc471055592d3cc9e0a5831e769246a8a001a4d27551c9ed79668173c7b407");
    CHECK_INT(tok_vocab_size(m), 8002);
    struct tok_specials s = tok_specials(m);
    CHECK_INT(s.unk, 0);
    CHECK_INT(s.pad, 1);
    CHECK_INT(s.cls, 2);
    CHECK_INT(s.sep, 3);
    CHECK_INT(s.mask, 4);
    CHECK_STR(tok_piece(m, 4958), "\xe2\x96\x81\xed\x95\x9c\xea\xb5\xad"); /* ▁한국 */
    CHECK_STR(tok_piece(m, 54), ".");
    CHECK_STR(tok_piece(m, 517), "\xe2\x96\x81");
    CHECK(tok_piece(m, 8002) == NULL);
    CHECK(tok_piece(m, -1) == NULL);
    CHECK_INT(tok_is_continuation(m, 4958), 0);
    CHECK_INT(tok_is_continuation(m, 6855), 1); /* 어 */
    CHECK_INT(tok_is_continuation(m, 2), 0);
    CHECK_INT(tok_is_continuation(m, 0), 1);
    tok_close(m);
}

/* Expected values below are written out by hand from the fixture ids:
 * A = 한국어 모델을 공유합니다. = 4958 6855 2046 7088 1050 7843 54 (7)
 * B = 서울특별시는 ... = 2726 7664 6705 5760 1683 7095 2874 7108 4527 1713 7100 54 (12) */
static void test_bert_inputs(void) {
    struct tok_model *m = open_or_die(src_path(0, "config/models/kobert/spiece.model"));
    struct tok_state *st = tok_state_new();
    struct tok_encoding e;
    tok_encoding_init(&e);
    const char *a = "한국어 모델을 공유합니다.";
    const char *b = "서울특별시는 대한민국의 수도이며 최대 도시이다.";
    /* pair, no limit */
    CHECK_INT(tok_encode_bert(m, st, a, strlen(a), b, strlen(b), 0, 0, 0, &e, NULL), MM_OK);
    static const int32_t full[] = {2, 4958, 6855, 2046, 7088, 1050, 7843, 54, 3, 2726, 7664,
                                   6705, 5760, 1683, 7095, 2874, 7108, 4527, 1713, 7100, 54, 3};
    CHECK_INT(e.len, 22);
    CHECK(e.len == 22 && memcmp(e.input_ids, full, sizeof full) == 0);
    for (size_t i = 0; i < e.len; i++) {
        CHECK_INT(e.token_type_ids[i], i < 9 ? 0 : 1);
        CHECK_INT(e.attention_mask[i], 1);
    }
    /* pair truncated to 12: room 9; (7,12) -> (7,7) -> (7,6) (6,6) (6,5) (5,5) (5,4) */
    CHECK_INT(tok_encode_bert(m, st, a, strlen(a), b, strlen(b), 12, 1, 0, &e, NULL), MM_OK);
    static const int32_t tr[] = {2, 4958, 6855, 2046, 7088, 1050, 3, 2726, 7664, 6705, 5760, 3};
    CHECK_INT(e.len, 12);
    CHECK_INT(e.ntokens, 12);
    CHECK(e.len == 12 && memcmp(e.input_ids, tr, sizeof tr) == 0);
    for (size_t i = 0; i < e.len; i++)
        CHECK_INT(e.token_type_ids[i], i < 7 ? 0 : 1);
    /* single, truncated to 5 */
    CHECK_INT(tok_encode_bert(m, st, a, strlen(a), NULL, 0, 5, 1, 0, &e, NULL), MM_OK);
    static const int32_t s5[] = {2, 4958, 6855, 2046, 3};
    CHECK(e.len == 5 && memcmp(e.input_ids, s5, sizeof s5) == 0);
    /* single, padded to 12 with [PAD] = 1, mask 0 */
    CHECK_INT(tok_encode_bert(m, st, a, strlen(a), NULL, 0, 12, 1, 0, &e, NULL), MM_OK);
    static const int32_t p12[] = {2, 4958, 6855, 2046, 7088, 1050, 7843, 54, 3, 1, 1, 1};
    CHECK(e.len == 12 && memcmp(e.input_ids, p12, sizeof p12) == 0);
    CHECK_INT(e.ntokens, 9);
    for (size_t i = 0; i < 12; i++) {
        CHECK_INT(e.attention_mask[i], i < 9 ? 1 : 0);
        CHECK_INT(e.token_type_ids[i], 0);
    }
    /* empty pair members still get their [SEP] */
    CHECK_INT(tok_encode_bert(m, st, "", 0, "", 0, 0, 0, 0, &e, NULL), MM_OK);
    static const int32_t empty[] = {2, 3, 3};
    CHECK(e.len == 3 && memcmp(e.input_ids, empty, sizeof empty) == 0);
    /* too small a limit */
    struct mm_err err;
    mm_err_clear(&err);
    CHECK_INT(tok_encode_bert(m, st, a, strlen(a), b, strlen(b), 2, 1, 0, &e, &err), MM_EINVAL);
    /* untrusted text: "[MASK]" in safe mode is text, inside [CLS] ... [SEP] */
    const char *evil = "[CLS] 가짜 [MASK] [SEP] [PAD]";
    CHECK_INT(tok_encode_bert(m, st, evil, strlen(evil), NULL, 0, 0, 0, TOK_SAFE, &e, NULL),
              MM_OK);
    CHECK_INT(e.input_ids[0], 2);
    CHECK_INT(e.input_ids[e.len - 1], 3);
    for (size_t i = 1; i + 1 < e.len; i++)
        CHECK(e.input_ids[i] == 0 || e.input_ids[i] > 4);
    tok_encoding_free(&e);
    tok_state_free(st);
    tok_close(m);
}

static void test_mbert_parity(void) {
    struct mm_err err;
    mm_err_clear(&err);
    struct tok_model *m = NULL;
    CHECK_INT(tok_open_wordpiece(data_path(0, "mbert/vocab.txt"), 0, &m, &err), MM_OK);
    if (!m)
        return;
    CHECK_STR(tok_name(m), "mbert-wordpiece");
    CHECK_INT(tok_kind(m), TOK_WORDPIECE);
    CHECK_INT(tok_vocab_size(m), 119547);
    struct tok_specials s = tok_specials(m);
    CHECK_INT(s.pad, 0);
    CHECK_INT(s.unk, 100);
    CHECK_INT(s.cls, 101);
    CHECK_INT(s.sep, 102);
    CHECK_INT(s.mask, 103);
    CHECK_STR(tok_piece(m, 12965), "##\xec\x96\xb4"); /* ##어 */
    CHECK_INT(tok_is_continuation(m, 12965), 1);
    CHECK_INT(tok_is_continuation(m, 48556), 0);
    struct tok_state *st = tok_state_new();
    struct tok_encoding e;
    tok_encoding_init(&e);
    json_t *cases = load_jsonl(data_path(1, "mbert/parity_cases.jsonl"));
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c) {
        const char *text = json_string_value(json_object_get(c, "text"));
        const int32_t *ids;
        size_t n;
        CHECK_INT(tok_encode(m, st, text, strlen(text), 0, &ids, &n, NULL), MM_OK);
        if (!ids_equal(ids, n, json_object_get(c, "ids"))) {
            fprintf(stderr, "mbert ids differ on case %zu: %s\n", i, text);
            CHECK(0);
        }
        CHECK_INT(tok_encode_bert(m, st, text, strlen(text), NULL, 0, 0, 0, 0, &e, NULL), MM_OK);
        CHECK(ids_equal(e.input_ids, e.len, json_object_get(c, "input_ids")));
        CHECK_INT(tok_encode(m, st, text, strlen(text), TOK_SAFE, &ids, &n, NULL), MM_OK);
        for (size_t j = 0; j < n; j++)
            CHECK(ids[j] < 101 || ids[j] > 103);
    }
    /* HF splits off its added tokens; safe mode does not */
    const int32_t *ids;
    size_t n;
    CHECK_INT(tok_encode(m, st, "x[MASK]y", 8, 0, &ids, &n, NULL), MM_OK);
    CHECK(n == 3 && ids[1] == 103);
    CHECK_INT(tok_encode(m, st, "x[MASK]y", 8, TOK_SAFE, &ids, &n, NULL), MM_OK);
    for (size_t j = 0; j < n; j++)
        CHECK(ids[j] != 103);
    json_decref(cases);
    tok_encoding_free(&e);
    tok_state_free(st);
    tok_close(m);
}

static void write_file(const char *path, const void *p, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
    fclose(f);
}

static void expect_open_error(const char *path, int wordpiece, mm_rc want, const char *needle) {
    struct mm_err err;
    mm_err_clear(&err);
    struct tok_model *m = NULL;
    mm_rc rc = wordpiece ? tok_open_wordpiece(path, 0, &m, &err) : tok_open_sp(path, NULL, &m, &err);
    CHECK_INT(rc, want);
    CHECK(m == NULL);
    CHECK(strstr(err.msg, path) != NULL); /* the message names the file */
    if (needle && !strstr(err.msg, needle)) {
        fprintf(stderr, "message \"%s\" lacks \"%s\"\n", err.msg, needle);
        CHECK(0);
    }
}

static void test_model_errors(void) {
    char dir[] = "/tmp/malmoi-tok-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char p[1200];
    expect_open_error("/nonexistent/spiece.model", 0, MM_ENOTFOUND, NULL);
    expect_open_error("/nonexistent/vocab.txt", 1, MM_ENOTFOUND, NULL);
    /* truncated .model files */
    struct mm_buf b;
    mm_buf_init(&b, 0);
    CHECK_INT(mm_read_file(src_path(0, "config/models/kobert/spiece.model"), 0, &b, NULL), MM_OK);
    static const size_t cuts[] = {1, 7, 100, 1000, 50000, 200000, 371000};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        snprintf(p, sizeof p, "%s/cut%zu.model", dir, cuts[i]);
        write_file(p, b.data, cuts[i]);
        expect_open_error(p, 0, MM_EMODEL, NULL);
        unlink(p);
    }
    snprintf(p, sizeof p, "%s/empty.model", dir);
    write_file(p, "", 0);
    expect_open_error(p, 0, MM_EMODEL, "empty");
    expect_open_error(p, 1, MM_EMODEL, "empty");
    unlink(p);
    /* wrong kinds */
    expect_open_error(data_path(1, "mbert/vocab.txt"), 0, MM_EMODEL, NULL);
    expect_open_error(src_path(1, "config/models/kobert/spiece.model"), 1, MM_EMODEL, "binary");
    snprintf(p, sizeof p, "%s/tok.json", dir);
    write_file(p, "{\"version\":\"1.0\"}\n", 18);
    expect_open_error(p, 0, MM_EMODEL, NULL);
    unlink(p);
    /* an HF folder with vocab.txt and do_lower_case */
    char vp[PATH_MAX];
    snprintf(p, sizeof p, "%s/vocab.txt", dir);
    CHECK(realpath(data_path(0, "mbert/vocab.txt"), vp) != NULL);
    CHECK(symlink(vp, p) == 0);
    snprintf(p, sizeof p, "%s/tokenizer_config.json", dir);
    write_file(p, "{\"do_lower_case\": true}", 23);
    {
        struct mm_err e2;
        mm_err_clear(&e2);
        struct tok_model *wm = NULL;
        CHECK_INT(tok_open(dir, &wm, &e2), MM_OK);
        if (wm) {
            CHECK_STR(tok_name(wm), "mbert-wordpiece-uncased");
            struct tok_state *st = tok_state_new();
            const int32_t *ids;
            size_t n;
            /* uncased: "ÉTÉ" is looked up as "ete" (accents stripped, lowercased) */
            CHECK_INT(tok_encode(wm, st, "\xc3\x89T\xc3\x89", 5, 0, &ids, &n, NULL), MM_OK);
            CHECK(n >= 1 && tok_piece(wm, ids[0])[0] == 'e');
            tok_state_free(st);
            tok_close(wm);
        }
    }
    unlink(p);
    snprintf(p, sizeof p, "%s/vocab.txt", dir);
    unlink(p);
    /* a folder with nothing usable */
    struct mm_err err;
    mm_err_clear(&err);
    struct tok_model *m = NULL;
    CHECK_INT(tok_open(dir, &m, &err), MM_ENOTFOUND);
    CHECK(strstr(err.msg, dir) != NULL);
    mm_buf_free(&b);
    rmdir(dir);
}

struct thr {
    const struct tok_model *m;
    json_t *cases;
    int bad;
};

static void *thr_run(void *arg) {
    struct thr *t = arg;
    struct tok_state *st = tok_state_new();
    for (int round = 0; round < 50; round++) {
        size_t i;
        json_t *c;
        json_array_foreach(t->cases, i, c) {
            const char *text = json_string_value(json_object_get(c, "text"));
            const int32_t *ids;
            size_t n;
            if (tok_encode(t->m, st, text, strlen(text), 0, &ids, &n, NULL) != MM_OK ||
                !ids_equal(ids, n, json_object_get(c, "ids")))
                t->bad++;
        }
    }
    tok_state_free(st);
    return NULL;
}

static void test_threads_share_model(void) {
    struct tok_model *m = open_or_die(src_path(0, "config/models/kobert/spiece.model"));
    json_t *cases = load_jsonl(data_path(1, "kobert/parity_cases.jsonl"));
    struct thr t[3];
    pthread_t id[3];
    for (int i = 0; i < 3; i++) {
        t[i].m = m;
        t[i].cases = cases;
        t[i].bad = 0;
        CHECK(pthread_create(&id[i], NULL, thr_run, &t[i]) == 0);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(id[i], NULL);
        CHECK_INT(t[i].bad, 0);
    }
    json_decref(cases);
    tok_close(m);
}

/* The byte-level Viterbi (used only if a model's normalized text could be
 * invalid UTF-8) against the same fixture ids, by switching the character
 * path off on a loaded model. */
static void test_byte_path(void) {
    struct mm_buf b;
    mm_buf_init(&b, 0);
    const char *path = src_path(0, "config/models/kobert/spiece.model");
    CHECK_INT(mm_read_file(path, 0, &b, NULL), MM_OK);
    struct tok_sp sp;
    CHECK_INT(tok_sp_load(&sp, (const unsigned char *)b.data, b.len, path, NULL), MM_OK);
    CHECK(sp.nlabels > 0);
    sp.nlabels = 0;
    struct tok_state *st = tok_state_new();
    json_t *cases = load_jsonl(data_path(1, "kobert/parity_cases.jsonl"));
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c) {
        const char *text = json_string_value(json_object_get(c, "text"));
        size_t n = 0;
        CHECK_INT(tok_sp_normalize(&sp, st, text, strlen(text), 0, &n), MM_OK);
        CHECK_INT(tok_sp_viterbi(&sp, st, n, 0), MM_OK);
        json_t *want = json_object_get(c, "ids");
        int ok = json_array_size(want) == st->spans_len;
        for (size_t k = 0; ok && k < st->spans_len; k++)
            ok = json_integer_value(json_array_get(want, k)) == st->spans[k].id;
        if (!ok) {
            fprintf(stderr, "byte path differs on case %zu: %s\n", i, text);
            CHECK(0);
        }
    }
    json_decref(cases);
    tok_state_free(st);
    tok_sp_free(&sp);
    mm_buf_free(&b);
}


/* ---- tokenizer.json ---- */

static void expect_json_error(const char *dir, const char *json, const char *needle) {
    char p[1200];
    snprintf(p, sizeof p, "%s/tokenizer.json", dir);
    write_file(p, json, strlen(json));
    struct mm_err err;
    mm_err_clear(&err);
    struct tok_model *m = NULL;
    CHECK_INT(tok_open(p, &m, &err), MM_EMODEL);
    CHECK(m == NULL);
    CHECK(strstr(err.msg, p) != NULL); /* names the file */
    if (!strstr(err.msg, needle)) {
        fprintf(stderr, "message \"%s\" lacks \"%s\"\n", err.msg, needle);
        CHECK(0);
    }
    unlink(p);
}

static void check_ids(const struct tok_model *m, const char *text, unsigned flags,
                      const int32_t *want, size_t nwant) {
    struct tok_state *st = tok_state_new();
    const int32_t *ids;
    size_t n = 0;
    CHECK_INT(tok_encode(m, st, text, strlen(text), flags, &ids, &n, NULL), MM_OK);
    int same = n == nwant;
    for (size_t i = 0; same && i < n; i++)
        same = ids[i] == want[i];
    if (!same) {
        fprintf(stderr, "ids of \"%s\":", text);
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, " %d", (int)ids[i]);
        fprintf(stderr, "\n");
    }
    CHECK(same);
    tok_state_free(st);
}

static void test_hf_json(void) {
    /* mBERT's tokenizer.json gives the fixture's ids and [CLS] A [SEP] */
    struct tok_model *m = open_or_die(data_path(0, "hf/mbert/tokenizer.json"));
    CHECK_INT(tok_kind(m), TOK_HF);
    CHECK_STR(tok_name(m), "hf-wordpiece");
    CHECK_INT(tok_vocab_size(m), 119547);
    struct tok_specials sp = tok_specials(m);
    CHECK_INT(sp.unk, 100);
    CHECK_INT(sp.pad, 0);
    CHECK_INT(sp.cls, 101);
    CHECK_INT(sp.sep, 102);
    CHECK_INT(sp.mask, 103);
    char key[TOK_KEY_MAX];
    tok_key(m, key, sizeof key);
    CHECK_STR(key, "hf-wordpiece:f4a4d5bf");
    json_t *cases = load_jsonl(data_path(1, "mbert/parity_cases.jsonl"));
    struct tok_state *st = tok_state_new();
    struct tok_encoding enc;
    tok_encoding_init(&enc);
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c) {
        const char *text = json_string_value(json_object_get(c, "text"));
        const int32_t *ids;
        size_t n;
        CHECK_INT(tok_encode(m, st, text, strlen(text), 0, &ids, &n, NULL), MM_OK);
        CHECK(ids_equal(ids, n, json_object_get(c, "ids")));
        CHECK_INT(tok_encode_bert(m, st, text, strlen(text), NULL, 0, 0, 0, 0, &enc, NULL), MM_OK);
        CHECK(ids_equal(enc.input_ids, enc.len, json_object_get(c, "input_ids")));
    }
    /* with a pad and a pair: [CLS] A [SEP] B [SEP] [PAD]..., types 0 0 0 1 1 0 */
    CHECK_INT(tok_encode_bert(m, st, "Hello", 5, "world", 5, 8, 1, 0, &enc, NULL), MM_OK);
    static const int32_t want_pair[] = {101, 31178, 102, 11356, 102, 0, 0, 0};
    static const int32_t want_types[] = {0, 0, 0, 1, 1, 0, 0, 0};
    CHECK_INT(enc.len, 8);
    CHECK_INT(enc.ntokens, 5);
    CHECK(memcmp(enc.input_ids, want_pair, sizeof want_pair) == 0);
    CHECK(memcmp(enc.token_type_ids, want_types, sizeof want_types) == 0);
    json_decref(cases);
    tok_close(m);

    /* KoBART (ROBERTA-CHECK.md): <s> </s> as cls/sep, no post-processor */
    m = open_or_die(data_path(0, "hf/kobart/model.json"));
    CHECK_STR(tok_name(m), "hf-bpe");
    sp = tok_specials(m);
    CHECK_INT(sp.cls, 0);
    CHECK_INT(sp.sep, 1);
    CHECK_INT(sp.pad, 3);
    CHECK_INT(sp.unk, 5);
    CHECK_INT(sp.mask, 6);
    static const int32_t kobart[] = {28324, 14111, 14324, 14521, 13092, 14027, 14054, 9661, 14562,
                                     16391, 16997, 20858, 243, 20676, 15463, 307, 299, 232};
    check_ids(m, "한국어 문장을 토큰으로 나눕니다. Hello, world!", 0, kobart, 18);
    static const int32_t kobart_unk[] = {1700, 10983, 5, 14390, 230, 10769, 9428};
    check_ids(m, "뷁𝄞 줄\n바꿈", 0, kobart_unk, 7);
    /* added special tokens: split off by default, plain text with TOK_SAFE */
    static const int32_t with_s[] = {0, 1700};
    check_ids(m, "<s>▁", 0, with_s, 2);
    {
        const int32_t *ids;
        size_t n;
        CHECK_INT(tok_encode(m, st, "<s>x</s>", 8, TOK_SAFE, &ids, &n, NULL), MM_OK);
        for (size_t k = 0; k < n; k++)
            CHECK(ids[k] != 0 && ids[k] != 1);
    }
    CHECK(tok_is_continuation(m, 14324) == 1); /* 장을 */
    CHECK(tok_is_continuation(m, 14111) == 0); /* ▁문 */
    tok_close(m);
    m = open_or_die(data_path(0, "hf/kobart/model-a432df8fec.json"));
    static const int32_t kobart_old[] = {1700, 10983, 14390, 230, 10769, 9428};
    check_ids(m, "뷁𝄞 줄\n바꿈", 0, kobart_old, 6); /* unk_token null: dropped */
    tok_close(m);
    /* KoGPT2 v1: <mask> is not in the vocab and gets the new id 50000 */
    const char *kogpt2 = "/work/shared/models/kogpt2-v1-taeminlee/tokenizer.json";
    if (access(kogpt2, R_OK) == 0) {
        m = open_or_die(kogpt2);
        static const int32_t want[] = {50000, 47437, 6, 47437};
        check_ids(m, "<mask> <unused0> 뷁𝄞", 0, want, 4);
        CHECK_STR(tok_piece(m, 50000), "<mask>");
        CHECK_INT(tok_vocab_size(m), 50124); /* 124 added tokens are not in its vocab */
        tok_close(m);
    }
    tok_encoding_free(&enc);
    tok_state_free(st);

    /* a folder: tokenizer.json before vocab.txt */
    char dir[] = "/tmp/malmoi-tokjson-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char p[1200], vp[PATH_MAX];
    snprintf(p, sizeof p, "%s/vocab.txt", dir);
    CHECK(realpath(data_path(0, "mbert/vocab.txt"), vp) != NULL);
    CHECK(symlink(vp, p) == 0);
    snprintf(p, sizeof p, "%s/tokenizer.json", dir);
    CHECK(realpath(data_path(0, "hf/kobart/model.json"), vp) != NULL);
    CHECK(symlink(vp, p) == 0);
    m = open_or_die(dir);
    CHECK_STR(tok_name(m), "hf-bpe");
    tok_close(m);
    unlink(p);
    snprintf(p, sizeof p, "%s/vocab.txt", dir);
    unlink(p);

    /* corrupt and unsupported files: MM_EMODEL naming the file and the part */
    expect_json_error(dir, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0", "not valid JSON");
    expect_json_error(dir, "[1, 2]", "not a JSON object");
    expect_json_error(dir, "{\"version\": \"1.0\"}", "no \"model\"");
    expect_json_error(dir, "{\"model\": {\"type\": \"WordLevel\", \"vocab\": {\"a\": 0}}}",
                      "WordLevel");
    expect_json_error(dir,
                      "{\"model\": {\"type\": \"BPE\", \"dropout\": 0.1, \"vocab\": {\"a\": 0}, "
                      "\"merges\": []}}", "dropout");
    expect_json_error(dir,
                      "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1}, "
                      "\"merges\": [\"a b\"]}}", "\"ab\" is not in the vocab");
    expect_json_error(dir,
                      "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": -4}, \"merges\": []}}",
                      "not an id");
    expect_json_error(dir,
                      "{\"normalizer\": {\"type\": \"Nmt\"}, \"model\": {\"type\": \"BPE\", "
                      "\"vocab\": {\"a\": 0}, \"merges\": []}}", "normalizer \"Nmt\"");
    expect_json_error(dir,
                      "{\"pre_tokenizer\": {\"type\": \"UnicodeScripts\"}, \"model\": {\"type\": "
                      "\"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}}",
                      "pre_tokenizer \"UnicodeScripts\"");
    expect_json_error(dir,
                      "{\"post_processor\": {\"type\": \"Foo\"}, \"model\": {\"type\": \"BPE\", "
                      "\"vocab\": {\"a\": 0}, \"merges\": []}}", "post_processor \"Foo\"");
    expect_json_error(dir,
                      "{\"model\": {\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\", "
                      "\"vocab\": {\"a\": 0}}}", "unk_token \"[UNK]\" is not in the vocab");
    expect_json_error(dir,
                      "{\"model\": {\"type\": \"Unigram\", \"unk_id\": 7, \"vocab\": "
                      "[[\"a\", -1.0]]}}", "unk_id 7");
    expect_json_error(dir,
                      "{\"normalizer\": {\"type\": \"Precompiled\", \"precompiled_charsmap\": "
                      "\"AAAA\"}, \"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", -1.0]]}}",
                      "charsmap is corrupt");
    rmdir(dir);
}

int main(void) {
    RUN(test_kobert_parity);
    RUN(test_kobert_legacy_route);
    RUN(test_kobert_metadata);
    RUN(test_bert_inputs);
    RUN(test_mbert_parity);
    RUN(test_model_errors);
    RUN(test_threads_share_model);
    RUN(test_byte_path);
    RUN(test_hf_json);
    return test_summary();
}
