/*
 * cmd_sentences.c -- `malmoi sentences [INPUT]`: split each input line (one
 * paragraph) into sentences, one a line, an empty line after each paragraph;
 * `--gold FILE...` scores the splitter on labelled files (EM, F1, NF1).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "text.h"

static const char usage[] = "malmoi sentences [INPUT] | malmoi sentences --gold FILE...";

static int split_stream(FILE *in, const char *name, struct text_splitter *sp) {
    struct mm_buf lb;
    mm_buf_init(&lb, MM_LINE_MAX);
    long lineno = 0;
    struct mm_err err;
    mm_err_clear(&err);
    for (;;) {
        mm_rc rr = mm_read_line(in, &lb);
        if (rr == MM_OK && lb.len == 0)
            break; /* end of input */
        lineno++;
        size_t len = lb.len, bad;
        if (rr == MM_ELIMIT)
            mm_err_set(&err, MM_ELIMIT, "%s:%ld: line longer than %zu bytes (the line limit); split it", name, lineno,
                       MM_LINE_MAX);
        else if (rr == MM_ENOMEM)
            mm_err_set(&err, MM_ENOMEM, "%s:%ld: out of memory reading the line", name, lineno);
        else if (rr != MM_OK)
            mm_err_set(&err, MM_EIO, "%s: read failed at line %ld: %s", name, lineno, strerror(errno));
        else if (!mm_utf8_valid(lb.data, len, &bad)) /* the same message as import */
            mm_err_set(&err, MM_ECHARSET,
                       "%s:%ld: invalid UTF-8 at byte offset %zu of the line; convert the file to UTF-8", name,
                       lineno, bad);
        if (err.code != MM_OK)
            break;
        if (len && lb.data[len - 1] == '\n')
            len--;
        const struct text_span *sv;
        size_t ns;
        struct mm_err serr;
        mm_err_clear(&serr);
        if (text_split(sp, lb.data, len, &sv, &ns, &serr) != MM_OK) {
            mm_err_set(&err, serr.code, "%s:%ld: %s", name, lineno, serr.msg);
            break;
        }
        for (size_t i = 0; i < ns; i++) {
            fwrite(lb.data + sv[i].start, 1, sv[i].len, stdout);
            putchar('\n');
        }
        putchar('\n');
    }
    mm_buf_free(&lb);
    if (err.code != MM_OK)
        return cli_fail("sentences", &err);
    return CLI_EXIT_OK;
}

/* Score one gold file; adds to *pooled, prints a line. */
static mm_rc score_file(const char *path, struct text_splitter *sp, struct text_eval *out, struct mm_err *err) {
    struct mm_buf b, para;
    mm_buf_init(&b, (size_t)1 << 30);
    mm_buf_init(&para, 0);
    const char **gold = NULL, **pred = NULL;
    size_t *glen = NULL, *plen = NULL, cap = 0, ng = 0;
    mm_rc rc = mm_read_file(path, (size_t)1 << 30, &b, err);
    if (rc != MM_OK)
        goto done;
    memset(out, 0, sizeof *out);
    const char *s = b.data ? b.data : "";
    size_t pos = 0;
    for (;;) {
        const char *nl = memchr(s + pos, '\n', b.len - pos);
        size_t end = nl ? (size_t)(nl - s) : b.len;
        int blank = 1;
        for (size_t k = pos; k < end; k++)
            if (s[k] != ' ' && s[k] != '\t' && s[k] != '\r')
                blank = 0;
        if (!blank) {
            if (ng == cap) {
                cap = cap ? cap * 2 : 64;
                const char **ng2 = realloc(gold, cap * sizeof *gold);
                if (ng2)
                    gold = ng2;
                size_t *nl2 = realloc(glen, cap * sizeof *glen);
                if (nl2)
                    glen = nl2;
                if (!ng2 || !nl2) {
                    rc = mm_err_set(err, MM_ENOMEM, "%s: out of memory", path);
                    goto done;
                }
            }
            gold[ng] = s + pos;
            glen[ng] = end - pos;
            ng++;
        }
        if ((blank || !nl) && ng > 0) {
            /* the splitter's input: the paragraph's lines joined with nothing */
            mm_buf_reset(&para);
            for (size_t i = 0; i < ng; i++)
                if ((rc = mm_buf_append(&para, gold[i], glen[i])) != MM_OK)
                    goto done;
            const struct text_span *sv;
            size_t ns;
            if ((rc = text_split(sp, para.data, para.len, &sv, &ns, err)) != MM_OK)
                goto done;
            free(pred);
            free(plen);
            pred = malloc((ns + 1) * sizeof *pred);
            plen = malloc((ns + 1) * sizeof *plen);
            if (!pred || !plen) {
                rc = mm_err_set(err, MM_ENOMEM, "%s: out of memory", path);
                goto done;
            }
            for (size_t i = 0; i < ns; i++) {
                pred[i] = para.data + sv[i].start;
                plen[i] = sv[i].len;
            }
            if ((rc = text_eval_paragraph(out, gold, glen, ng, pred, plen, ns, err)) != MM_OK)
                goto done;
            ng = 0;
        }
        if (!nl)
            break;
        pos = end + 1;
    }
done:
    free(gold);
    free(glen);
    free(pred);
    free(plen);
    mm_buf_free(&b);
    mm_buf_free(&para);
    return rc;
}

static void print_scores(const char *name, const struct text_eval *e) {
    double g = e->gold ? (double)e->gold : 1.0;
    printf("%s\tgold %zu\tsystem %zu\tem %.5f\tf1 %.5f\tnf1 %.5f\n", name, e->gold, e->system, e->em / g, e->f1 / g,
           e->nf1 / g);
}

static int run(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        printf("usage: %s\n\n"
               "Split Korean text into sentences with the text stage's splitter.\n"
               "Each input line is one paragraph; for each, its sentences are printed one a\n"
               "line, then one empty line. INPUT is a file or - (standard input, the default).\n"
               "The text is split exactly as read: no normalisation. A line may hold at most\n"
               "16 MiB (the line limit); a bad byte is reported by its offset in the line,\n"
               "counted from 0.\n\n"
               "With --gold, each FILE is labelled data (one gold sentence a line, a blank\n"
               "line between paragraphs; a paragraph's lines joined with nothing are the\n"
               "splitter's input) and the command prints, per file, the gold and system\n"
               "sentence counts and EM, F1 and normalised F1 (the Kiwi/Kss metric), then\n"
               "'pooled' (sentence-weighted) and 'average' (mean of the files) lines.\n\n"
               "Options:\n"
               "  --gold      score the splitter on the FILEs instead of splitting INPUT\n"
               "\nExit status: 0 ok, 1 unreadable input or invalid UTF-8, 2 usage error.\n",
               usage);
        return CLI_EXIT_OK;
    }
    static const struct option opts[] = {{"gold", no_argument, NULL, 'g'}, {0}};
    int gold = 0, c;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (c == 'g')
            gold = 1;
        else
            return cli_bad_option("sentences", usage, c, argv);
    }
    struct mm_err err;
    mm_err_clear(&err);
    struct text_splitter *sp;
    if (text_splitter_new(&sp, &err) != MM_OK)
        return cli_fail("sentences", &err);
    int status = CLI_EXIT_OK;
    if (gold) {
        if (optind >= argc) {
            text_splitter_free(sp);
            return cli_usage_error("sentences", usage, "--gold needs at least one FILE");
        }
        struct text_eval pooled = {0};
        double avg_em = 0, avg_f1 = 0, avg_nf1 = 0;
        int nfiles = 0;
        for (int i = optind; i < argc; i++) {
            struct text_eval e;
            if (score_file(argv[i], sp, &e, &err) != MM_OK) {
                status = cli_fail("sentences", &err);
                break;
            }
            print_scores(argv[i], &e);
            pooled.gold += e.gold;
            pooled.system += e.system;
            pooled.em += e.em;
            pooled.f1 += e.f1;
            pooled.nf1 += e.nf1;
            double g = e.gold ? (double)e.gold : 1.0;
            avg_em += e.em / g;
            avg_f1 += e.f1 / g;
            avg_nf1 += e.nf1 / g;
            nfiles++;
        }
        if (status == CLI_EXIT_OK) {
            print_scores("pooled", &pooled);
            printf("average\tgold %zu\tsystem %zu\tem %.5f\tf1 %.5f\tnf1 %.5f\n", pooled.gold, pooled.system,
                   avg_em / nfiles, avg_f1 / nfiles, avg_nf1 / nfiles);
        }
    } else {
        if (optind + 1 < argc) {
            text_splitter_free(sp);
            return cli_usage_error("sentences", usage, "unexpected argument '%s'", argv[optind + 1]);
        }
        const char *path = optind < argc ? argv[optind] : "-";
        FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
        if (in == NULL) {
            mm_err_set(&err, MM_EIO, "%s: cannot open; check the path", path);
            status = cli_fail("sentences", &err);
        } else {
            status = split_stream(in, path, sp);
            if (in != stdin)
                fclose(in);
        }
    }
    text_splitter_free(sp);
    return status;
}

const struct cli_command cli_cmd_sentences = {"sentences", 25, "split text into sentences (one paragraph a line)",
                                              run};
