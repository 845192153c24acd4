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
    /* Korean substring search through the trigram FTS index. */
    CHECK_INT(count(s, "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH '\"바뀐 본\"'"), 1);
    CHECK_INT(count(s, "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH '\"첫 문단\"'"), 0);
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
    CHECK_INT(count(s, "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH '\"기사의 본문\"'"), 0);
    snprintf(sql, sizeof sql, "DELETE FROM documents WHERE id = %lld", (long long)ids[1]);
    CHECK_INT(sqlite3_exec(store_db(s), sql, NULL, NULL, NULL), SQLITE_OK);
    snprintf(sql, sizeof sql, "UPDATE documents SET text = '여섯째 기사의 본문입니다.' WHERE id = %lld", (long long)ids[2]);
    CHECK_INT(sqlite3_exec(store_db(s), sql, NULL, NULL, NULL), SQLITE_OK);
    /* an indexed document deleted in the same transaction */
    snprintf(sql, sizeof sql, "DELETE FROM documents WHERE id = %lld", (long long)id1);
    CHECK_INT(sqlite3_exec(store_db(s), sql, NULL, NULL, NULL), SQLITE_OK);
    CHECK_INT(store_commit(s, &err), MM_OK);
    CHECK_INT(count(s, "SELECT count(*) FROM documents_fts_queue"), 0);
    CHECK_INT(count(s, "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH '\"기사의 본문\"'"), 2);
    CHECK_INT(count(s, "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH '\"여섯째\"'"), 1);
    CHECK_INT(count(s, "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH '\"다섯째\"'"), 0);
    CHECK_INT(count(s, "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH '\"넷째\"'"), 0);
    CHECK_INT(count(s, "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH '\"바뀐 본\"'"), 0);
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
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return test_summary();
}
