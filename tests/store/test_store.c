/* test_store.c -- store/: migrations, the run lock, document de-duplication,
 * import transactions. Checked through plain SQL on the connection. */
#include <stdio.h>
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
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return test_summary();
}
