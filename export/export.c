/*
 * export.c -- `malmoi export` as a library call: read the sentences of the
 * database in document order, route each document to the train or the
 * validation split, turn each chunk of documents into shuffled instances
 * (instances.c), write them into shards (shard.c) and close with
 * manifest.json. The mlm objective packs the sentences as they come
 * (pack.c), and megatron writes one sequence per sentence (megatron.c).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export_int.h"

void export_params_default(struct export_params *p) {
    memset(p, 0, sizeof *p);
    p->format = EXPORT_TFRECORD;
    p->seed = 12345;
    p->max_seq_length = 128;
    p->max_predictions = 20;
    p->masked_lm_prob = 0.15;
    p->short_seq_prob = 0.1;
    p->dupe_factor = 10;
    p->whole_word_mask = 0;
    p->shard_size = 100000;
    p->validation_fraction = 0;
    p->drop_duplicates = 0;
    p->chunk_tokens = 1L << 20;
}

static mm_rc check_params(const struct export_params *p, struct mm_err *err) {
    if (p->format != EXPORT_TFRECORD && p->format != EXPORT_JSONL && p->format != EXPORT_MEGATRON)
        return mm_err_set(err, MM_EINVAL, "export: unknown format");
    if (p->objective != EXPORT_MLM_NSP && p->objective != EXPORT_MLM)
        return mm_err_set(err, MM_EINVAL, "export: unknown objective");
    if (p->objective == EXPORT_MLM && p->format != EXPORT_JSONL)
        return mm_err_set(err, MM_EINVAL, "export: the mlm objective is written as JSON Lines (--format jsonl)");
    if (p->max_seq_length < 5 || p->max_seq_length > EXPORT_MAX_SEQ_LENGTH)
        return mm_err_set(err, MM_EINVAL, "export: max_seq_length %d out of range 5..%d", p->max_seq_length,
                          EXPORT_MAX_SEQ_LENGTH);
    if (p->format == EXPORT_MEGATRON || p->objective == EXPORT_MLM)
        return p->shard_size < 1 ? mm_err_set(err, MM_EINVAL, "export: shard_size must be at least 1") : MM_OK;
    if (p->max_predictions < 1 || p->max_predictions > p->max_seq_length)
        return mm_err_set(err, MM_EINVAL, "export: max_predictions %d out of range 1..max_seq_length",
                          p->max_predictions);
    if (!(p->masked_lm_prob > 0 && p->masked_lm_prob <= 1))
        return mm_err_set(err, MM_EINVAL, "export: masked_lm_prob must be in (0, 1]");
    if (!(p->short_seq_prob >= 0 && p->short_seq_prob <= 1))
        return mm_err_set(err, MM_EINVAL, "export: short_seq_prob must be in [0, 1]");
    if (!(p->validation_fraction >= 0 && p->validation_fraction < 1))
        return mm_err_set(err, MM_EINVAL, "export: validation_fraction must be in [0, 1)");
    if (p->dupe_factor < 1 || p->shard_size < 1 || p->chunk_tokens < 1)
        return mm_err_set(err, MM_EINVAL, "export: dupe_factor, shard_size and chunk_tokens must be at least 1");
    return MM_OK;
}

/* A file an earlier export wrote: SPLIT-NNNNN.EXT[.part], SPLIT.bin or
 * SPLIT.idx[.part] (megatron), or manifest.json. */
static int ours(const char *name) {
    if (strcmp(name, "manifest.json") == 0 || strcmp(name, "manifest.json.tmp") == 0)
        return 1;
    static const char *const megatron[] = {"train.bin", "train.idx", "validation.bin", "validation.idx",
                                           "train.bin.part", "train.idx.part", "validation.bin.part",
                                           "validation.idx.part"};
    for (size_t i = 0; i < sizeof megatron / sizeof megatron[0]; i++)
        if (strcmp(name, megatron[i]) == 0)
            return 1;
    const char *p;
    if (strncmp(name, "train-", 6) == 0)
        p = name + 6;
    else if (strncmp(name, "validation-", 11) == 0)
        p = name + 11;
    else
        return 0;
    size_t d = 0;
    while (p[d] >= '0' && p[d] <= '9')
        d++;
    if (d < 5)
        return 0;
    p += d;
    return strcmp(p, ".tfrecord") == 0 || strcmp(p, ".jsonl") == 0 || strcmp(p, ".tfrecord.part") == 0 ||
           strcmp(p, ".jsonl.part") == 0;
}

/* Create `dir` or check that it holds only an earlier export's files, and
 * with `empty` delete them; anything else in it is an error, so a typo
 * never deletes a user's files. */
static mm_rc prepare_dir(const char *dir, int empty, struct mm_err *err) {
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return mm_err_set(err, MM_EIO, "%s: cannot create the output folder: %s", dir, strerror(errno));
    DIR *d = opendir(dir);
    if (d == NULL)
        return mm_err_set(err, MM_EIO, "%s: cannot open the output folder: %s", dir, strerror(errno));
    struct dirent *e;
    mm_rc rc = MM_OK;
    /* First pass checks, second deletes: nothing goes unless all is ours. */
    for (int pass = 0; pass < 1 + (empty != 0) && rc == MM_OK; pass++) {
        rewinddir(d);
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            if (!ours(e->d_name)) {
                rc = mm_err_set(err, MM_EINVAL,
                                "%s: the output folder holds '%s', which export did not write; use an empty"
                                " or new folder",
                                dir, e->d_name);
                break;
            }
            if (pass == 1) {
                char path[4096];
                snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
                if (unlink(path) != 0) {
                    rc = mm_err_set(err, MM_EIO, "%s: cannot remove the earlier export's file: %s", path,
                                    strerror(errno));
                    break;
                }
            }
        }
    }
    closedir(d);
    return rc;
}

struct split {
    const char *name;
    int index;
    struct export_docs docs;
    struct export_sink *sink;
    struct export_packer pack;   /* objective mlm */
    struct export_megatron *mg;  /* format megatron */
    struct export_split_counts c;
    uint64_t chunk_no;
};

static mm_rc flush_chunk(struct split *sp, const struct export_params *p, const struct export_vocab *v,
                         struct export_pool *pool, struct mm_buf *order, struct mm_err *err) {
    if (sp->docs.ndoc == 0)
        return MM_OK;
    struct export_rng rng;
    export_rng_seed(&rng, p->seed, ((uint64_t)sp->index << 40) | sp->chunk_no++);
    mm_rc rc = export_make_instances(&sp->docs, p, v, &rng, pool, order, err);
    const uint32_t *perm = (const uint32_t *)order->data;
    for (size_t i = 0; i < pool->n && rc == MM_OK; i++) {
        struct export_instance in;
        export_pool_get(pool, perm[i], &in);
        rc = export_sink_write(sp->sink, &in, err);
        sp->c.instances++;
        sp->c.masked += (int64_t)in.nmask;
        sp->c.random_next += in.random_next;
    }
    export_docs_reset(&sp->docs);
    return rc;
}

static json_t *split_json(struct split *sp) {
    json_t *o = json_object(), *files = json_array();
    json_object_set_new(o, "documents", json_integer(sp->c.documents));
    json_object_set_new(o, "sentences", json_integer(sp->c.sentences));
    json_object_set_new(o, "tokens", json_integer(sp->c.tokens));
    json_object_set_new(o, "instances", json_integer(sp->c.instances));
    size_t n = 0;
    const struct export_shard_info *sh;
    if (sp->mg) {
        json_object_set_new(o, "sequences", json_integer(sp->c.instances));
        sh = export_megatron_files(sp->mg, &n);
        if (n)
            json_object_set_new(o, "data_prefix", json_string(sp->name));
    } else {
        if (sp->pack.L == 0) {
            json_object_set_new(o, "masked_lm_positions", json_integer(sp->c.masked));
            json_object_set_new(o, "random_next", json_integer(sp->c.random_next));
        } else {
            json_object_set_new(o, "input_tokens", json_integer(sp->pack.tokens));
        }
        sh = export_sink_shards(sp->sink, &n);
    }
    for (size_t i = 0; i < n; i++) {
        json_t *f = json_object();
        json_object_set_new(f, "file", json_string(sh[i].file));
        json_object_set_new(f, "instances", json_integer(sh[i].instances));
        json_object_set_new(f, "bytes", json_integer(sh[i].bytes));
        json_object_set_new(f, "sha256", json_string(sh[i].sha256));
        json_array_append_new(files, f);
    }
    json_object_set_new(o, "shards", files);
    return o;
}

static mm_rc write_manifest(const char *dir, struct store *s, const struct tok_model *tok, const char *key,
                            const struct export_params *p, const struct export_vocab *v, struct split *sp,
                            int64_t skipped, struct mm_err *err) {
    json_t *m = json_object(), *t = json_object(), *par = json_object(), *splits = json_object();
    json_object_set_new(m, "format", json_string(p->format == EXPORT_JSONL ? "jsonl"
                                                 : p->format == EXPORT_MEGATRON ? "megatron"
                                                                                : "tfrecord"));
    int mlm = p->objective == EXPORT_MLM, mg = p->format == EXPORT_MEGATRON;
    if (!mg)
        json_object_set_new(m, "objective", json_string(mlm ? "mlm" : "mlm+nsp"));
    else
        json_object_set_new(m, "dtype", json_string(export_megatron_wide(v->size) ? "int32" : "uint16"));
    json_object_set_new(m, "generator", json_string("malmoi " MM_VERSION " export"));
    json_object_set_new(m, "source_database", json_string(store_path(s)));
    json_object_set_new(m, "seed", json_integer((json_int_t)p->seed));
    json_object_set_new(t, "name", json_string(tok_name(tok)));
    json_object_set_new(t, "key", json_string(key));
    json_object_set_new(t, "sha256", json_string(tok_sha256(tok)));
    json_object_set_new(t, "vocab_size", json_integer(v->size));
    json_object_set_new(t, "cls_id", json_integer(v->cls));
    json_object_set_new(t, "sep_id", json_integer(v->sep));
    json_object_set_new(t, "mask_id", json_integer(v->mask));
    json_object_set_new(t, "pad_id", json_integer(v->pad >= 0 ? v->pad : 0));
    json_object_set_new(m, "tokenizer", t);
    if (!mg)
        json_object_set_new(par, "max_seq_length", json_integer(p->max_seq_length));
    if (!mg && !mlm) {
        json_object_set_new(par, "max_predictions_per_seq", json_integer(p->max_predictions));
        json_object_set_new(par, "masked_lm_prob", json_real(p->masked_lm_prob));
        json_object_set_new(par, "short_seq_prob", json_real(p->short_seq_prob));
        json_object_set_new(par, "dupe_factor", json_integer(p->dupe_factor));
        json_object_set_new(par, "whole_word_mask", json_boolean(p->whole_word_mask));
    }
    if (!mg)
        json_object_set_new(par, "shard_size", json_integer(p->shard_size));
    json_object_set_new(par, "validation_fraction", json_real(p->validation_fraction));
    json_object_set_new(par, "drop_duplicates", json_boolean(p->drop_duplicates));
    if (!mg && !mlm)
        json_object_set_new(par, "chunk_tokens", json_integer(p->chunk_tokens));
    json_object_set_new(m, "parameters", par);
    json_object_set_new(splits, "train", split_json(&sp[0]));
    json_object_set_new(splits, "validation", split_json(&sp[1]));
    json_object_set_new(m, "splits", splits);
    json_object_set_new(m, "skipped_sentences", json_integer(skipped));
    char *text = json_dumps(m, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    json_decref(m);
    if (text == NULL)
        return mm_err_set(err, MM_ENOMEM, "export: out of memory writing the manifest");
    char path[4096];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    size_t n = strlen(text);
    struct mm_buf b;
    mm_buf_init(&b, 0);
    mm_rc rc = mm_buf_append(&b, text, n);
    if (rc == MM_OK)
        rc = mm_buf_putc(&b, '\n');
    free(text);
    if (rc != MM_OK) {
        mm_buf_free(&b);
        return mm_err_set(err, MM_ENOMEM, "export: out of memory writing the manifest");
    }
    rc = mm_write_file_atomic(path, b.data, b.len, err);
    mm_buf_free(&b);
    return rc;
}

/* The new export is written into DIR.partial beside DIR and swapped in at
 * the end, so a killed or failed export leaves the previous complete one
 * in place. Both names are resolved (DIR may be "." or end in '/'). */
static mm_rc staging_path(const char *out_dir, char **real_out, char **staging, struct mm_err *err) {
    *real_out = realpath(out_dir, NULL);
    if (*real_out == NULL)
        return mm_err_set(err, MM_EIO, "%s: cannot resolve the output folder: %s", out_dir, strerror(errno));
    if (strcmp(*real_out, "/") == 0)
        return mm_err_set(err, MM_EINVAL, "%s: export into a folder of its own, not /", out_dir);
    size_t n = strlen(*real_out) + sizeof ".partial";
    if ((*staging = malloc(n)) == NULL)
        return mm_err_set(err, MM_ENOMEM, "export: out of memory");
    snprintf(*staging, n, "%s.partial", *real_out);
    return MM_OK;
}

/* Put the finished export in `staging` at `real_out`: swap the two folders
 * in one step (renameat2 RENAME_EXCHANGE), then delete the old export now
 * in `staging`. Where the file system cannot exchange, the old folder is
 * renamed away first. */
static mm_rc swap_in(const char *staging, const char *real_out, const char *out_dir, struct mm_err *err) {
    if (renameat2(AT_FDCWD, staging, AT_FDCWD, real_out, RENAME_EXCHANGE) != 0) {
        if (errno != EINVAL && errno != ENOSYS)
            return mm_err_set(err, MM_EIO, "%s: cannot put the new export in place: %s (it is complete in %s)",
                              out_dir, strerror(errno), staging);
        size_t n = strlen(real_out) + sizeof ".old";
        char *old = malloc(n);
        if (old == NULL)
            return mm_err_set(err, MM_ENOMEM, "export: out of memory");
        snprintf(old, n, "%s.old", real_out);
        mm_rc rc = MM_OK;
        if (rename(real_out, old) != 0 || rename(staging, real_out) != 0 || rename(old, staging) != 0)
            rc = mm_err_set(err, MM_EIO, "%s: cannot put the new export in place: %s (it is complete in %s)",
                            out_dir, strerror(errno), staging);
        free(old);
        if (rc != MM_OK)
            return rc;
    }
    /* `staging` now holds the previous export: only our files, removed */
    if (prepare_dir(staging, 1, err) != MM_OK || rmdir(staging) != 0)
        return err->code ? err->code
                         : mm_err_set(err, MM_EIO, "%s: cannot remove the previous export: %s", staging,
                                      strerror(errno));
    return MM_OK;
}

mm_rc export_run(struct store *s, const struct tok_model *tok, const char *out_dir,
                 const struct export_params *p, const volatile int *stop, struct export_counts *counts,
                 struct mm_err *err) {
    mm_rc rc = check_params(p, err);
    if (rc != MM_OK)
        return rc;
    struct tok_specials tsp = tok_specials(tok);
    struct export_vocab v = {tok_vocab_size(tok), tsp.cls, tsp.sep, tsp.mask, tsp.pad, NULL};
    int stream = p->format == EXPORT_MEGATRON || p->objective == EXPORT_MLM; /* no chunks, no masking */
    if (v.cls < 0 || v.sep < 0 || (!stream && v.mask < 0))
        return mm_err_set(err, MM_EINVAL, "tokenizer %s has no %s; this export needs them", tok_name(tok),
                          stream ? "cls and sep tokens ([CLS]/[SEP] or <s>/</s>)" : "[CLS], [SEP] or [MASK]");
    char key[128];
    tok_key(tok, key, sizeof key);
    char *real_out = NULL, *final_dir = NULL;
    if ((rc = prepare_dir(out_dir, 0, err)) != MM_OK || (rc = staging_path(out_dir, &real_out, &final_dir, err)) != MM_OK ||
        (rc = prepare_dir(final_dir, 1, err)) != MM_OK) { /* a killed export's leftovers go */
        free(real_out);
        free(final_dir);
        return rc;
    }
    const char *dest = out_dir; /* for messages */
    out_dir = final_dir;        /* everything is written into the staging folder */

    uint8_t *cont = malloc((size_t)v.size);
    struct split sp[2];
    memset(sp, 0, sizeof sp);
    sp[0].name = "train";
    sp[1].name = "validation";
    sp[1].index = 1;
    struct export_pool pool;
    struct mm_buf order;
    struct export_reader *r = NULL;
    int64_t skipped = 0;
    int in_txn = 0;
    export_pool_init(&pool);
    mm_buf_init(&order, 0);
    for (int i = 0; i < 2; i++)
        export_docs_init(&sp[i].docs);
    if (cont == NULL) {
        rc = mm_err_set(err, MM_ENOMEM, "export: out of memory");
        goto done;
    }
    for (int32_t i = 0; i < v.size; i++)
        cont[i] = (uint8_t)tok_is_continuation(tok, i);
    v.continuation = cont;
    for (int i = 0; i < 2 && rc == MM_OK; i++) {
        if (p->format == EXPORT_MEGATRON)
            rc = export_megatron_new(out_dir, sp[i].name, v.size, &sp[i].mg, err);
        else
            rc = export_sink_new(out_dir, sp[i].name, p, &v, &sp[i].sink, err);
        if (p->objective == EXPORT_MLM && p->format == EXPORT_JSONL)
            export_packer_init(&sp[i].pack, p, &v);
    }
    if (rc != MM_OK)
        goto done;
    /* One read transaction: a snapshot, whatever writers do meanwhile. */
    if (sqlite3_exec(store_db(s), "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        rc = store_fail(s, "cannot start reading", err);
        goto done;
    }
    in_txn = 1;
    if ((rc = export_reader_open(s, key, p->drop_duplicates, &v, &r, err)) != MM_OK)
        goto done;
    int64_t cur = -1, rows = 0;
    size_t doc_tokens = 0;
    int counted = 0; /* the current document has been counted */
    int new_doc = 1;
    struct split *cs = &sp[0];
    double vlimit = p->validation_fraction;
    for (;;) {
        int64_t doc;
        const int32_t *ids;
        size_t n;
        int missing, end;
        if ((rc = export_reader_next(r, &doc, &ids, &n, &missing, &end, err)) != MM_OK)
            break;
        if (end || doc != cur) {
            /* A document ended: a full chunk is turned into instances now. */
            if (!stream && cs->docs.ntok >= (size_t)p->chunk_tokens &&
                (rc = flush_chunk(cs, p, &v, &pool, &order, err)) != MM_OK)
                break;
            if (end)
                break;
            cur = doc;
            new_doc = 1;
            doc_tokens = 0;
            counted = 0;
            uint64_t h = mm_hash64(&doc, sizeof doc, p->seed);
            cs = (double)(h >> 11) * 0x1.0p-53 < vlimit ? &sp[1] : &sp[0];
        }
        if ((++rows & 0xffff) == 0 && stop && *stop) {
            rc = mm_err_set(err, MM_EINTR, "export: stopped by a signal; nothing complete was written");
            break;
        }
        if (missing) {
            skipped++;
            continue;
        }
        if (n == 0)
            continue;
        if (stream) {
            /* megatron: one sequence per sentence; mlm: packed inputs */
            rc = cs->mg ? export_megatron_add(cs->mg, new_doc, ids, n, err)
                        : export_packer_add(&cs->pack, new_doc, ids, n, cs->sink, err);
            if (cs->mg)
                cs->c.instances++;
        } else {
            if (doc_tokens + n > EXPORT_MAX_DOCUMENT_TOKENS) {
                /* A huge document continues as a new one, so memory stays
                 * bounded by the chunk size whatever one row holds. */
                if (cs->docs.ntok >= (size_t)p->chunk_tokens &&
                    (rc = flush_chunk(cs, p, &v, &pool, &order, err)) != MM_OK)
                    break;
                new_doc = 1;
                doc_tokens = 0;
            }
            doc_tokens += n;
            rc = export_docs_add(&cs->docs, new_doc, ids, n, err);
        }
        if (rc != MM_OK)
            break;
        if (!counted)
            cs->c.documents++;
        counted = 1;
        new_doc = 0;
        cs->c.sentences++;
        cs->c.tokens += (int64_t)n;
    }
    for (int i = 0; i < 2 && rc == MM_OK; i++) {
        if (sp[i].mg) {
            rc = export_megatron_finish(sp[i].mg, err);
        } else if (sp[i].pack.L) {
            if ((rc = export_packer_finish(&sp[i].pack, sp[i].sink, err)) == MM_OK)
                rc = export_sink_finish(sp[i].sink, err);
            sp[i].c.instances = sp[i].pack.inputs;
        } else if ((rc = flush_chunk(&sp[i], p, &v, &pool, &order, err)) == MM_OK) {
            rc = export_sink_finish(sp[i].sink, err);
        }
    }
    if (rc == MM_OK && stop && *stop)
        rc = mm_err_set(err, MM_EINTR, "export: stopped by a signal before the manifest was written");
    if (rc == MM_OK)
        rc = write_manifest(out_dir, s, tok, key, p, &v, sp, skipped, err);
done:
    export_reader_free(r);
    if (in_txn)
        sqlite3_exec(store_db(s), "COMMIT", NULL, NULL, NULL);
    if (counts) {
        counts->train = sp[0].c;
        counts->validation = sp[1].c;
        for (int i = 0; i < 2; i++) {
            size_t ns = 0;
            if (sp[i].sink)
                export_sink_shards(sp[i].sink, &ns);
            if (sp[i].mg)
                export_megatron_files(sp[i].mg, &ns);
            (i ? &counts->validation : &counts->train)->shards = (int64_t)ns;
        }
        counts->skipped_sentences = skipped;
    }
    for (int i = 0; i < 2; i++) {
        export_sink_free(sp[i].sink);
        export_megatron_free(sp[i].mg);
        export_packer_free(&sp[i].pack);
        export_docs_free(&sp[i].docs);
    }
    export_pool_free(&pool);
    mm_buf_free(&order);
    free(cont);
    if (rc == MM_OK) {
        rc = swap_in(final_dir, real_out, dest, err);
    } else { /* the previous export stays; the partial one goes */
        struct mm_err ignored;
        mm_err_clear(&ignored);
        if (prepare_dir(final_dir, 1, &ignored) == MM_OK)
            rmdir(final_dir);
    }
    free(real_out);
    free(final_dir);
    return rc;
}
