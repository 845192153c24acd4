/*
 * cmd_tokenize.c -- `malmoi tokenize`: one output line per input line, in
 * the format of `spm_encode --output_format=piece|id` (SentencePiece) or
 * space-separated WordPiece tokens, or BERT inputs as JSON Lines. The
 * input is read in blocks; with --threads the lines of a block are split
 * between threads and written back in order.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "tokenize.h"

static const char usage[] =
    "malmoi tokenize (--model FILE.model|DIR [--vocab vocab.txt] | --vocab vocab.txt [--lowercase] |\n"
    "                 --tokenizer FILE.json|PATH) [--ids] [--encode [--pair] [--max-length N]] [--safe]\n"
    "                 [--threads N] [INPUT]";

static void help(void) {
    printf("usage: %s\n\n"
           "Tokenize text, one output line per input line (INPUT or standard input).\n"
           "A line may hold at most 16 MiB (the line limit).\n\n"
           "Tokenizer (one of):\n"
           "  --model FILE.model   SentencePiece unigram model (KoBERT: config/models/kobert/\n"
           "                       spiece.model); output identical to spm_encode 0.1.97\n"
           "  --model DIR          a model folder, as --tokenizer DIR\n"
           "  --model F --vocab V  pieces of an older .model mapped to ids by vocab.txt line\n"
           "                       (monologg's KoBERT route)\n"
           "  --vocab vocab.txt    WordPiece (mBERT), tokens as Hugging Face tokenizers gives\n"
           "  --tokenizer PATH     a Hugging Face tokenizer.json (WordPiece, BPE, byte-level\n"
           "                       BPE, Unigram; identical to HF tokenizers' encode(text,\n"
           "                       add_special_tokens=False)), a .model, a vocab.txt, or a\n"
           "                       model folder (tokenizer.json, then spiece.model or\n"
           "                       sentencepiece.bpe.model, then vocab.txt)\n\n"
           "Options:\n"
           "  --lowercase          WordPiece: lowercase and strip accents (uncased vocabs)\n"
           "  --ids                print ids instead of pieces\n"
           "  --encode             print model inputs as JSON Lines: input_ids, token_type_ids,\n"
           "                       attention_mask ([CLS] A [SEP]; a tokenizer.json uses its\n"
           "                       post-processor, e.g. <s> A </s>)\n"
           "  --pair               with --encode: each line is A<TAB>B -> [CLS] A [SEP] B [SEP]\n"
           "  --max-length N       with --encode: truncate (pairs: longer side first) and pad\n"
           "                       on the right with [PAD] to N tokens\n"
           "  --safe               corpus mode: text such as \"[CLS]\" or \"[MASK]\" never gives\n"
           "                       special ids (default: exactly what the reference gives)\n"
           "  --threads N          split the input between N threads (1-64; output order kept)\n\n"
           "Exit status: 0 ok, 1 failure (the message names the file), 2 usage error.\n",
           usage);
}

struct job {
    const struct tok_model *m;
    struct tok_state *st;
    struct tok_encoding enc;
    struct mm_buf out;
    struct mm_err err;
    const char **lines; /* line starts */
    size_t *lens;
    size_t from, to;
    size_t first_lineno; /* 1-based number of lines[from] in the input */
    unsigned flags;
    int ids, encode, pair;
    size_t max_len;
    const char *input;
    mm_rc rc;
};

static mm_rc put_array(struct mm_buf *b, const char *name, const int32_t *v, size_t n) {
    mm_rc rc = mm_buf_printf(b, "\"%s\":[", name);
    for (size_t i = 0; i < n && rc == MM_OK; i++)
        rc = mm_buf_printf(b, i ? ",%d" : "%d", (int)v[i]);
    if (rc == MM_OK)
        rc = mm_buf_putc(b, ']');
    return rc;
}

static void *work(void *arg) {
    struct job *j = arg;
    j->rc = MM_OK;
    for (size_t i = j->from; i < j->to && j->rc == MM_OK; i++) {
        const char *s = j->lines[i];
        size_t n = j->lens[i];
        mm_rc rc;
        if (!j->encode) {
            rc = tok_encode_line(j->m, j->st, s, n, j->flags, j->ids, &j->out, &j->err);
        } else {
            const char *b = NULL;
            size_t alen = n, blen = 0;
            if (j->pair) {
                const char *tab = memchr(s, '\t', n);
                if (!tab) {
                    j->rc = mm_err_set(&j->err, MM_EPARSE,
                                       "%s:%zu: no tab; --pair wants TEXT_A<TAB>TEXT_B a line",
                                       j->input, j->first_lineno + (i - j->from));
                    break;
                }
                alen = (size_t)(tab - s);
                b = tab + 1;
                blen = n - alen - 1;
            }
            rc = tok_encode_bert(j->m, j->st, s, alen, b, blen, j->max_len, j->max_len > 0,
                                 j->flags, &j->enc, &j->err);
            if (rc == MM_OK) rc = mm_buf_putc(&j->out, '{');
            if (rc == MM_OK) rc = put_array(&j->out, "input_ids", j->enc.input_ids, j->enc.len);
            if (rc == MM_OK) rc = mm_buf_putc(&j->out, ',');
            if (rc == MM_OK)
                rc = put_array(&j->out, "token_type_ids", j->enc.token_type_ids, j->enc.len);
            if (rc == MM_OK) rc = mm_buf_putc(&j->out, ',');
            if (rc == MM_OK)
                rc = put_array(&j->out, "attention_mask", j->enc.attention_mask, j->enc.len);
            if (rc == MM_OK) rc = mm_buf_putc(&j->out, '}');
        }
        if (rc == MM_OK)
            rc = mm_buf_putc(&j->out, '\n');
        if (rc) {
            if (j->err.code == MM_OK)
                mm_err_set(&j->err, rc, "%s", mm_strerror(rc));
            j->rc = j->err.code;
            /* name the input line in front of the library's message */
            struct mm_err e2;
            mm_err_clear(&e2);
            mm_err_set(&e2, j->rc, "%s:%zu: %s", j->input, j->first_lineno + (i - j->from),
                       j->err.msg);
            j->err = e2;
        }
    }
    return NULL;
}

#define BLOCK (4u << 20)

static int run(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        help();
        return CLI_EXIT_OK;
    }
    enum { O_MODEL = 1, O_VOCAB, O_TOK, O_LOWER, O_IDS, O_ENCODE, O_PAIR, O_MAXLEN, O_SAFE,
           O_THREADS };
    static const struct option opts[] = {
        {"model", required_argument, NULL, O_MODEL},
        {"vocab", required_argument, NULL, O_VOCAB},
        {"tokenizer", required_argument, NULL, O_TOK},
        {"lowercase", no_argument, NULL, O_LOWER},
        {"ids", no_argument, NULL, O_IDS},
        {"encode", no_argument, NULL, O_ENCODE},
        {"pair", no_argument, NULL, O_PAIR},
        {"max-length", required_argument, NULL, O_MAXLEN},
        {"safe", no_argument, NULL, O_SAFE},
        {"threads", required_argument, NULL, O_THREADS},
        {0}};
    const char *model = NULL, *vocab = NULL, *tokpath = NULL;
    int lower = 0, ids = 0, encode = 0, pair = 0, safe = 0;
    long max_len = 0, threads = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case O_MODEL: model = optarg; break;
        case O_VOCAB: vocab = optarg; break;
        case O_TOK: tokpath = optarg; break;
        case O_LOWER: lower = 1; break;
        case O_IDS: ids = 1; break;
        case O_ENCODE: encode = 1; break;
        case O_PAIR: pair = 1; break;
        case O_SAFE: safe = 1; break;
        case O_MAXLEN:
            if (cli_parse_long("tokenize", usage, "--max-length", optarg, 3, 1 << 20, &max_len))
                return CLI_EXIT_USAGE;
            break;
        case O_THREADS:
            if (cli_parse_long("tokenize", usage, "--threads", optarg, 1, 64, &threads))
                return CLI_EXIT_USAGE;
            break;
        default:
            return cli_bad_option("tokenize", usage, c, argv);
        }
    }
    if (optind + 1 < argc)
        return cli_usage_error("tokenize", usage, "unexpected argument '%s'", argv[optind + 1]);
    const char *input = optind < argc ? argv[optind] : "-";
    if (!model && !vocab && !tokpath)
        return cli_usage_error("tokenize", usage, "give --model, --vocab or --tokenizer");
    if (tokpath && (model || vocab))
        return cli_usage_error("tokenize", usage, "--tokenizer excludes --model and --vocab");
    if (lower && (model || tokpath))
        return cli_usage_error("tokenize", usage, "--lowercase applies to --vocab alone");
    if ((pair || max_len) && !encode)
        return cli_usage_error("tokenize", usage, "--pair and --max-length need --encode");

    struct mm_err err;
    mm_err_clear(&err);
    struct tok_model *m = NULL;
    mm_rc rc;
    struct stat mst;
    int model_any = model && !vocab &&
                    ((stat(model, &mst) == 0 && S_ISDIR(mst.st_mode)) ||
                     (strlen(model) > 5 && strcmp(model + strlen(model) - 5, ".json") == 0));
    if (tokpath || model_any)
        rc = tok_open(tokpath ? tokpath : model, &m, &err); /* a folder or a tokenizer.json */
    else if (model)
        rc = tok_open_sp(model, vocab, &m, &err);
    else
        rc = tok_open_wordpiece(vocab, lower, &m, &err);
    if (rc)
        return cli_fail("tokenize", &err);

    FILE *in = strcmp(input, "-") == 0 ? stdin : fopen(input, "rb");
    if (!in) {
        mm_err_set(&err, MM_ENOTFOUND, "%s: cannot open: %s", input, strerror(errno));
        tok_close(m);
        return cli_fail("tokenize", &err);
    }

    size_t nt = (size_t)threads;
    struct job *jobs = calloc(nt, sizeof *jobs);
    pthread_t *tids = calloc(nt, sizeof *tids);
    struct mm_buf data;
    mm_buf_init(&data, MM_LINE_MAX + (size_t)BLOCK * nt + (4u << 20));
    const char **lines = NULL;
    size_t *lens = NULL, lines_cap = 0;
    int status = CLI_EXIT_OK;
    if (!jobs || !tids) {
        mm_err_set(&err, MM_ENOMEM, "out of memory");
        status = cli_fail("tokenize", &err);
        goto done;
    }
    for (size_t t = 0; t < nt; t++) {
        jobs[t].m = m;
        jobs[t].st = tok_state_new();
        tok_encoding_init(&jobs[t].enc);
        mm_buf_init(&jobs[t].out, 0);
        jobs[t].flags = safe ? TOK_SAFE : 0;
        jobs[t].ids = ids;
        jobs[t].encode = encode;
        jobs[t].pair = pair;
        jobs[t].max_len = (size_t)max_len;
        jobs[t].input = input;
        if (!jobs[t].st) {
            mm_err_set(&err, MM_ENOMEM, "out of memory");
            status = cli_fail("tokenize", &err);
            goto done;
        }
    }

    size_t lineno = 1;
    int eof = 0;
    while (!eof || data.len) {
        /* Fill the block: at least BLOCK bytes a thread or up to the end of input,
         * always ending on a line break unless the input ended. The line still
         * open at the end of the block is checked against the line limit as it
         * is read, so an endless line stops at MM_LINE_MAX. */
        const char *last_nl = data.len ? memrchr(data.data, '\n', data.len) : NULL;
        size_t open_from = last_nl ? (size_t)(last_nl - data.data) + 1 : 0; /* start of the unfinished line */
        while (!eof && (data.len < BLOCK * nt || last_nl == NULL)) {
            mm_rc rr = mm_buf_reserve(&data, 1 << 16);
            if (rr != MM_OK) {
                mm_err_set(&err, rr, "%s: out of memory reading the input", input);
                status = cli_fail("tokenize", &err);
                goto done;
            }
            size_t want = data.cap - data.len - 1;
            if (want > (1u << 20)) /* the open line is checked at least every MiB */
                want = 1u << 20;
            size_t got = fread(data.data + data.len, 1, want, in);
            const char *nl = got ? memrchr(data.data + data.len, '\n', got) : NULL;
            if (nl) {
                last_nl = nl;
                open_from = (size_t)(nl - data.data) + 1;
            }
            data.len += got;
            data.data[data.len] = 0;
            if (data.len - open_from > MM_LINE_MAX) {
                const char *q = data.data;
                for (size_t k = 0; k < open_from; k++)
                    lineno += q[k] == '\n';
                mm_err_set(&err, MM_ELIMIT, "%s:%zu: line longer than %zu bytes (the line limit); split it",
                           input, lineno, MM_LINE_MAX);
                status = cli_fail("tokenize", &err);
                goto done;
            }
            if (got == 0) {
                if (ferror(in)) {
                    mm_err_set(&err, MM_EIO, "%s: read failed: %s", input, strerror(errno));
                    status = cli_fail("tokenize", &err);
                    goto done;
                }
                eof = 1;
            }
        }
        if (data.len == 0)
            break;
        size_t use = data.len;
        if (!eof) {
            const char *nl = memrchr(data.data, '\n', data.len);
            use = (size_t)(nl - data.data) + 1;
        }
        /* split into lines */
        size_t nlines = 0;
        for (size_t p = 0; p < use;) {
            const char *nl = memchr(data.data + p, '\n', use - p);
            size_t e = nl ? (size_t)(nl - data.data) : use;
            if (nlines == lines_cap) {
                size_t ncap = lines_cap ? lines_cap * 2 : 4096;
                const char **nlp = realloc(lines, ncap * sizeof *lines);
                if (nlp) lines = nlp;
                size_t *nle = realloc(lens, ncap * sizeof *lens);
                if (nle) lens = nle;
                if (!nlp || !nle) {
                    mm_err_set(&err, MM_ENOMEM, "out of memory");
                    status = cli_fail("tokenize", &err);
                    goto done;
                }
                lines_cap = ncap;
            }
            lines[nlines] = data.data + p;
            lens[nlines++] = e - p;
            p = e + 1;
        }
        /* distribute by bytes so threads get similar work */
        size_t per = use / nt + 1, li = 0, acc = 0;
        for (size_t t = 0; t < nt; t++) {
            jobs[t].lines = lines;
            jobs[t].lens = lens;
            jobs[t].from = li;
            jobs[t].first_lineno = lineno + li;
            if (t == nt - 1) {
                li = nlines;
            } else {
                size_t target = per * (t + 1);
                while (li < nlines && acc < target)
                    acc += lens[li++] + 1;
            }
            jobs[t].to = li;
            mm_buf_reset(&jobs[t].out);
        }
        size_t started = 0;
        if (nt == 1) {
            work(&jobs[0]);
        } else {
            for (size_t t = 0; t < nt; t++) {
                if (pthread_create(&tids[t], NULL, work, &jobs[t]) != 0)
                    break;
                started++;
            }
            for (size_t t = 0; t < started; t++)
                pthread_join(tids[t], NULL);
            if (started < nt) {
                mm_err_set(&err, MM_ENOMEM, "cannot start %zu threads; use fewer", nt);
                status = cli_fail("tokenize", &err);
                goto done;
            }
        }
        for (size_t t = 0; t < nt; t++) {
            if (jobs[t].rc) {
                /* write what came before the failing line, then fail */
                for (size_t u = 0; u < t; u++)
                    fwrite(jobs[u].out.data, 1, jobs[u].out.len, stdout);
                status = cli_fail("tokenize", &jobs[t].err);
                goto done;
            }
        }
        for (size_t t = 0; t < nt; t++)
            if (jobs[t].out.len && fwrite(jobs[t].out.data, 1, jobs[t].out.len, stdout) !=
                                       jobs[t].out.len) {
                mm_err_set(&err, MM_EIO, "writing the output failed: %s", strerror(errno));
                status = cli_fail("tokenize", &err);
                goto done;
            }
        lineno += nlines;
        memmove(data.data, data.data + use, data.len - use);
        data.len -= use;
        data.data[data.len] = 0;
    }
    if (fflush(stdout) != 0) {
        mm_err_set(&err, MM_EIO, "writing the output failed: %s", strerror(errno));
        status = cli_fail("tokenize", &err);
    }
done:
    if (jobs)
        for (size_t t = 0; t < nt; t++) {
            tok_state_free(jobs[t].st);
            tok_encoding_free(&jobs[t].enc);
            mm_buf_free(&jobs[t].out);
        }
    free(jobs);
    free(tids);
    free(lines);
    free(lens);
    mm_buf_free(&data);
    if (in != stdin)
        fclose(in);
    tok_close(m);
    return status;
}

const struct cli_command cli_cmd_tokenize = {
    "tokenize", 30, "tokenize text with KoBERT SentencePiece, mBERT WordPiece or a tokenizer.json",
    run};
