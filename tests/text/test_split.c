/*
 * test_split.c -- text/ splitter and split metric: hand-labelled cases for
 * the Korean traps (numbers, abbreviations, URLs, quotes, missing spaces,
 * the connective 도주하다), the no-lost-character property on every
 * fixture, and the C metric against numbers published by the Kiwi and Kss
 * benchmarks (regex baseline, Word Split) that do not depend on our splitter.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "text.h"

static struct text_splitter *sp;

/* Split `in` and join the sentences with " | ". */
static char *split_join(const char *in) {
    const struct text_span *v;
    size_t n;
    struct mm_err err;
    mm_err_clear(&err);
    if (text_split(sp, in, strlen(in), &v, &n, &err) != MM_OK)
        return strdup(err.msg);
    struct mm_buf b;
    mm_buf_init(&b, 0);
    mm_buf_puts(&b, "");
    for (size_t i = 0; i < n; i++) {
        if (i)
            mm_buf_puts(&b, " | ");
        mm_buf_append(&b, in + v[i].start, v[i].len);
    }
    return mm_buf_steal(&b);
}

static const struct {
    const char *name, *in, *want;
} cases[] = {
    {"decimal and date", "그는 3.5%를 받았다. 2023.04.12에 발표했다.", "그는 3.5%를 받았다. | 2023.04.12에 발표했다."},
    {"spaced date", "발표는 2023. 4. 12. 오후에 했다. 끝.", "발표는 2023. 4. 12. 오후에 했다. | 끝."},
    {"abbreviations", "U.S. 정부는 Mr. Kim을 불렀다. 그리고 끝났다.", "U.S. 정부는 Mr. Kim을 불렀다. | 그리고 끝났다."},
    {"url and e-mail", "자세한 내용은 www.example.com/a.b 에서 확인했다. 문의는 kim.lee@example.co.kr 로 하면 된다.",
     "자세한 내용은 www.example.com/a.b 에서 확인했다. | 문의는 kim.lee@example.co.kr 로 하면 된다."},
    {"connective -다 (trap)", "범인은 도주하다 붙잡혀 조사를 받았다.", "범인은 도주하다 붙잡혀 조사를 받았다."},
    {"missing space", "회의를 마쳤습니다.전체 일정은 내일 공개됩니다.", "회의를 마쳤습니다. | 전체 일정은 내일 공개됩니다."},
    {"quote inside", "그는 “좋다.”라고 말했다. 다음 날 떠났다.", "그는 “좋다.”라고 말했다. | 다음 날 떠났다."},
    {"opening quote glued (trap)", "그가 말했다.“내일 보자.” 그리고 떠났다.",
     "그가 말했다. | “내일 보자.” | 그리고 떠났다."},
    {"quoted question", "그는 \"왜?\"라고 물었다. 나는 \"몰라!\"라고 답했다!",
     "그는 \"왜?\"라고 물었다. | 나는 \"몰라!\"라고 답했다!"},
    {"nested quote sentences", "그는 \"먼저 가라. 곧 따라가겠다\"고 말했다. 모두 떠났다.",
     "그는 \"먼저 가라. 곧 따라가겠다\"고 말했다. | 모두 떠났다."},
    {"ellipsis after an ending", "정말 그랬을까... 아무도 몰랐다.", "정말 그랬을까... | 아무도 몰랐다."},
    {"ellipsis after a particle", "표정이... 슬퍼 보였다.", "표정이... 슬퍼 보였다."},
    {"footnote marker", "서울은 수도이다.[1] 인구는 많다.", "서울은 수도이다.[1] | 인구는 많다."},
    {"ending without punctuation", "맛있었어요 다음에 또 올게요", "맛있었어요 | 다음에 또 올게요"},
    {"quotative after ??", "이게 뭐지?? 하고 검색했다.", "이게 뭐지?? 하고 검색했다."},
    {"parenthesis sentence", "(다음을 무시하는 건 아닙니다..) 그러면 왜일까?",
     "(다음을 무시하는 건 아닙니다..) | 그러면 왜일까?"},
    {"note after a sentence", "대회에서 우승했다. (2021년 3월) 다음 해에도 이겼다.",
     "대회에서 우승했다. (2021년 3월) | 다음 해에도 이겼다."},
    {"list number", "1. 서론을 쓴다.", "1. 서론을 쓴다."},
    {"exclamation glued", "기록은 9.58초였다!그래서 놀랐다.", "기록은 9.58초였다! | 그래서 놀랐다."},
    {"이 씨", "이 씨는 \"집에 간다\"며 나갔다. 김 모 씨도 따라갔다.", "이 씨는 \"집에 간다\"며 나갔다. | 김 모 씨도 따라갔다."},
    {"emoticons stay", "정말 맛있었어요ㅎㅎ 또 갈게요^^ 다음에 봐요", "정말 맛있었어요ㅎㅎ | 또 갈게요^^ | 다음에 봐요"},
    {"line break inside a paragraph", "첫 줄이 끝났다.\n둘째 줄은\n이어진다.", "첫 줄이 끝났다. | 둘째 줄은\n이어진다."},
    {"hearsay 다 한다", "그는 바다를 누비며 꿈을 키웠다 한다. 다음 해에 떠났다.", "그는 바다를 누비며 꿈을 키웠다 한다. | 다음 해에 떠났다."},
    {"noun in -함 in written text", "천안함 침몰 사건은 2010년에 일어났다. 함정은 두 동강이 났다.",
     "천안함 침몰 사건은 2010년에 일어났다. | 함정은 두 동강이 났다."},
    {"nominal endings in a post", "호기심 자극함 문장이 짧아서 부담 없음 바로 들을 수 있음",
     "호기심 자극함 | 문장이 짧아서 부담 없음 | 바로 들을 수 있음"},
    {"adverb 더구나", "그는 늦었다. 더구나 비가 왔다.", "그는 늦었다. | 더구나 비가 왔다."},
    {"dialogue turns", "철수:\"나 먼저 갈게\" 영희:\"응\" 철수:\"내일 봐.\"",
     "철수:\"나 먼저 갈게\" | 영희:\"응\" | 철수:\"내일 봐.\""},
    {"speech after a pause", "시장을 둘러보고... \"이거 얼마예요?\" 하고 물었다.",
     "시장을 둘러보고... | \"이거 얼마예요?\" 하고 물었다."},
    {"old endings", "내는 모르겄소 일이 잘 됐나 모르겠다", "내는 모르겄소 | 일이 잘 됐나 모르겠다"},
    {"nouns that look like endings", "규칙에 어긋나 있었다. 문구용 칼로 찔렀다. 입소 후 적응했다. 터졌다.하드웨어 문제다.",
     "규칙에 어긋나 있었다. | 문구용 칼로 찔렀다. | 입소 후 적응했다. | 터졌다. | 하드웨어 문제다."},
    {"names in formal prose", "그는 일본의 혼다 자동차에 입사했다. 이후 산요 전기로 옮겼다. 6월 1일 브렌다 리가 합류했다.",
     "그는 일본의 혼다 자동차에 입사했다. | 이후 산요 전기로 옮겼다. | 6월 1일 브렌다 리가 합류했다."},
    {"no sentence", "   ", ""},
    {"no ending", "마지막 문장", "마지막 문장"},
};

static void test_cases(void) {
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = split_join(cases[i].in);
        if (strcmp(got, cases[i].want) != 0) {
            fprintf(stderr, "case '%s':\n  got  %s\n  want %s\n", cases[i].name, got, cases[i].want);
            test_failed_checks++;
        }
        free(got);
    }
}

static void test_invalid_utf8(void) {
    const struct text_span *v;
    size_t n;
    struct mm_err err;
    mm_err_clear(&err);
    CHECK_INT(text_split(sp, "ab\xff", 3, &v, &n, &err), MM_ECHARSET);
    CHECK(strstr(err.msg, "byte 2") != NULL);
}

/* Every paragraph: spans non-empty, in order, trimmed, and the text between
 * and around them whitespace only -- no character is lost or changed. */
static size_t n_paragraphs_checked;
static void check_round_trip(const char *p, size_t len, const char *where) {
    const struct text_span *v;
    size_t n;
    struct mm_err err;
    mm_err_clear(&err);
    if (text_split(sp, p, len, &v, &n, &err) != MM_OK) {
        fprintf(stderr, "%s: %s\n", where, err.msg);
        test_failed_checks++;
        return;
    }
    n_paragraphs_checked++;
    size_t at = 0;
    for (size_t i = 0; i <= n; i++) {
        size_t end = i < n ? v[i].start : len;
        for (size_t k = at; k < end; k++) {
            if (!(p[k] == ' ' || p[k] == '\t' || p[k] == '\n' || p[k] == '\r' || (unsigned char)p[k] >= 0x80)) {
                fprintf(stderr, "%s: byte %zu '%c' lost between sentences\n", where, k, p[k]);
                test_failed_checks++;
                return;
            }
        }
        if (i == n)
            break;
        /* a gap may hold non-ASCII spaces only (U+00A0, U+3000): decode */
        for (size_t k = at; k < end;) {
            uint32_t c;
            int m = mm_utf8_decode((const unsigned char *)p + k, end - k, &c);
            if (m == 0 || !(c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0xA0 || c == 0x3000 ||
                            (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F)) {
                fprintf(stderr, "%s: non-space U+%04X lost before sentence %zu\n", where, c, i);
                test_failed_checks++;
                return;
            }
            k += (size_t)m;
        }
        if (v[i].len == 0 || v[i].start < at || v[i].start + v[i].len > len) {
            fprintf(stderr, "%s: bad span %zu\n", where, i);
            test_failed_checks++;
            return;
        }
        unsigned char f = (unsigned char)p[v[i].start], l = (unsigned char)p[v[i].start + v[i].len - 1];
        if (f == ' ' || f == '\n' || l == ' ' || l == '\n') {
            fprintf(stderr, "%s: span %zu not trimmed\n", where, i);
            test_failed_checks++;
        }
        at = v[i].start + v[i].len;
    }
}

static char *read_all(const char *path, size_t *len) {
    struct mm_buf b;
    mm_buf_init(&b, 0);
    struct mm_err err;
    mm_err_clear(&err);
    if (mm_read_file(path, 0, &b, &err) != MM_OK) {
        fprintf(stderr, "%s\n", err.msg);
        test_failed_checks++;
        mm_buf_free(&b);
        return NULL;
    }
    *len = b.len;
    return mm_buf_steal(&b);
}

/* Gold files: paragraphs are blank-line separated, lines joined with
 * nothing. Text fixtures: one paragraph a line. */
static void round_trip_dir(const char *dir, int gold) {
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    if (!d)
        return;
    struct dirent *e;
    size_t files = 0;
    while ((e = readdir(d)) != NULL) {
        size_t nl = strlen(e->d_name);
        if (nl < 4 || strcmp(e->d_name + nl - 4, ".txt") != 0)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t len;
        char *s = read_all(path, &len);
        if (!s)
            continue;
        files++;
        struct mm_buf para;
        mm_buf_init(&para, 0);
        size_t pos = 0;
        while (pos <= len) {
            char *nlp = memchr(s + pos, '\n', len - pos);
            size_t end = nlp ? (size_t)(nlp - s) : len;
            if (gold) {
                int blank = end == pos;
                if (!blank)
                    mm_buf_append(&para, s + pos, end - pos);
                if ((blank || !nlp) && para.len) {
                    check_round_trip(para.data, para.len, path);
                    mm_buf_reset(&para);
                }
            } else if (end > pos) {
                check_round_trip(s + pos, end - pos, path);
            }
            if (!nlp)
                break;
            pos = end + 1;
        }
        /* the whole file as one paragraph too: line breaks inside text */
        check_round_trip(s, len, path);
        mm_buf_free(&para);
        free(s);
    }
    closedir(d);
    CHECK(files > 0);
}

static void test_round_trip_fixtures(void) {
    const char *data = getenv("MALMOI_TEST_DATA");
    CHECK(data != NULL);
    if (!data)
        return;
    char dir[4096];
    n_paragraphs_checked = 0;
    snprintf(dir, sizeof dir, "%s/text/kiwipiepy", data);
    round_trip_dir(dir, 1);
    snprintf(dir, sizeof dir, "%s/text/kss", data);
    round_trip_dir(dir, 1);
    snprintf(dir, sizeof dir, "%s/text/kss/metrics", data);
    round_trip_dir(dir, 1);
    snprintf(dir, sizeof dir, "%s/text/news", data);
    round_trip_dir(dir, 0);
    snprintf(dir, sizeof dir, "%s/text/fixtures", data);
    round_trip_dir(dir, 0);
    printf("round trip: %zu paragraphs\n", n_paragraphs_checked);
    CHECK(n_paragraphs_checked > 500);
}

/* ---- metric against published numbers ------------------------------------ */

typedef size_t (*splitter_fn)(const char *p, size_t len, const char **out, size_t *out_len, size_t max);

/* The benchmarks' regex baseline: re.split(r"(?<=[.!?])\s", text), empty
 * pieces included. */
static size_t regex_baseline(const char *p, size_t len, const char **out, size_t *out_len, size_t max) {
    size_t n = 0, a = 0;
    for (size_t i = 1; i < len && n + 1 < max; i++) {
        if ((p[i - 1] == '.' || p[i - 1] == '!' || p[i - 1] == '?') && (p[i] == ' ' || p[i] == '\n')) {
            out[n] = p + a;
            out_len[n++] = i - a;
            a = i + 1;
        }
    }
    out[n] = p + a;
    out_len[n++] = len - a;
    return n;
}

/* Kss's Word Split strawman: every ASCII space. */
static size_t word_split(const char *p, size_t len, const char **out, size_t *out_len, size_t max) {
    size_t n = 0, a = 0;
    for (size_t i = 0; i < len && n + 1 < max; i++) {
        if (p[i] == ' ') {
            out[n] = p + a;
            out_len[n++] = i - a;
            a = i + 1;
        }
    }
    out[n] = p + a;
    out_len[n++] = len - a;
    return n;
}

static void score_file(const char *path, splitter_fn fn, struct text_eval *ev) {
    size_t len;
    char *s = read_all(path, &len);
    if (!s)
        return;
    enum { MAXS = 4096 };
    static const char *gold[MAXS], *pred[MAXS];
    static size_t glen[MAXS], plen[MAXS];
    size_t ng = 0, pos = 0;
    struct mm_buf para;
    mm_buf_init(&para, 0);
    struct mm_err err;
    mm_err_clear(&err);
    while (pos <= len) {
        char *nlp = memchr(s + pos, '\n', len - pos);
        size_t end = nlp ? (size_t)(nlp - s) : len;
        int blank = end == pos;
        if (!blank && ng < MAXS) {
            gold[ng] = s + pos;
            glen[ng++] = end - pos;
        }
        if ((blank || !nlp) && ng) {
            mm_buf_reset(&para);
            for (size_t i = 0; i < ng; i++)
                mm_buf_append(&para, gold[i], glen[i]);
            size_t np = fn(para.data, para.len, pred, plen, MAXS);
            CHECK_INT(text_eval_paragraph(ev, gold, glen, ng, pred, plen, np, &err), MM_OK);
            ng = 0;
        }
        if (!nlp)
            break;
        pos = end + 1;
    }
    mm_buf_free(&para);
    free(s);
}

static int near(double a, double b) {
    return a - b < 0.000006 && b - a < 0.000006;
}

static void test_metric_published(void) {
    const char *data = getenv("MALMOI_TEST_DATA");
    if (!data)
        return;
    static const char *files[] = {"blogs", "blogs_ko", "etn", "nested", "sample", "tweets", "v_ending", "wikipedia"};
    struct text_eval all = {0};
    for (size_t i = 0; i < 8; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/text/kiwipiepy/%s.txt", data, files[i]);
        score_file(path, regex_baseline, &all);
    }
    double g = (double)all.gold;
    printf("regex baseline: gold %zu system %zu em %.5f f1 %.5f nf1 %.5f\n", all.gold, all.system, all.em / g,
           all.f1 / g, all.nf1 / g);
    /* kiwipiepy benchmark README, Baseline "Overall" line */
    CHECK_INT(all.gold, 1223);
    CHECK_INT(all.system, 963);
    CHECK(near(all.em / g, 0.52657));
    CHECK(near(all.f1 / g, 0.65406));
    CHECK(near(all.nf1 / g, 0.62247));

    /* Kss README metric examples: Word Split */
    char path[4096];
    struct text_eval e = {0};
    snprintf(path, sizeof path, "%s/text/kss/metrics/em_problem.txt", data);
    score_file(path, word_split, &e);
    CHECK(near(e.nf1 / (double)e.gold, 0.02145));
    struct text_eval f = {0};
    snprintf(path, sizeof path, "%s/text/kss/metrics/f1_problem.txt", data);
    score_file(path, word_split, &f);
    CHECK(near(f.f1 / (double)f.gold, 0.58326));
    CHECK(near(f.nf1 / (double)f.gold, 0.11964));
}

static void test_metric_rejects_changed_text(void) {
    const char *gold[] = {"가나다. ", "라마."};
    size_t glen[] = {strlen(gold[0]), strlen(gold[1])};
    const char *pred[] = {"가나다.", "바사."};
    size_t plen[] = {strlen(pred[0]), strlen(pred[1])};
    struct text_eval ev = {0};
    struct mm_err err;
    mm_err_clear(&err);
    CHECK_INT(text_eval_paragraph(&ev, gold, glen, 2, pred, plen, 2, &err), MM_EINVAL);
    /* exact pieces: both match */
    const char *pred2[] = {"가나다.", "라 마 ."};
    size_t plen2[] = {strlen(pred2[0]), strlen(pred2[1])};
    struct text_eval ev2 = {0};
    CHECK_INT(text_eval_paragraph(&ev2, gold, glen, 2, pred2, plen2, 2, &err), MM_OK);
    CHECK(near(ev2.em, 2.0) && near(ev2.nf1, 2.0));
    /* one merged prediction: Dice 2*3/(3+6)=0.667 credited to one gold sentence */
    const char *pred3[] = {"가나다.라마."};
    size_t plen3[] = {strlen(pred3[0])};
    struct text_eval ev3 = {0};
    CHECK_INT(text_eval_paragraph(&ev3, gold, glen, 2, pred3, plen3, 1, &err), MM_OK);
    CHECK(near(ev3.f1, 2.0 * 4 / (4 + 7)));
}

int main(void) {
    struct mm_err err;
    mm_err_clear(&err);
    if (text_splitter_new(&sp, &err) != MM_OK)
        return 1;
    RUN(test_cases);
    RUN(test_invalid_utf8);
    RUN(test_round_trip_fixtures);
    RUN(test_metric_published);
    RUN(test_metric_rejects_changed_text);
    text_splitter_free(sp);
    return test_summary();
}
