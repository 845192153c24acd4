/*
 * test_db.c -- text/ against a real corpus database: the per-document step
 * writes sentences with reason codes and the document's stage; MinHash LSH
 * finds a re-published article with a changed byline across separate
 * handles (as across cron runs); exact sentence duplicates are marked, not
 * dropped; per-site repeated lines are learned; pre-split imports keep every
 * line. Checked with plain SQL, as a user would in the sqlite3 shell.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "test.h"
#include "text.h"

static char dir[] = "/tmp/malmoi-test-text-XXXXXX";
static char db_path[300];

static int64_t num(struct store *s, const char *sql, int64_t arg) {
    sqlite3_stmt *st;
    int64_t n = -1;
    if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) == SQLITE_OK) {
        if (strchr(sql, '?'))
            sqlite3_bind_int64(st, 1, arg);
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return n;
}

static char *str(struct store *s, const char *sql, int64_t arg) {
    sqlite3_stmt *st;
    char *out = NULL;
    if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, arg);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
            out = strdup((const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return out ? out : strdup("(null)");
}

static int64_t put(struct store *s, const char *site, const char *source, const char *text) {
    struct store_document d = {0};
    d.site = site;
    d.source = source;
    d.text = text;
    d.text_len = strlen(text);
    int64_t id = 0;
    int ins = 0;
    struct mm_err err;
    mm_err_clear(&err);
    CHECK_INT(store_document_put(s, &d, &id, &ins, &err), MM_OK);
    CHECK_INT(ins, 1);
    return id;
}

static char *read_fixture(const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/text/news/%s", getenv("MALMOI_TEST_DATA"), name);
    struct mm_buf b;
    mm_buf_init(&b, 0);
    struct mm_err err;
    mm_err_clear(&err);
    CHECK_INT(mm_read_file(path, 0, &b, &err), MM_OK);
    return mm_buf_steal(&b);
}

static const char *article =
    "정부는 26일 내년 예산안을 국무회의에서 의결했다고 밝혔다. 전체 규모는 올해보다 3.5% 늘어난 규모다.\n"
    "기획재정부는 경기 회복을 뒷받침하기 위해 일자리와 복지 분야 지출을 확대한다고 설명했다. 특히 청년 일자리 "
    "사업에 배정된 예산이 크게 늘었다.\n"
    "야당은 재정 건전성이 악화될 수 있다며 국회 심의 과정에서 꼼꼼히 따지겠다는 입장을 내놓았다. 여당은 "
    "민생 회복을 위해 신속한 처리가 필요하다고 맞섰다.\n"
    "전문가들은 세수 전망이 불확실한 만큼 지출 구조조정이 함께 이뤄져야 한다고 지적했다. 한 경제학 교수는 "
    "단기 부양보다 성장 잠재력을 높이는 투자가 중요하다고 말했다.\n"
    "예산안은 다음 달 초 국회에 제출되며 여야는 법정 시한인 12월 2일까지 처리를 목표로 협상을 이어갈 계획이다. "
    "정부는 국회 논의 과정에서 제기되는 의견을 적극 반영하겠다고 밝혔다.\n";

static void test_pipeline(void) {
    struct store *s;
    struct mm_err err;
    mm_err_clear(&err);
    CHECK_INT(store_open(db_path, STORE_CREATE, "test", &s, &err), MM_OK);
    struct text_config cfg;
    text_config_default(&cfg);

    /* A: an article with a byline and a copyright line */
    char a_text[8192];
    snprintf(a_text, sizeof a_text, "[서울=가상뉴스] 홍길동 기자 =\n%s홍길동 기자 gildong@example.com\n"
             "ⓒ 가상뉴스, 무단전재 및 재배포 금지\n", article);
    int64_t a = put(s, "gasang", "crawl", a_text);
    struct text_result r;
    CHECK_INT(store_begin(s, &err), MM_OK);
    CHECK_INT(text_process_document(s, a, &cfg, &r, &err), MM_OK);
    CHECK_INT(store_commit(s, &err), MM_OK);
    CHECK_STR(r.reject, "");
    CHECK_INT(r.sentences, 13);
    CHECK_INT(r.rejected, 3);
    char *stage = str(s, "SELECT stage FROM documents WHERE id = ?", a);
    CHECK_STR(stage, "split");
    free(stage);
    CHECK_INT(num(s, "SELECT count(*) FROM sentences WHERE document_id = ? AND reject_reason IS NULL", a), 10);
    CHECK_INT(num(s, "SELECT count(*) FROM sentences WHERE reject_reason = 'boilerplate:byline'", 0), 2);
    CHECK_INT(num(s, "SELECT count(*) FROM sentences WHERE reject_reason = 'boilerplate:copyright'", 0), 1);
    CHECK_INT(num(s, "SELECT count(*) FROM minhash_bands WHERE document_id = ?", a), 14);

    /* B: the same article re-published with another byline, in a later
     * "run" (a fresh handle): a near duplicate of A */
    char b_text[8192];
    snprintf(b_text, sizeof b_text, "(가상일보) 김철수 기자 =\n%s김철수 기자 kim@example.kr\n", article);
    int64_t b = put(s, "gasang-ilbo", "crawl", b_text);
    struct text_db *h;
    CHECK_INT(text_db_open(s, &cfg, &h, &err), MM_OK);
    CHECK_INT(text_db_process(h, b, &r, &err), MM_OK);
    CHECK_STR(r.reject, TEXT_R_NEAR_DUP);
    CHECK_INT(r.duplicate_of, a);
    char *why = str(s, "SELECT reject_reason FROM documents WHERE id = ?", b);
    CHECK_STR(why, "near_duplicate");
    free(why);
    CHECK_INT(num(s, "SELECT duplicate_of FROM documents WHERE id = ?", b), a);
    CHECK_INT(num(s, "SELECT count(*) FROM sentences WHERE document_id = ?", b), 0);
    CHECK_INT(num(s, "SELECT count(*) FROM minhash_bands WHERE document_id = ?", b), 0);

    /* re-processing A changes nothing and does not find A itself */
    CHECK_INT(text_db_process(h, a, &r, &err), MM_OK);
    CHECK_STR(r.reject, "");
    CHECK_INT(num(s, "SELECT count(*) FROM sentences WHERE document_id = ?", a), 13);

    /* C: a different article that quotes one sentence of A: kept, and that
     * sentence is marked as seen in A (not dropped) */
    char *c_text = read_fixture("sbs-09.txt");
    char c_full[16384];
    snprintf(c_full, sizeof c_full, "%s\n특히 청년 일자리 사업에 배정된 예산이 크게 늘었다.\n", c_text);
    int64_t c = put(s, "other", "crawl", c_full);
    CHECK_INT(text_db_process(h, c, &r, &err), MM_OK);
    CHECK_STR(r.reject, "");
    CHECK_INT(r.duplicates, 1);
    CHECK_INT(num(s,
                  "SELECT count(*) FROM sentences x JOIN sentences y ON x.duplicate_of = y.id "
                  "WHERE x.document_id = ? AND y.text = '특히 청년 일자리 사업에 배정된 예산이 크게 늘었다.'",
                  c),
              1);
    free(c_text);

    /* invisible characters are removed and counted */
    char *zw = malloc(strlen(article) * 2 + 64);
    snprintf(zw, strlen(article) * 2 + 64, "\xe2\x80\x8b%s\xef\xbb\xbf\n", article);
    int64_t z = put(s, "zw", "crawl", zw);
    free(zw);
    CHECK_INT(text_db_process(h, z, &r, &err), MM_OK);
    CHECK_INT(r.invisible, 2);
    CHECK_STR(r.reject, TEXT_R_NEAR_DUP); /* the same article with invisible characters */

    /* D: too short for the Gopher word count */
    int64_t d = put(s, "gasang", "crawl", "정부는 예산안을 의결했다.\n");
    CHECK_INT(text_db_process(h, d, &r, &err), MM_OK);
    CHECK_STR(r.reject, TEXT_R_FEW_WORDS);
    why = str(s, "SELECT stage || ':' || reject_reason FROM documents WHERE id = ?", d);
    CHECK_STR(why, "rejected:too_few_words");
    free(why);

    /* E: a pre-split import keeps every line, no filter */
    int64_t e = put(s, NULL, "import:bert-text", "짧다.\nⓒ 무단전재 금지\n정부는 26일 내년 예산안을 국무회의에서 의결했다고 밝혔다.\n");
    CHECK_INT(text_db_process(h, e, &r, &err), MM_OK);
    CHECK_STR(r.reject, "");
    CHECK_INT(num(s, "SELECT count(*) FROM sentences WHERE document_id = ? AND reject_reason IS NULL", e), 3);
    CHECK_INT(num(s, "SELECT count(*) FROM sentences WHERE document_id = ? AND duplicate_of IS NOT NULL", e), 1);

    /* F: per-site learning: a line on 5 pages of one site is boilerplate
     * from the 5th page on; other sites are not affected */
    static const char *pages[] = {"sbs-01.txt", "sbs-02.txt", "sbs-05.txt", "sbs-07.txt", "sbs-13.txt", "sbs-10.txt"};
    const char *tag = "오늘도 가상방송과 함께 즐거운 하루 보내세요";
    for (int i = 0; i < 6; i++) {
        char *t = read_fixture(pages[i]);
        size_t n = strlen(t) + strlen(tag) + 4;
        char *full = malloc(n);
        snprintf(full, n, "%s\n%s\n", t, tag);
        int64_t id = put(s, i < 5 ? "gasang-tv" : "elsewhere", "crawl", full);
        CHECK_INT(text_db_process(h, id, &r, &err), MM_OK);
        CHECK_STR(r.reject, "");
        int64_t marked = num(s, "SELECT count(*) FROM sentences WHERE document_id = ? AND reject_reason = 'boilerplate:site'", id);
        CHECK_INT(marked, i == 4 ? 1 : 0);
        free(t);
        free(full);
    }
    CHECK_INT(text_db_process(h, 999999, &r, &err), MM_ENOTFOUND);
    text_db_close(h);

    /* what did the filters remove and why: one query */
    CHECK(num(s, "SELECT count(DISTINCT reject_reason) FROM sentences WHERE reject_reason IS NOT NULL", 0) >= 3);
    CHECK_INT(num(s, "SELECT count(*) FROM documents WHERE stage = 'rejected'", 0), 3);
    store_close(s);
}

int main(void) {
    if (!mkdtemp(dir))
        return 1;
    snprintf(db_path, sizeof db_path, "%s/corpus.db", dir);
    RUN(test_pipeline);
    unlink(db_path);
    char p[400];
    snprintf(p, sizeof p, "%s/corpus.db-wal", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/corpus.db-shm", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/corpus.db.lock", dir);
    unlink(p);
    rmdir(dir);
    return test_summary();
}
