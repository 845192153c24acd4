/*
 * cmd_export.c -- `malmoi export --db FILE --out DIR --format tfrecord|jsonl`:
 * BERT pretraining shards (MLM + NSP) from the corpus database (export/).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_pipeline.h"
#include "export.h"
#include "store.h"
#include "tokenize.h"

static const char usage[] =
    "malmoi export --db FILE --out DIR [--format tfrecord|jsonl] [--tokenizer PATH | --config FILE]\n"
    "       [--seed N]"
    "       [--max-seq-length 128] [--max-predictions 20] [--masked-lm-prob 0.15] [--short-seq-prob 0.1]\n"
    "       [--dupe-factor 10] [--whole-word-mask] [--shard-size N] [--validation-fraction F]\n"
    "       [--drop-duplicates] [--chunk-tokens N]";

static void help(void) {
    printf("usage: %s\n\n"
           "Write BERT pretraining data (masked LM + next sentence prediction) from the database,\n"
           "with the algorithm of google-research/bert's create_pretraining_data.py: documents of\n"
           "sentences, segments filled up to the target length (shorter with --short-seq-prob), a\n"
           "random next segment from another document half the time (NSP label 1 = random),\n"
           "truncate_seq_pair, 15%% of the tokens masked (80%% [MASK], 10%% random, 10%% unchanged).\n\n"
           "Sentences without an encoding for the tokenizer are encoded first and stored in the\n"
           "database; documents imported in BERT text format get one sentence per line, all kept,\n"
           "in order. Documents are processed in chunks (--chunk-tokens) so memory stays bounded;\n"
           "random next segments come from the same chunk. The same database, tokenizer, seed\n"
           "and options give byte-identical shards.\n\n"
           "Output in DIR (created if missing; files of an earlier export there are replaced):\n"
           "  train-00000.tfrecord ...   tf.train.Example records as run_pretraining.py reads them\n"
           "                             (input_ids, input_mask, segment_ids, masked_lm_positions,\n"
           "                             masked_lm_ids, masked_lm_weights, next_sentence_labels)\n"
           "  train-00000.jsonl ...      with --format jsonl: input_ids, token_type_ids,\n"
           "                             attention_mask, labels (-100 = not predicted),\n"
           "                             next_sentence_label, for Hugging Face BertForPreTraining\n"
           "  validation-00000.*         documents picked for validation (--validation-fraction)\n"
           "  manifest.json              counts, parameters, seed, tokenizer, source, shard checksums\n\n"
           "Options:\n"
           "  --db FILE                the corpus database\n"
           "  --out DIR                the output folder\n"
           "  --format FMT             tfrecord (default) or jsonl\n"
           "  --tokenizer PATH         tokenizer model (.model, vocab.txt or model folder)\n"
           "  --config FILE            the tokenizer and text settings, as `malmoi run` reads them\n"
           "                           (default: $MALMOI_CONFIG, else ./config/malmoi.ini, else the\n"
           "                           config installed with malmoi: KoBERT's spiece.model)\n"
           "  --seed N                 random seed (default 12345)\n"
           "  --max-seq-length N       tokens per instance, padded (default 128)\n"
           "  --max-predictions N      masked positions per instance at most (default 20)\n"
           "  --masked-lm-prob P       share of tokens masked (default 0.15)\n"
           "  --short-seq-prob P       chance of a shorter target length (default 0.1)\n"
           "  --dupe-factor N          passes over the data with different masks (default 10)\n"
           "  --whole-word-mask        mask whole words (a piece starting with U+2581 and the\n"
           "                           pieces that follow it)\n"
           "  --shard-size N           instances per shard file (default 100000)\n"
           "  --validation-fraction F  share of documents in the validation split (default 0)\n"
           "  --drop-duplicates        leave out sentences seen first in another document\n"
           "  --chunk-tokens N         tokens of documents processed together (default 1048576)\n\n"
           "Exit status: 0 ok, 1 failure, 2 usage error, 75 database locked by another run.\n",
           usage);
}

static int run(int argc, char **argv) {
    if (cli_wants_help(argc, argv)) {
        help();
        return CLI_EXIT_OK;
    }
    enum { O_DB = 1, O_OUT, O_FORMAT, O_TOK, O_SEED, O_MSL, O_MP, O_MLP, O_SSP, O_DUPE, O_WWM, O_SHARD, O_VAL,
           O_DROP, O_CHUNK, O_CONFIG };
    static const struct option opts[] = {{"db", required_argument, NULL, O_DB},
                                         {"out", required_argument, NULL, O_OUT},
                                         {"format", required_argument, NULL, O_FORMAT},
                                         {"tokenizer", required_argument, NULL, O_TOK},
                                         {"config", required_argument, NULL, O_CONFIG},
                                         {"seed", required_argument, NULL, O_SEED},
                                         {"max-seq-length", required_argument, NULL, O_MSL},
                                         {"max-predictions", required_argument, NULL, O_MP},
                                         {"masked-lm-prob", required_argument, NULL, O_MLP},
                                         {"short-seq-prob", required_argument, NULL, O_SSP},
                                         {"dupe-factor", required_argument, NULL, O_DUPE},
                                         {"whole-word-mask", no_argument, NULL, O_WWM},
                                         {"shard-size", required_argument, NULL, O_SHARD},
                                         {"validation-fraction", required_argument, NULL, O_VAL},
                                         {"drop-duplicates", no_argument, NULL, O_DROP},
                                         {"chunk-tokens", required_argument, NULL, O_CHUNK},
                                         {0}};
    struct export_params p;
    export_params_default(&p);
    const char *db = NULL, *out = NULL, *tokpath = NULL, *config = NULL;
    long v;
    int c;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case O_DB: db = optarg; break;
        case O_OUT: out = optarg; break;
        case O_TOK: tokpath = optarg; break;
        case O_CONFIG: config = optarg; break;
        case O_FORMAT:
            if (strcmp(optarg, "tfrecord") == 0)
                p.format = EXPORT_TFRECORD;
            else if (strcmp(optarg, "jsonl") == 0)
                p.format = EXPORT_JSONL;
            else
                return cli_usage_error("export", usage, "unknown format '%s' (use tfrecord or jsonl)", optarg);
            break;
        case O_SEED:
            if (cli_parse_long("export", usage, "--seed", optarg, 0, LONG_MAX, &v))
                return CLI_EXIT_USAGE;
            p.seed = (uint64_t)v;
            break;
        case O_MSL:
            if (cli_parse_long("export", usage, "--max-seq-length", optarg, 5, EXPORT_MAX_SEQ_LENGTH, &v))
                return CLI_EXIT_USAGE;
            p.max_seq_length = (int)v;
            break;
        case O_MP:
            if (cli_parse_long("export", usage, "--max-predictions", optarg, 1, EXPORT_MAX_SEQ_LENGTH, &v))
                return CLI_EXIT_USAGE;
            p.max_predictions = (int)v;
            break;
        case O_MLP:
            if (cli_parse_double("export", usage, "--masked-lm-prob", optarg, 0.001, 1, &p.masked_lm_prob))
                return CLI_EXIT_USAGE;
            break;
        case O_SSP:
            if (cli_parse_double("export", usage, "--short-seq-prob", optarg, 0, 1, &p.short_seq_prob))
                return CLI_EXIT_USAGE;
            break;
        case O_DUPE:
            if (cli_parse_long("export", usage, "--dupe-factor", optarg, 1, 1000, &v))
                return CLI_EXIT_USAGE;
            p.dupe_factor = (int)v;
            break;
        case O_WWM: p.whole_word_mask = 1; break;
        case O_SHARD:
            if (cli_parse_long("export", usage, "--shard-size", optarg, 1, LONG_MAX, &p.shard_size))
                return CLI_EXIT_USAGE;
            break;
        case O_VAL:
            if (cli_parse_double("export", usage, "--validation-fraction", optarg, 0, 0.999999,
                                 &p.validation_fraction))
                return CLI_EXIT_USAGE;
            break;
        case O_DROP: p.drop_duplicates = 1; break;
        case O_CHUNK:
            if (cli_parse_long("export", usage, "--chunk-tokens", optarg, 1, LONG_MAX, &p.chunk_tokens))
                return CLI_EXIT_USAGE;
            break;
        default: return cli_bad_option("export", usage, c, argv);
        }
    }
    if (db == NULL)
        return cli_usage_error("export", usage, "--db FILE is required");
    if (out == NULL)
        return cli_usage_error("export", usage, "--out DIR is required");
    if (optind < argc)
        return cli_usage_error("export", usage, "unexpected argument '%s'", argv[optind]);
    if (p.max_predictions > p.max_seq_length)
        return cli_usage_error("export", usage, "--max-predictions %d is more than --max-seq-length %d",
                               p.max_predictions, p.max_seq_length);

    struct mm_err err;
    mm_err_clear(&err);
    /* The tokenizer: --tokenizer, else the config's, as `malmoi run` uses. */
    struct pipeline_config pc;
    if (pipeline_config_load(config, &cli_pipeline_log, &pc, &err) != MM_OK)
        return cli_fail("export", &err);
    if (tokpath == NULL)
        tokpath = pc.tokenizer;
    struct tok_model *tok = NULL;
    struct store *s = NULL;
    if (tok_open(tokpath, &tok, &err) != MM_OK || store_open(db, STORE_LOCK, "export", &s, &err) != MM_OK) {
        tok_close(tok);
        pipeline_config_free(&pc);
        return cli_fail("export", &err);
    }
    static volatile int stop;
    cli_install_stop(&stop);
    char key[128];
    tok_key(tok, key, sizeof key);
    struct export_counts ec;
    double t0 = mm_now_monotonic();
    /* Any database with documents exports: the pipeline's text step splits
     * what is not split yet (BERT-text imports one sentence a line, as
     * given), and sentences without an example for the tokenizer are
     * encoded first. */
    struct pipeline_counts prep = {0};
    mm_rc rc = pipeline_process(s, &pc, tok, 0, &stop, &prep, &err);
    if (rc == MM_OK && stop)
        rc = mm_err_set(&err, MM_EINTR, "stopped by a signal before writing shards; run it again to continue");
    if (rc == MM_OK && (prep.documents_split || prep.examples))
        cli_log("%s: %lld documents split into %lld sentences; %lld sentences encoded with %s", db,
                (long long)prep.documents_split, (long long)prep.sentences, (long long)prep.examples, key);
    if (rc == MM_OK)
        rc = export_run(s, tok, out, &p, &stop, &ec, &err);
    double dt = mm_now_monotonic() - t0;
    store_close(s);
    tok_close(tok);
    pipeline_config_free(&pc);
    if (rc != MM_OK)
        return cli_fail("export", &err);
    long long inst = (long long)(ec.train.instances + ec.validation.instances);
    fprintf(stderr,
            "malmoi export: %lld instances (%lld train in %lld shards, %lld validation in %lld shards) from %lld"
            " documents, %lld sentences in %.1f s (%.0f instances/s) -> %s\n",
            inst, (long long)ec.train.instances, (long long)ec.train.shards, (long long)ec.validation.instances,
            (long long)ec.validation.shards, (long long)(ec.train.documents + ec.validation.documents),
            (long long)(ec.train.sentences + ec.validation.sentences), dt, dt > 0 ? (double)inst / dt : 0.0, out);
    if (ec.skipped_sentences)
        fprintf(stderr, "malmoi export: %lld sentences had no encoding and were left out\n",
                (long long)ec.skipped_sentences);
    return CLI_EXIT_OK;
}

const struct cli_command cli_cmd_export = {"export", 70, "write BERT pretraining shards (TFRecord or JSON Lines)",
                                           run};
