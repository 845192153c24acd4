/* test_store.c -- store/: migrations, the run lock, document de-duplication,
 * import transactions. Checked through plain SQL on the connection. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "test.h"

static char dir[] = "/tmp/malmoi-test-store-XXXXXX";
static char db_path[256];

static int64_t count(struct store *s, const char *sql) {
    sqlite3_stmt *st;
    int64_t n = -1;
    if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void test_open_missing_without_create(void) {
    struct store *s;
    struct mm_err err;
    mm_err_clear(&err);
    char p[300];
    snprintf(p, sizeof p, "%s/missing.db", dir);
    CHECK_INT(store_open(p, STORE_LOCK, "test", &s, &err), MM_ENOTFOUND);
    CHECK(strstr(err.msg, "malmoi init") != NULL);
}

static void test_migrate_twice(void) {
    struct store *s;
    struct mm_err err;
    mm_err_clear(&err);
    CHECK_INT(store_open(db_path, STORE_CREATE, "test", &s, &err), MM_OK);
    CHECK_INT(count(s, "PRAGMA user_version"), store_schema_version());
    CHECK(store_schema_version() >= 1);
    store_close(s);
    CHECK_INT(store_open(db_path, 0, "test", &s, &err), MM_OK);
    CHECK_INT(count(s, "PRAGMA user_version"), store_schema_version());
    CHECK_INT(count(s, "SELECT count(*) FROM sqlite_master WHERE name = 'documents'"), 1);
    store_close(s);
}

static void test_lock_busy(void) {
    struct store *a, *b;
    struct mm_err err;
    mm_err_clear(&err);
    CHECK_INT(store_open(db_path, STORE_LOCK, "crawl", &a, &err), MM_OK);
    CHECK_INT(store_open(db_path, STORE_LOCK, "run", &b, &err), MM_EBUSY);
    CHECK(strstr(err.msg, "malmoi crawl") != NULL); /* names the holder */
    store_close(a);
    mm_err_clear(&err);
    CHECK_INT(store_open(db_path, STORE_LOCK, "run", &b, &err), MM_OK);
    store_close(b);
}

static void test_document_dedup_and_update(void) {
    struct store *s;
    struct mm_err err;
    mm_err_clear(&err);
    CHECK_INT(store_open(db_path, 0, "test", &s, &err), MM_OK);
    struct store_document d = {0};
    d.url = "https://news.example/a/1";
    d.title = "제목";
    d.text = "첫 문단입니다.\n둘째 문단입니다.";
    d.text_len = strlen(d.text);
    d.source = "crawl";
    int64_t id1, id2, id3;
    int ins;
    CHECK_INT(store_document_put(s, &d, &id1, &ins, &err), MM_OK);
    CHECK_INT(ins, 1);
    CHECK_INT(store_document_put(s, &d, &id2, &ins, &err), MM_OK);
    CHECK_INT(ins, 0);
    CHECK_INT(id2, id1);
    /* A sentence under the old text goes when the page changes. */
    char sql[200];
    snprintf(sql, sizeof sql, "INSERT INTO sentences(document_id, position, text, hash) VALUES (%lld, 0, 'x', 'h')",
             (long long)id1);
    CHECK_INT(sqlite3_exec(store_db(s), sql, NULL, NULL, NULL), SQLITE_OK);
    d.text = "바뀐 본문입니다.";
    d.text_len = strlen(d.text);
    CHECK_INT(store_document_put(s, &d, &id3, &ins, &err), MM_OK);
    CHECK_INT(ins, 1);
    CHECK_INT(id3, id1);
    CHECK_INT(count(s, "SELECT count(*) FROM documents"), 1);
    CHECK_INT(count(s, "SELECT count(*) FROM sentences"), 0);
    /* Korean word search (the default words index): a phrase whose last
     * word is a prefix, as Korean words carry their particles. */
    CHECK_INT(count(s, "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH '\"바뀐 본문\" *'"), 1);
    CHECK_INT(count(s, "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH '\"첫 문단\" *'"), 0);
    /* In a transaction, documents are indexed in one batch at commit; rows
     * inserted, changed and deleted before that leave a sound index. */
    CHECK_INT(store_begin(s, &err), MM_OK);
    const char *texts[] = {"셋째 기사의 본문입니다.", "넷째 기사의 본문입니다.", "다섯째 기사의 본문입니다."};
    int64_t ids[3];
    for (int i = 0; i < 3; i++) {
        char url[64];
        snprintf(url, sizeof url, "https://news.example/b/%d", i);
        d.url = url;
        d.text = texts[i];
        d.text_len = strlen(d.text);
        CHECK_INT(store_document_put(s, &d, &ids[i], &ins, &err), MM_OK);
    }
    CHECK_INT(count(s, "SELECT count(*) FROM documents_fts_queue"), 3);
    CHECK_INT(count(s, "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH '\"기사의 본문\" *'"), 0);
    snprintf(sql, sizeof sql, "DELETE FROM documents WHERE id = %lld", (long long)ids[1]);
    CHECK_INT(sqlite3_exec(store_db(s), sql, NULL, NULL, NULL), SQLITE_OK);
    snprintf(sql, sizeof sql, "UPDATE documents SET text = '여섯째 기사의 본문입니다.' WHERE id = %lld", (long long)ids[2]);
    CHECK_INT(sqlite3_exec(store_db(s), sql, NULL, NULL, NULL), SQLITE_OK);
    /* an indexed document deleted in the same transaction */
    snprintf(sql, sizeof sql, "DELETE FROM documents WHERE id = %lld", (long long)id1);
    CHECK_INT(sqlite3_exec(store_db(s), sql, NULL, NULL, NULL), SQLITE_OK);
    CHECK_INT(store_commit(s, &err), MM_OK);
    CHECK_INT(count(s, "SELECT count(*) FROM documents_fts_queue"), 0);
    CHECK_INT(count(s, "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH '\"기사의 본문\" *'"), 2);
    CHECK_INT(count(s, "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH '\"여섯째\"'"), 1);
    CHECK_INT(count(s, "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH '\"다섯째\"'"), 0);
    CHECK_INT(count(s, "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH '\"넷째\"'"), 0);
    CHECK_INT(count(s, "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH '\"바뀐 본문\" *'"), 0);
    /* an indexed document changed by hand: out of the index at once,
     * back in at the next commit */
    snprintf(sql, sizeof sql, "UPDATE documents SET text = '일곱째 기사의 본문입니다.' WHERE id = %lld", (long long)ids[0]);
    CHECK_INT(sqlite3_exec(store_db(s), sql, NULL, NULL, NULL), SQLITE_OK);
    CHECK_INT(count(s, "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH '\"셋째\"'"), 0);
    CHECK_INT(store_begin(s, &err), MM_OK);
    CHECK_INT(store_commit(s, &err), MM_OK);
    CHECK_INT(count(s, "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH '\"일곱째\"'"), 1);
    /* FTS5's own check of the index against the documents table */
    CHECK_INT(sqlite3_exec(store_db(s), "INSERT INTO documents_fts(documents_fts, rank) VALUES ('integrity-check', 1)",
                           NULL, NULL, NULL), SQLITE_OK);
    store_close(s);
}

/* 1 when documents_fts was created with `tokenizer` (read from its CREATE text) */
static int64_t fts_uses(struct store *s, const char *tokenizer) {
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM sqlite_master WHERE name = 'documents_fts' AND sql LIKE '%%tokenize=''%s''%%'",
             tokenizer);
    return count(s, sql);
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    fputs(text, f);
    fclose(f);
}

static void test_import_rollback(void) {
    struct store *s;
    struct mm_err err;
    mm_err_clear(&err);
    char good[300], bad[300];
    snprintf(good, sizeof good, "%s/good.txt", dir);
    snprintf(bad, sizeof bad, "%s/bad.jsonl", dir);
    write_file(good, "문장 하나.\n문장 둘.\n\n\n다른 문서.\n");
    write_file(bad, "{\"text\": \"좋은 줄\"}\n{\"text\": \"깨진 \xff 줄\"}\n");
    CHECK_INT(store_open(db_path, 0, "test", &s, &err), MM_OK);
    int64_t before = count(s, "SELECT count(*) FROM documents");
    struct store_import_counts n;
    CHECK_INT(store_import_file(s, good, STORE_IMPORT_BERT_TEXT, &n, &err), MM_OK);
    CHECK_INT(n.added, 2);
    CHECK_INT(store_import_file(s, good, STORE_IMPORT_BERT_TEXT, &n, &err), MM_OK);
    CHECK_INT(n.added, 0);
    CHECK_INT(n.present, 2);
    CHECK_INT(count(s, "SELECT count(*) FROM documents"), before + 2);
    CHECK_INT(store_import_file(s, bad, STORE_IMPORT_JSONL, &n, &err), MM_EPARSE);
    CHECK(strstr(err.msg, "bad.jsonl:2") != NULL);
    CHECK_INT(count(s, "SELECT count(*) FROM documents"), before + 2); /* line 1 rolled back */
    store_close(s);
}

static void test_killed_runs_closed(void) {
    struct store *s;
    struct mm_err err;
    mm_err_clear(&err);
    CHECK_INT(store_open(db_path, STORE_LOCK, "test", &s, &err), MM_OK);
    int64_t a, b;
    CHECK_INT(store_run_begin(s, "crawl", "", &a, &err), MM_OK); /* never ended: as after SIGKILL */
    CHECK_INT(store_run_begin(s, "crawl", "", &b, &err), MM_OK);
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM runs WHERE id = %lld AND status = 'killed'", (long long)a);
    CHECK_INT(count(s, sql), 1);
    CHECK_INT(store_run_end(s, b, "ok", NULL, "done", &err), MM_OK);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM runs WHERE id = %lld AND status = 'ok' AND ended IS NOT NULL",
             (long long)b);
    CHECK_INT(count(s, sql), 1);
    store_close(s);
}

/* A database of schema version 1 (its block of store/schema.sql, run by
 * hand) with indexed documents comes through the upgrade to the search
 * queue with a sound index. */
static void test_upgrade_from_v1(void) {
    char path[300], sql_path[300];
    snprintf(path, sizeof path, "%s/v1.db", dir);
    snprintf(sql_path, sizeof sql_path, "%s/store/schema.sql", MM_SOURCE_DIR);
    FILE *f = fopen(sql_path, "rb");
    CHECK(f != NULL);
    if (!f) return;
    static char schema[1 << 16];
    size_t n = fread(schema, 1, sizeof schema - 1, f);
    fclose(f);
    schema[n] = 0;
    char *v1 = strstr(schema, "-- version: 1\n"), *v2 = strstr(schema, "-- version: 2\n");
    CHECK(v1 && v2);
    if (!v1 || !v2) return;
    *v2 = 0;
    /* version 1 as malmoi wrote it before 2026-12-03: a trigram index */
    char *tok = strstr(v1, "tokenize='unicode61'");
    CHECK(tok != NULL);
    if (!tok) return;
    memcpy(tok, "tokenize='trigram'  ", strlen("tokenize='unicode61'"));
    sqlite3 *db;
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db, v1, NULL, NULL, NULL), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db,
                           "PRAGMA user_version = 1;"
                           "INSERT INTO documents(id, text, content_hash, source, added, updated) VALUES"
                           " (1, '옛 스키마의 첫 문서', 'h1', 'test', 'now', 'now'),"
                           " (2, '옛 스키마의 둘째 문서', 'h2', 'test', 'now', 'now')",
                           NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    struct store *s = NULL;
    struct mm_err err;
    mm_err_clear(&err);
    CHECK_INT(store_open(path, 0, "test", &s, &err), MM_OK);
    if (!s) return;
    CHECK_INT(count(s, "PRAGMA user_version"), store_schema_version());
    CHECK_INT(count(s, "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH '\"옛 스키마\"'"), 2);
    CHECK_INT(sqlite3_exec(store_db(s), "DELETE FROM documents WHERE id = 1", NULL, NULL, NULL), SQLITE_OK);
    CHECK_INT(count(s, "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH '\"옛 스키마\"'"), 1);
    CHECK_INT(sqlite3_exec(store_db(s), "INSERT INTO documents_fts(documents_fts, rank) VALUES ('integrity-check', 1)",
                           NULL, NULL, NULL), SQLITE_OK);
    /* the upgrade keeps the trigram index until the config asks for words */
    CHECK_INT(fts_uses(s, "trigram"), 1);
    int64_t reindexed = 0;
    const char *was = NULL;
    CHECK_INT(store_search_set(s, STORE_SEARCH_WORDS, &was, &reindexed, &err), MM_OK);
    CHECK_INT(reindexed, 1);
    CHECK_STR(was, "trigram");
    CHECK_INT(count(s, "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH '스키마의'"), 1);
    CHECK_INT(count(s, "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH '\"옛 스키마\"'"), 0);
    store_close(s);
}

/* Documents with known words, counted here by scanning their text, not by
 * SQLite: the search index of either kind must find exactly those. */
static const char *const search_texts[] = {
    "한국 경제가 성장했다. 삼성전자는 반도체를 만든다.",
    "경제학 교수가 강의했다.",
    "세계 경제는 어렵다. 전자 제품 수출이 줄었다.",
    "날씨가 맑다.",
};
#define N_SEARCH_TEXTS (sizeof search_texts / sizeof *search_texts)

/* documents with a word (space or punctuation delimited) starting with `prefix` */
static int64_t words_with_prefix(const char *prefix) {
    int64_t n = 0;
    for (size_t i = 0; i < N_SEARCH_TEXTS; i++) {
        const char *t = search_texts[i];
        for (const char *p = strstr(t, prefix); p; p = strstr(p + 1, prefix))
            if (p == t || p[-1] == ' ') {
                n++;
                break;
            }
    }
    return n;
}

static int64_t texts_containing(const char *sub) {
    int64_t n = 0;
    for (size_t i = 0; i < N_SEARCH_TEXTS; i++)
        n += strstr(search_texts[i], sub) != NULL;
    return n;
}

static void test_search_kinds(void) {
    char path[300];
    snprintf(path, sizeof path, "%s/search.db", dir);
    struct store *s = NULL;
    struct mm_err err;
    mm_err_clear(&err);
    CHECK_INT(store_open(path, STORE_CREATE, "test", &s, &err), MM_OK);
    if (!s) return;
    CHECK_INT(fts_uses(s, "unicode61"), 1); /* a new database */
    CHECK_INT(count(s, "SELECT v FROM documents_fts_config WHERE k = 'automerge'"), 16);
    CHECK_INT(store_begin(s, &err), MM_OK);
    for (size_t i = 0; i < N_SEARCH_TEXTS - 1; i++) {
        struct store_document d = {.title = "", .text = search_texts[i], .text_len = strlen(search_texts[i]),
                                   .source = "test"};
        char url[64];
        snprintf(url, sizeof url, "https://news.example/s/%zu", i);
        d.url = url;
        int64_t id;
        int ins;
        CHECK_INT(store_document_put(s, &d, &id, &ins, &err), MM_OK);
    }
    CHECK_INT(store_commit(s, &err), MM_OK);
    /* a row written by hand outside malmoi waits in the queue */
    char sql[300];
    snprintf(sql, sizeof sql,
             "INSERT INTO documents(url, title, text, content_hash, source, added, updated)"
             " VALUES ('https://news.example/s/x', '', '%s', 'hx', 'test', 'now', 'now')",
             search_texts[N_SEARCH_TEXTS - 1]);
    CHECK_INT(sqlite3_exec(store_db(s), sql, NULL, NULL, NULL), SQLITE_OK);
    CHECK_INT(count(s, "SELECT count(*) FROM documents_fts_queue"), 1);
    const char *prefixes[] = {"경제", "전자", "삼성전자는", "반도", "날씨가"};
    const char *subs[] = {"경제", "전자는", "성장했", "자 제품", "맑다", "체를 만"};
    int64_t n = 0;
    const char *was = NULL;
    for (int round = 0; round < 2; round++) {
        CHECK_INT(store_search_set(s, STORE_SEARCH_TRIGRAM, &was, &n, &err), MM_OK);
        CHECK_INT(n, round == 0 ? (int64_t)N_SEARCH_TEXTS : -1);
        CHECK_INT(count(s, "SELECT count(*) FROM documents_fts_queue"), 0);
        for (size_t i = 0; i < sizeof subs / sizeof *subs; i++) {
            if (strlen(subs[i]) < 9) /* trigram: 3 characters at least (Hangul: 3 bytes each) */
                continue;
            snprintf(sql, sizeof sql, "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH '\"%s\"'", subs[i]);
            CHECK_INT(count(s, sql), texts_containing(subs[i]));
            snprintf(sql, sizeof sql, "SELECT count(*) FROM documents WHERE text LIKE '%%%s%%'", subs[i]);
            CHECK_INT(count(s, sql), texts_containing(subs[i]));
        }
        CHECK_INT(sqlite3_exec(store_db(s), "INSERT INTO documents_fts(documents_fts, rank) VALUES ('integrity-check', 1)",
                               NULL, NULL, NULL), SQLITE_OK);
        CHECK_INT(store_search_set(s, STORE_SEARCH_WORDS, &was, &n, &err), MM_OK);
        CHECK_INT(n, (int64_t)N_SEARCH_TEXTS);
        CHECK_INT(fts_uses(s, "unicode61"), 1);
        for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++) {
            snprintf(sql, sizeof sql, "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH '%s*'", prefixes[i]);
            CHECK_INT(count(s, sql), words_with_prefix(prefixes[i]));
        }
        CHECK_INT(count(s, "SELECT v FROM documents_fts_config WHERE k = 'automerge'"), 16);
        CHECK_INT(sqlite3_exec(store_db(s), "INSERT INTO documents_fts(documents_fts, rank) VALUES ('integrity-check', 1)",
                               NULL, NULL, NULL), SQLITE_OK);
        if (round == 0) /* trigram again here, so that round 1 finds it already trigram (-1) */
            CHECK_INT(store_search_set(s, STORE_SEARCH_TRIGRAM, &was, &n, &err), MM_OK);
    }
    /* a table dropped by hand is made again by store_search_set */
    CHECK_INT(sqlite3_exec(store_db(s), "DROP TABLE documents_fts", NULL, NULL, NULL), SQLITE_OK);
    CHECK_INT(fts_uses(s, "unicode61"), 0);
    CHECK_INT(store_search_set(s, STORE_SEARCH_WORDS, &was, &n, &err), MM_OK);
    CHECK_STR(was, "none");
    CHECK_INT(fts_uses(s, "unicode61"), 1);
    CHECK_INT(n, (int64_t)N_SEARCH_TEXTS);
    CHECK_INT(count(s, "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH '경제*'"), words_with_prefix("경제"));
    CHECK_INT(sqlite3_exec(store_db(s), "INSERT INTO documents_fts(documents_fts, rank) VALUES ('integrity-check', 1)",
                           NULL, NULL, NULL), SQLITE_OK);
    CHECK_INT(store_search_parse("words"), STORE_SEARCH_WORDS);
    CHECK_INT(store_search_parse("trigram"), STORE_SEARCH_TRIGRAM);
    CHECK_INT(store_search_parse("Trigram"), -1);
    store_close(s);
}

int main(void) {
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(db_path, sizeof db_path, "%s/corpus.db", dir);
    RUN(test_open_missing_without_create);
    RUN(test_migrate_twice);
    RUN(test_lock_busy);
    RUN(test_document_dedup_and_update);
    RUN(test_import_rollback);
    RUN(test_killed_runs_closed);
    RUN(test_upgrade_from_v1);
    RUN(test_search_kinds);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return test_summary();
}
