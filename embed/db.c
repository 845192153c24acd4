/*
 * db.c -- embeddings of stored examples: reads `examples` rows that have no
 * vector yet for (model, checksum, pooling), runs the encoder over them in
 * chunks and writes `embeddings` rows (store/schema.sql), one short
 * transaction per chunk so a killed run resumes where it stopped.
 */
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "embed_int.h"

#define DB_DEFAULT_BATCH 256

static mm_rc db_fail(sqlite3 *db, const char *what, struct mm_err *err) {
    return mm_err_set(err, sqlite3_errcode(db) == SQLITE_BUSY ? MM_EBUSY : MM_EDB, "%s: %s: %s",
                      sqlite3_db_filename(db, "main") ? sqlite3_db_filename(db, "main") : "database", what,
                      sqlite3_errmsg(db));
}

/* Parse a JSON array of ints into dst[0..cap); returns the count or -1. */
static long parse_ids(const char *text, int32_t *dst, size_t cap) {
    json_error_t je;
    json_t *a = json_loads(text ? text : "", 0, &je);
    long n = -1;
    if (a && json_is_array(a) && json_array_size(a) <= cap) {
        n = (long)json_array_size(a);
        for (size_t i = 0; i < (size_t)n; i++) {
            json_t *v = json_array_get(a, i);
            if (!json_is_integer(v) || json_integer_value(v) < INT32_MIN || json_integer_value(v) > INT32_MAX) {
                n = -1;
                break;
            }
            dst[i] = (int32_t)json_integer_value(v);
        }
    }
    json_decref(a);
    return n;
}

mm_rc emb_db_embed(struct sqlite3 *db, const struct emb_model *m, const struct emb_db_opts *o, int64_t *n_done,
                   struct mm_err *err) {
    *n_done = 0;
    size_t batch = o->batch ? o->batch : DB_DEFAULT_BATCH;
    size_t T = o->max_length ? o->max_length : 128;
    if (T > (size_t)emb_model_max_positions(m))
        T = (size_t)emb_model_max_positions(m);
    if (T < 2)
        return mm_err_set(err, MM_EINVAL, "max length %zu is too small; give at least 2", T);
    size_t H = (size_t)m->cfg.hidden;
    enum emb_pooling pool_kind = o->pool == EMB_POOL_DEFAULT ? m->default_pool : o->pool;
    char pool[48];
    snprintf(pool, sizeof pool, "%s%s", emb_pooling_name(pool_kind), o->run.normalize ? "+normalize" : "");
    char sha[65];
    emb_model_sha256(m, sha);
    const char *name = emb_model_name(m);

    int32_t *ids = malloc(batch * T * sizeof *ids), *types = malloc(batch * T * sizeof *types),
            *mask = malloc(batch * T * sizeof *mask), *row = malloc(3 * T * 8 * sizeof *row);
    int64_t *eid = malloc(batch * sizeof *eid);
    float *out = malloc(batch * H * sizeof *out);
    sqlite3_stmt *sel = NULL, *ins = NULL;
    mm_rc rc = MM_OK;
    if (!ids || !types || !mask || !row || !eid || !out) {
        rc = mm_err_set(err, MM_ENOMEM, "out of memory for a batch of %zu examples", batch);
        goto out;
    }
    const char *qsel =
        "SELECT e.id, e.input_ids, e.token_type_ids, e.attention_mask FROM examples e"
        " WHERE (?4 IS NULL OR e.tokenizer = ?4) AND NOT EXISTS (SELECT 1 FROM embeddings m WHERE m.example_id = e.id"
        " AND m.model = ?1 AND m.model_sha256 = ?2 AND m.pooling = ?3) ORDER BY e.id LIMIT ?5";
    const char *qins =
        "INSERT INTO embeddings(example_id, model, model_sha256, pooling, dim, vector, added)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(example_id, model, pooling) DO UPDATE SET"
        " model_sha256 = excluded.model_sha256, dim = excluded.dim, vector = excluded.vector, added = excluded.added";
    if (sqlite3_prepare_v2(db, qsel, -1, &sel, NULL) != SQLITE_OK) {
        rc = db_fail(db, "cannot read examples (is this a malmoi database?)", err);
        goto out;
    }
    if (sqlite3_prepare_v2(db, qins, -1, &ins, NULL) != SQLITE_OK) {
        rc = db_fail(db, "cannot prepare the embeddings insert", err);
        goto out;
    }
    for (;;) {
        if (o->stop && *o->stop) {
            rc = mm_err_set(err, MM_EINTR, "stopped by a signal after %lld embeddings; run again to go on", (long long)*n_done);
            break;
        }
        sqlite3_reset(sel);
        sqlite3_bind_text(sel, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(sel, 2, sha, -1, SQLITE_STATIC);
        sqlite3_bind_text(sel, 3, pool, -1, SQLITE_STATIC);
        if (o->tokenizer)
            sqlite3_bind_text(sel, 4, o->tokenizer, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(sel, 4);
        sqlite3_bind_int64(sel, 5, (sqlite3_int64)batch);
        size_t n = 0;
        int s;
        while ((s = sqlite3_step(sel)) == SQLITE_ROW) {
            int64_t id = sqlite3_column_int64(sel, 0);
            int32_t *ri = ids + n * T, *rt = types + n * T, *rm = mask + n * T;
            long len = parse_ids((const char *)sqlite3_column_text(sel, 1), row, T * 8);
            if (len < 1) {
                rc = mm_err_set(err, MM_EPARSE, "example %lld: input_ids is not a JSON array of at most %zu integers; re-encode it with malmoi tokenize",
                                (long long)id, T * 8);
                goto out;
            }
            size_t L = (size_t)len;
            /* Longer than --max-length: keep the head and the final [SEP]. */
            if (L > T) {
                memcpy(ri, row, (T - 1) * sizeof *ri);
                ri[T - 1] = row[L - 1];
            } else {
                memcpy(ri, row, L * sizeof *ri);
            }
            const int32_t *ty = row + T * 8, *mk = row + T * 16;
            long lt = parse_ids((const char *)sqlite3_column_text(sel, 2), row + T * 8, T * 8);
            long lm = parse_ids((const char *)sqlite3_column_text(sel, 3), row + T * 16, T * 8);
            size_t keep = L > T ? T : L;
            for (size_t t = 0; t < T; t++) {
                size_t src = (L > T && t == T - 1) ? L - 1 : t;
                int real = t < keep;
                rt[t] = real && lt == len ? ty[src] : 0;
                rm[t] = real && (lm != len || mk[src] != 0);
                if (!real)
                    ri[t] = m->cfg.pad_id;
            }
            eid[n++] = id;
        }
        if (s != SQLITE_DONE) {
            rc = db_fail(db, "cannot read examples", err);
            goto out;
        }
        if (n == 0)
            break;
        struct emb_input in = {n, T, ids, types, mask};
        if ((rc = emb_encode(m, &in, pool_kind, &o->run, out, err)))
            goto out;
        char now[32];
        mm_format_utc((int64_t)time(NULL), now);
        if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
            rc = db_fail(db, "cannot begin a transaction", err);
            goto out;
        }
        for (size_t i = 0; i < n; i++) {
            sqlite3_reset(ins);
            sqlite3_bind_int64(ins, 1, eid[i]);
            sqlite3_bind_text(ins, 2, name, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 3, sha, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 4, pool, -1, SQLITE_STATIC);
            sqlite3_bind_int64(ins, 5, (sqlite3_int64)H);
            sqlite3_bind_blob(ins, 6, out + i * H, (int)(H * sizeof(float)), SQLITE_STATIC); /* LE hosts */
            sqlite3_bind_text(ins, 7, now, -1, SQLITE_STATIC);
            if (sqlite3_step(ins) != SQLITE_DONE) {
                rc = db_fail(db, "cannot store an embedding", err);
                sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
                goto out;
            }
        }
        if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
            rc = db_fail(db, "cannot commit embeddings", err);
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            goto out;
        }
        *n_done += (int64_t)n;
        if (o->progress)
            o->progress(o->progress_ctx, *n_done);
    }
out:
    sqlite3_finalize(sel);
    sqlite3_finalize(ins);
    free(ids);
    free(types);
    free(mask);
    free(row);
    free(eid);
    free(out);
    return rc;
}
