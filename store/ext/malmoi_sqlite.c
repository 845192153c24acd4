/*
 * malmoi_sqlite.c -- a loadable SQLite extension for querying malmoi
 * databases from the sqlite3 shell: vector math over embeddings.vector
 * (little-endian float32 BLOBs) and a readable view of examples.input_ids.
 * See store/README.md, "SQLite extension". SQLite loadable-extension API:
 * https://sqlite.org/loadext.html
 *
 *   cosine_similarity(a, b)  REAL in [-1, 1]; NULL if either is NULL/zero
 *   vector_dot(a, b), vector_norm(a), vector_dim(a)
 *   vector_json(a)           '[0.1,-0.2,...]'
 *   vector_from_json(text)   JSON array -> float32 BLOB (query vectors)
 *   ids_pieces(ids_json, vocab)  pieces of the ids, space-separated; vocab
 *                            is a vocab.txt or a SentencePiece .model file
 */
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VOCAB_FILE (256u << 20)

static int get_vec(sqlite3_context *ctx, sqlite3_value *v, const float **p, int *n) {
    if (sqlite3_value_type(v) == SQLITE_NULL)
        return 1;
    if (sqlite3_value_type(v) != SQLITE_BLOB || sqlite3_value_bytes(v) % 4) {
        sqlite3_result_error(ctx, "want a float32 vector BLOB (embeddings.vector)", -1);
        return -1;
    }
    *n = sqlite3_value_bytes(v) / 4;
    *p = sqlite3_value_blob(v); /* SQLite BLOBs are 8-byte aligned in practice; copy if not */
    return 0;
}

static double fget(const float *p, int i) {
    float f;
    memcpy(&f, (const char *)p + 4 * (size_t)i, 4);
    return f;
}

static void dot_norms(const float *a, const float *b, int n, double *dot, double *na, double *nb) {
    double d = 0, x = 0, y = 0;
    for (int i = 0; i < n; i++) {
        double u = fget(a, i), v = fget(b, i);
        d += u * v;
        x += u * u;
        y += v * v;
    }
    *dot = d;
    *na = x;
    *nb = y;
}

static int two(sqlite3_context *ctx, sqlite3_value **argv, const float **a, const float **b, int *n) {
    int na = 0, nb = 0, r1 = get_vec(ctx, argv[0], a, &na), r2;
    if (r1 < 0)
        return -1;
    r2 = get_vec(ctx, argv[1], b, &nb);
    if (r2 < 0)
        return -1;
    if (r1 || r2) {
        sqlite3_result_null(ctx);
        return 1;
    }
    if (na != nb) {
        sqlite3_result_error(ctx, "vectors of different dimensions (different models?)", -1);
        return -1;
    }
    *n = na;
    return 0;
}

static void f_cosine(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    const float *a, *b;
    int n;
    if (two(ctx, argv, &a, &b, &n))
        return;
    double d, x, y;
    dot_norms(a, b, n, &d, &x, &y);
    if (x == 0 || y == 0)
        sqlite3_result_null(ctx);
    else
        sqlite3_result_double(ctx, d / sqrt(x * y));
}

static void f_dot(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    const float *a, *b;
    int n;
    if (two(ctx, argv, &a, &b, &n))
        return;
    double d, x, y;
    dot_norms(a, b, n, &d, &x, &y);
    sqlite3_result_double(ctx, d);
}

static void f_norm(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    const float *a;
    int n, r = get_vec(ctx, argv[0], &a, &n);
    if (r < 0)
        return;
    if (r) {
        sqlite3_result_null(ctx);
        return;
    }
    double d, x, y;
    dot_norms(a, a, n, &d, &x, &y);
    sqlite3_result_double(ctx, sqrt(x));
}

static void f_dim(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    const float *a;
    int n, r = get_vec(ctx, argv[0], &a, &n);
    if (r < 0)
        return;
    if (r)
        sqlite3_result_null(ctx);
    else
        sqlite3_result_int(ctx, n);
}

static void f_json(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    const float *a;
    int n, r = get_vec(ctx, argv[0], &a, &n);
    if (r < 0)
        return;
    if (r) {
        sqlite3_result_null(ctx);
        return;
    }
    sqlite3_str *s = sqlite3_str_new(sqlite3_context_db_handle(ctx));
    sqlite3_str_appendchar(s, 1, '[');
    for (int i = 0; i < n; i++)
        sqlite3_str_appendf(s, "%s%.9g", i ? "," : "", fget(a, i));
    sqlite3_str_appendchar(s, 1, ']');
    int len = sqlite3_str_length(s);
    sqlite3_result_text(ctx, sqlite3_str_finish(s), len, sqlite3_free);
}

static void f_from_json(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    const char *t = (const char *)sqlite3_value_text(argv[0]);
    if (!t) {
        sqlite3_result_null(ctx);
        return;
    }
    while (*t == ' ' || *t == '\n' || *t == '\t')
        t++;
    if (*t++ != '[') {
        sqlite3_result_error(ctx, "vector_from_json wants a JSON array of numbers", -1);
        return;
    }
    size_t n = 0, cap = 256;
    float *v = sqlite3_malloc64(cap * sizeof *v);
    for (;;) {
        while (*t == ' ' || *t == '\n' || *t == '\t' || *t == ',')
            t++;
        if (*t == ']' || !v)
            break;
        char *end;
        double x = strtod(t, &end);
        if (end == t) {
            sqlite3_free(v);
            sqlite3_result_error(ctx, "vector_from_json: not a number in the array", -1);
            return;
        }
        t = end;
        if (n == cap) {
            float *w = sqlite3_realloc64(v, (cap *= 2) * sizeof *v);
            if (!w) {
                sqlite3_free(v);
                v = NULL;
                break;
            }
            v = w;
        }
        v[n++] = (float)x;
    }
    if (!v) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    sqlite3_result_blob(ctx, v, (int)(n * sizeof *v), sqlite3_free);
}

/* ---- vocabularies for ids_pieces ---- */

struct vocab {
    char **piece;
    size_t n;
    char *mem;
};

static void vocab_free(void *p) {
    struct vocab *v = p;
    if (!v)
        return;
    free(v->piece);
    free(v->mem);
    free(v);
}

static uint64_t varint(const unsigned char **p, const unsigned char *end, int *ok) {
    uint64_t x = 0;
    for (int s = 0; s < 64 && *p < end; s += 7) {
        unsigned char c = *(*p)++;
        x |= (uint64_t)(c & 0x7f) << s;
        if (!(c & 0x80))
            return x;
    }
    *ok = 0;
    return 0;
}

/* SentencePiece ModelProto: field 1 = repeated SentencePiece, whose
 * field 1 is the piece string (sentencepiece_model.proto). */
static int load_spm(struct vocab *v, unsigned char *buf, size_t len) {
    const unsigned char *p = buf, *end = buf + len;
    size_t cap = 0;
    int ok = 1;
    while (p < end && ok) {
        uint64_t key = varint(&p, end, &ok);
        unsigned wt = key & 7;
        if (wt == 2) {
            uint64_t l = varint(&p, end, &ok);
            if (!ok || l > (uint64_t)(end - p))
                return -1;
            if ((key >> 3) == 1) { /* a SentencePiece message */
                const unsigned char *q = p, *qe = p + l;
                char *piece = NULL;
                while (q < qe && ok) {
                    uint64_t k2 = varint(&q, qe, &ok);
                    unsigned w2 = k2 & 7;
                    if (w2 == 2) {
                        uint64_t l2 = varint(&q, qe, &ok);
                        if (!ok || l2 > (uint64_t)(qe - q))
                            return -1;
                        if ((k2 >> 3) == 1) {
                            piece = (char *)q - 1; /* reuse the length byte's slot for a NUL later */
                            memmove(piece, q, l2);
                            piece[l2] = 0;
                        }
                        q += l2;
                    } else if (w2 == 0) {
                        varint(&q, qe, &ok);
                    } else if (w2 == 5) {
                        q += 4;
                    } else if (w2 == 1) {
                        q += 8;
                    } else {
                        return -1;
                    }
                }
                if (v->n == cap) {
                    cap = cap ? cap * 2 : 1024;
                    char **np = realloc(v->piece, cap * sizeof *np);
                    if (!np)
                        return -1;
                    v->piece = np;
                }
                v->piece[v->n++] = piece ? piece : (char *)"";
            }
            p += l;
        } else if (wt == 0) {
            varint(&p, end, &ok);
        } else if (wt == 5) {
            p += 4;
        } else if (wt == 1) {
            p += 8;
        } else {
            return -1;
        }
    }
    return ok && v->n ? 0 : -1;
}

static int load_txt(struct vocab *v, char *buf, size_t len) {
    size_t cap = 0;
    char *p = buf, *end = buf + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            nl = end;
        *nl = 0;
        if (nl > p && nl[-1] == '\r')
            nl[-1] = 0;
        if (v->n == cap) {
            cap = cap ? cap * 2 : 1024;
            char **np = realloc(v->piece, cap * sizeof *np);
            if (!np)
                return -1;
            v->piece = np;
        }
        v->piece[v->n++] = p;
        p = nl + 1;
    }
    return v->n ? 0 : -1;
}

static struct vocab *vocab_load(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct vocab *v = calloc(1, sizeof *v);
    long len = -1;
    if (v && fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && (unsigned long)len <= MAX_VOCAB_FILE &&
        fseek(f, 0, SEEK_SET) == 0 && (v->mem = malloc((size_t)len + 1)) &&
        fread(v->mem, 1, (size_t)len, f) == (size_t)len) {
        v->mem[len] = 0;
        size_t pl = strlen(path);
        int is_txt = pl > 4 && strcmp(path + pl - 4, ".txt") == 0;
        if ((is_txt ? load_txt(v, v->mem, (size_t)len) : load_spm(v, (unsigned char *)v->mem, (size_t)len)) == 0) {
            fclose(f);
            return v;
        }
    }
    fclose(f);
    vocab_free(v);
    return NULL;
}

static void f_pieces(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    const char *ids = (const char *)sqlite3_value_text(argv[0]);
    const char *path = (const char *)sqlite3_value_text(argv[1]);
    if (!ids || !path) {
        sqlite3_result_null(ctx);
        return;
    }
    struct vocab *v = sqlite3_get_auxdata(ctx, 1);
    if (!v) {
        v = vocab_load(path);
        if (!v) {
            char *msg = sqlite3_mprintf("ids_pieces: cannot read %s as a vocab.txt or SentencePiece .model", path);
            sqlite3_result_error(ctx, msg, -1);
            sqlite3_free(msg);
            return;
        }
        sqlite3_set_auxdata(ctx, 1, v, vocab_free);
        v = sqlite3_get_auxdata(ctx, 1);
        if (!v) {
            sqlite3_result_error_nomem(ctx);
            return;
        }
    }
    sqlite3_str *s = sqlite3_str_new(sqlite3_context_db_handle(ctx));
    const char *p = ids;
    int first = 1;
    while (*p) {
        while (*p && (*p < '0' || *p > '9') && *p != '-')
            p++;
        if (!*p)
            break;
        char *end;
        long id = strtol(p, &end, 10);
        p = end;
        if (!first)
            sqlite3_str_appendchar(s, 1, ' ');
        first = 0;
        if (id >= 0 && (size_t)id < v->n)
            sqlite3_str_appendall(s, v->piece[id]);
        else
            sqlite3_str_appendf(s, "<%ld?>", id);
    }
    int len = sqlite3_str_length(s);
    sqlite3_result_text(ctx, sqlite3_str_finish(s), len, sqlite3_free);
}

#define EXPORT __attribute__((visibility("default")))

EXPORT int sqlite3_malmoisqlite_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi) {
    (void)pzErrMsg;
    SQLITE_EXTENSION_INIT2(pApi);
    const int det = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
    int rc = SQLITE_OK;
    static const struct {
        const char *name;
        int nargs;
        void (*fn)(sqlite3_context *, int, sqlite3_value **);
    } fns[] = {
        {"cosine_similarity", 2, f_cosine}, {"vector_dot", 2, f_dot},   {"vector_norm", 1, f_norm},
        {"vector_dim", 1, f_dim},           {"vector_json", 1, f_json}, {"vector_from_json", 1, f_from_json},
    };
    for (size_t i = 0; i < sizeof fns / sizeof fns[0] && rc == SQLITE_OK; i++)
        rc = sqlite3_create_function(db, fns[i].name, fns[i].nargs, det, NULL, fns[i].fn, NULL, NULL);
    /* reads a file: not innocuous, so not usable from triggers/views of untrusted schemas */
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function(db, "ids_pieces", 2, SQLITE_UTF8 | SQLITE_DIRECTONLY, NULL, f_pieces, NULL, NULL);
    return rc;
}

EXPORT int sqlite3_extension_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi) {
    return sqlite3_malmoisqlite_init(db, pzErrMsg, pApi);
}
