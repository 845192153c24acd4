/*
 * cmd_embed.c -- `malmoi embed`: sentence vectors from a BERT or RoBERTa
 * model folder or a sentence-transformers folder (embed/embed.h), either
 * for a text file (one sentence a line, a NumPy .npy float32 matrix out) or
 * for the examples in the database.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "embed.h"
#include "store.h"
#include "tokenize.h"

static const char USAGE[] =
    "malmoi embed --model DIR (--db FILE | --input FILE --output FILE.npy)\n"
    "                    [--pooling pooled|cls|mean|max|mean-sqrt-len] [--normalize | --no-normalize]\n"
    "                    [--max-length N] [--batch N] [--threads N]";

static const char HELP[] =
    "Compute one vector per sentence with a Hugging Face model folder: BERT, RoBERTa\n"
    "or XLM-RoBERTa (config.json + model.safetensors or pytorch_model.bin, e.g.\n"
    "skt/kobert-base-v1, klue/roberta-base), or a sentence-transformers folder\n"
    "(modules.json, e.g. snunlp/KR-SBERT-V40K-klueNLI-augSTS, jhgan/ko-sroberta-multitask),\n"
    "whose default output is what SentenceTransformer(DIR).encode() returns.\n"
    "\n"
    "Options:\n"
    "  --model DIR          the model folder; its tokenizer files (spiece.model or\n"
    "                       vocab.txt; in a sentence-transformers folder, those of\n"
    "                       the Transformer module) encode --input text\n"
    "  --input FILE         sentences, one a line (- for standard input); row i of\n"
    "                       the output is line i (an empty line still gets a row)\n"
    "  --output FILE.npy    where to write the (lines, hidden_size) float32 matrix\n"
    "  --db FILE            instead: embed every example in the database that has no\n"
    "                       vector yet for this model (name and weights checksum) and\n"
    "                       pooling; examples made by another tokenizer are left alone\n"
    "  --pooling P          pooled (tanh(W h[CLS] + b), BertModel's pooler_output),\n"
    "                       cls (last hidden state of the first token), mean (mean\n"
    "                       over the real tokens), max (element-wise max over them)\n"
    "                       or mean-sqrt-len (their sum / sqrt(count)). Default: a\n"
    "                       sentence-transformers folder's Pooling mode; else pooled,\n"
    "                       or cls for a checkpoint without pooler weights (RoBERTa\n"
    "                       masked-LM checkpoints have none)\n"
    "  --normalize          divide each vector by its L2 norm (the default when a\n"
    "                       sentence-transformers folder lists a Normalize module)\n"
    "  --no-normalize       do not, even when it does\n"
    "  --max-length N       ids per sentence, [CLS] and [SEP] (or <s> and </s>)\n"
    "                       included (default: a sentence-transformers folder's\n"
    "                       max_seq_length or, without one, the model's positions;\n"
    "                       else 128; at most the model's positions:\n"
    "                       max_position_embeddings, RoBERTa's less pad_token_id + 1)\n"
    "  --batch N            sentences per chunk (default 256); within a chunk\n"
    "                       sentences are grouped by length, so no time goes to padding\n"
    "  --threads N          worker threads (default: the number of CPUs)\n"
    "  -h, --help           this help\n"
    "\n"
    "Example:\n"
    "  malmoi embed --model models/kobert-base-v1 --input sents.txt --output sents.npy\n"
    "\n"
    "Exit status: 0 ok, 1 the model, input or database could not be used, 2 usage error,\n"
    "75 another run holds the database.\n";

enum { O_MODEL = 256, O_DB, O_INPUT, O_OUTPUT, O_POOL, O_MAXLEN, O_BATCH, O_THREADS, O_NORM, O_NO_NORM };

static volatile int stop_flag;

static void progress(void *ctx, int64_t done) {
    (void)ctx;
    cli_progress("embed: %lld examples", (long long)done);
}

/* Python's str.isspace() for one code point (what str.strip() removes). */
static int py_space(uint32_t c) {
    return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f ||
           c == 0x3000;
}

/* sentence-transformers strips each text (str(s).strip()) before tokenizing. */
static void py_strip(const char *s, size_t *a, size_t *b) {
    uint32_t cp;
    int k;
    while (*a < *b && (k = mm_utf8_decode((const unsigned char *)s + *a, *b - *a, &cp)) > 0 && py_space(cp))
        *a += (size_t)k;
    while (*b > *a) {
        size_t st = *b - 1;
        while (st > *a && ((unsigned char)s[st] & 0xc0) == 0x80 && *b - st < 4)
            st--;
        k = mm_utf8_decode((const unsigned char *)s + st, *b - st, &cp);
        if (k <= 0 || st + (size_t)k != *b || !py_space(cp))
            break;
        *b = st;
    }
}

/* --input/--output: tokenize every line, embed in chunks, write .npy. */
static mm_rc embed_text(const struct emb_model *m, const char *tok_dir, int strip, const char *input,
                        const char *output, enum emb_pooling pool, int normalize, size_t max_len, size_t batch,
                        int threads, size_t *n_lines, struct mm_err *err) {
    struct tok_model *tok = NULL;
    struct tok_state *st = NULL;
    struct tok_encoding enc;
    struct mm_buf text;
    int32_t *ids = NULL, *types = NULL, *mask = NULL;
    float *out = NULL;
    size_t *starts = NULL;
    tok_encoding_init(&enc);
    mm_buf_init(&text, (size_t)4 << 30);
    size_t dim = (size_t)emb_model_dim(m), n = 0;
    mm_rc rc = tok_open(tok_dir, &tok, err);
    if (rc)
        goto out;
    if ((rc = mm_read_file(input, 0, &text, err)))
        goto out;
    /* Lines: a final line without newline counts; a trailing newline adds none. */
    for (size_t i = 0; i < text.len; i++)
        if (text.data[i] == '\n')
            n++;
    if (text.len && text.data[text.len - 1] != '\n')
        n++;
    starts = malloc((n + 1) * sizeof *starts);
    out = malloc((n ? n : 1) * dim * sizeof *out);
    ids = malloc(batch * max_len * sizeof *ids);
    types = malloc(batch * max_len * sizeof *types);
    mask = malloc(batch * max_len * sizeof *mask);
    st = tok_state_new();
    if (!starts || !out || !ids || !types || !mask || !st) {
        rc = mm_err_set(err, MM_ENOMEM, "%s: out of memory for %zu lines", input, n);
        goto out;
    }
    size_t k = 0;
    starts[0] = 0;
    for (size_t i = 0; i < text.len && k < n; i++)
        if (text.data[i] == '\n')
            starts[++k] = i + 1;
    starts[n] = text.len + (text.len && text.data[text.len - 1] != '\n' ? 1 : 0);
    struct emb_run run = {threads, 0, normalize};
    for (size_t first = 0; first < n; first += batch) {
        if (stop_flag) {
            rc = mm_err_set(err, MM_EINTR, "%s: stopped by a signal at line %zu; nothing was written", input, first + 1);
            goto out;
        }
        size_t cnt = n - first < batch ? n - first : batch;
        for (size_t j = 0; j < cnt; j++) {
            size_t a = starts[first + j], b = starts[first + j + 1] - 1; /* without the newline */
            if (b > text.len)
                b = text.len;
            if (b > a && text.data[b - 1] == '\r')
                b--;
            if (strip)
                py_strip(text.data, &a, &b);
            if ((rc = tok_encode_bert(tok, st, text.data + a, b - a, NULL, 0, max_len, 1, TOK_SAFE, &enc, err))) {
                mm_err_set(err, rc, "%s:%zu: cannot tokenize the line", input, first + j + 1);
                goto out;
            }
            memcpy(ids + j * max_len, enc.input_ids, max_len * sizeof *ids);
            memcpy(types + j * max_len, enc.token_type_ids, max_len * sizeof *types);
            memcpy(mask + j * max_len, enc.attention_mask, max_len * sizeof *mask);
        }
        struct emb_input in = {cnt, max_len, ids, types, mask};
        if ((rc = emb_encode(m, &in, pool, &run, out + first * dim, err)))
            goto out;
        cli_progress("embed: %zu/%zu lines", first + cnt, n);
    }
    cli_progress_done();
    rc = emb_npy_write_f32(output, out, n, dim, err);
    *n_lines = n;
out:
    tok_encoding_free(&enc);
    tok_state_free(st);
    tok_close(tok);
    mm_buf_free(&text);
    free(starts);
    free(out);
    free(ids);
    free(types);
    free(mask);
    return rc;
}

static int run(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        printf("usage: %s\n\n%s", USAGE, HELP);
        return CLI_EXIT_OK;
    }
    static const struct option opts[] = {
        {"model", required_argument, NULL, O_MODEL},     {"db", required_argument, NULL, O_DB},
        {"input", required_argument, NULL, O_INPUT},     {"output", required_argument, NULL, O_OUTPUT},
        {"pooling", required_argument, NULL, O_POOL},    {"max-length", required_argument, NULL, O_MAXLEN},
        {"batch", required_argument, NULL, O_BATCH},     {"threads", required_argument, NULL, O_THREADS},
        {"normalize", no_argument, NULL, O_NORM},         {"no-normalize", no_argument, NULL, O_NO_NORM},
        {NULL, 0, NULL, 0},
    };
    const char *model_dir = NULL, *db = NULL, *input = NULL, *output = NULL;
    int pool = EMB_POOL_DEFAULT, normalize = -1;
    long max_len = 0, batch = 256, threads = sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1)
        threads = 1;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case O_MODEL: model_dir = optarg; break;
        case O_DB: db = optarg; break;
        case O_INPUT: input = optarg; break;
        case O_OUTPUT: output = optarg; break;
        case O_POOL:
            pool = emb_pooling_parse(optarg);
            if (pool < 0)
                return cli_usage_error("embed", USAGE, "--pooling wants pooled, cls, mean, max or mean-sqrt-len, not '%s'",
                                       optarg);
            break;
        case O_NORM: normalize = 1; break;
        case O_NO_NORM: normalize = 0; break;
        case O_MAXLEN:
            if (cli_parse_long("embed", USAGE, "--max-length", optarg, 2, 65536, &max_len))
                return CLI_EXIT_USAGE;
            break;
        case O_BATCH:
            if (cli_parse_long("embed", USAGE, "--batch", optarg, 1, 1000000, &batch))
                return CLI_EXIT_USAGE;
            break;
        case O_THREADS:
            if (cli_parse_long("embed", USAGE, "--threads", optarg, 1, 256, &threads))
                return CLI_EXIT_USAGE;
            break;
        default: return cli_bad_option("embed", USAGE, c, argv);
        }
    }
    if (optind < argc)
        return cli_usage_error("embed", USAGE, "unexpected argument '%s'", argv[optind]);
    if (!model_dir)
        return cli_usage_error("embed", USAGE, "give --model DIR");
    if (!db == !input)
        return cli_usage_error("embed", USAGE, "give either --db FILE or --input FILE --output FILE.npy");
    if (input && !output)
        return cli_usage_error("embed", USAGE, "--input needs --output FILE.npy");
    if (db && output)
        return cli_usage_error("embed", USAGE, "--output goes with --input, not --db");

    struct mm_err err = {0};
    struct emb_model *m = NULL;
    if (emb_model_open(model_dir, &m, &err))
        return cli_fail("embed", &err);
    struct emb_model_defaults md;
    emb_model_defaults(m, &md);
    if (pool == EMB_POOL_DEFAULT)
        pool = md.pool;
    if (normalize < 0)
        normalize = md.normalize;
    if (max_len == 0)
        max_len = md.max_length ? md.max_length : 128;
    if (max_len > emb_model_max_positions(m)) {
        cli_log("embed: --max-length %ld is more than the model's %d positions; using %d", max_len,
                emb_model_max_positions(m), emb_model_max_positions(m));
        max_len = emb_model_max_positions(m);
    }
    if (pool == EMB_POOLED && !emb_model_has_pooler(m)) {
        mm_err_set(&err, MM_EINVAL,
                   "%s: the checkpoint has no pooler weights (pooler.dense.*), so --pooling pooled is impossible; use"
                   " --pooling cls (the default for it), mean, max or mean-sqrt-len",
                   emb_model_weights_path(m));
        emb_model_close(m);
        return cli_fail("embed", &err);
    }
    char label[48]; /* the output named as embeddings.pooling names it */
    snprintf(label, sizeof label, "%s%s", emb_pooling_name((enum emb_pooling)pool), normalize ? "+normalize" : "");
    cli_install_stop(&stop_flag);
    double t0 = mm_now_monotonic();
    int rcode = CLI_EXIT_OK;
    if (input) {
        size_t n = 0;
        if (embed_text(m, md.tokenizer_dir, md.strip, input, output, (enum emb_pooling)pool, normalize,
                       (size_t)max_len, (size_t)batch, (int)threads, &n, &err))
            rcode = cli_fail("embed", &err);
        else
            cli_log("embed: %zu sentences -> %s (%d dims, %s, %.1f sentences/s)", n, output, emb_model_dim(m),
                    label, n / (mm_now_monotonic() - t0 + 1e-9));
    } else {
        struct store *s = NULL;
        int64_t run_id = 0, done = 0;
        char tokid[96];
        const char *tokp = NULL;
        struct tok_model *tok = NULL;
        struct mm_err terr = {0};
        /* Only examples this model's tokenizer made fit its vocabulary. */
        if (tok_open(md.tokenizer_dir, &tok, &terr) == MM_OK) {
            tok_key(tok, tokid, sizeof tokid);
            tokp = tokid;
            tok_close(tok);
        } else {
            cli_log("embed: no tokenizer in %s (%s); embedding the examples of every tokenizer", md.tokenizer_dir,
                    terr.msg);
        }
        mm_rc rc = store_open(db, STORE_LOCK, "embed", &s, &err);
        if (!rc)
            rc = store_run_begin(s, "embed", model_dir, &run_id, &err);
        if (!rc) {
            struct emb_db_opts o = {.pool = (enum emb_pooling)pool, .run = {(int)threads, 0, normalize}, .batch = (size_t)batch,
                                    .max_length = (size_t)max_len, .tokenizer = tokp, .stop = &stop_flag,
                                    .progress = progress};
            rc = emb_db_embed(store_db(s), m, &o, &done, &err);
            cli_progress_done();
            char msg[160];
            snprintf(msg, sizeof msg, "%lld embeddings (%s, %s)", (long long)done, emb_model_name(m), label);
            struct store_run_counts counts = {0, 0, 0, NULL};
            struct mm_err e2 = {0};
            store_run_end(s, run_id, rc == MM_OK ? "ok" : rc == MM_EINTR ? "interrupted" : "failed", &counts, msg, &e2);
        }
        if (rc)
            rcode = cli_fail("embed", &err);
        else
            cli_log("embed: %lld new embeddings in %s (%s, %s, %.1f/s)", (long long)done, db, emb_model_name(m),
                    label, done / (mm_now_monotonic() - t0 + 1e-9));
        store_close(s);
    }
    emb_model_close(m);
    return rcode;
}

const struct cli_command cli_cmd_embed = {"embed", 60,
                                          "sentence vectors from a BERT, RoBERTa or sentence-transformers model", run};
