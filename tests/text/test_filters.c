/*
 * test_filters.c -- text/ normalisation, boilerplate rules, document
 * quality filters (each reason code reachable and each threshold read from
 * the config), the per-document step without a database, and MinHash band
 * keys: a re-published article with a changed byline shares a band, an
 * unrelated article does not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "text.h"

static void test_normalize(void) {
    struct mm_buf out;
    mm_buf_init(&out, 0);
    struct text_norm_stats st;
    struct mm_err err;
    mm_err_clear(&err);
    /* decomposed 한 (U+1112 U+1161 U+11AB) composes; ZWSP, BOM, soft hyphen
     * and a control character go; NBSP/tab/ideographic space become one
     * space; blank lines and CRLF collapse */
    const char *in = "  \xe1\x84\x92\xe1\x85\xa1\xe1\x86\xab\xea\xb5\xad\xe2\x80\x8b\xec\x96\xb4\xc2\xa0\t"
                     "\xe3\x80\x80\xeb\x8b\xa8\xc2\xad\xec\x96\xb4\x01 \r\n\r\n\n\xef\xbb\xbf\xeb\x91\x98  \n";
    CHECK_INT(text_normalize(in, strlen(in), &out, &st, &err), MM_OK);
    CHECK_STR(out.data, "한국어 단어\n둘");
    CHECK_INT(st.invisible, 3);
    CHECK_INT(st.control, 1);
    CHECK(st.nfc_changed);
    CHECK_INT(st.paragraphs, 2);
    CHECK_INT(text_normalize("a\xff", 2, &out, &st, &err), MM_ECHARSET);
    mm_buf_free(&out);
}

static const struct {
    const char *line, *want; /* want NULL = not boilerplate */
} boiler[] = {
    {"ⓒ 가상뉴스, 무단전재 및 재배포 금지", TEXT_R_COPYRIGHT},
    {"<저작권자(c) 가상일보, 무단 전재-재배포, AI 학습 및 활용 금지>", TEXT_R_COPYRIGHT},
    {"Copyright © Example News. All rights reserved.", TEXT_R_COPYRIGHT},
    {"홍길동 기자 gildong@example.com", TEXT_R_BYLINE},
    {"(서울=가상뉴스) 홍길동 기자 =", TEXT_R_BYLINE},
    {"[가상스포츠 김철수 기자]", TEXT_R_BYLINE},
    {"gildong@example.com", TEXT_R_BYLINE},
    {"사진=가상뉴스 DB", TEXT_R_PHOTO},
    {"영상편집: 김영희", TEXT_R_PHOTO},
    {"▶ 관련 기사: 예산안 통과될까", TEXT_R_RELATED},
    {"[관련기사] 정부, 예산안 발표", TEXT_R_RELATED},
    {"가상뉴스 유튜브 채널 구독하기", TEXT_R_PROMPT},
    {"기사문의 및 제보 : 카톡/라인 example", TEXT_R_PROMPT},
    /* prose that mentions the same words */
    {"\"기자 전화만 안 받아…언론 취재에 할 말 없어\"", NULL},
    {"그는 기자들과 만나 무단전재 문제를 해결하겠다고 말했으며 재배포 금지 조항을 강화하는 법안도 곧 국회에 제출할 계획이라고 밝혔다. 이 법안은 저작권자의 권리를 보호하고 불법 복제를 막기 위한 것으로, 업계의 오랜 요구를 반영한 것이다.", NULL},
    {"정부는 26일 새 예산안을 발표했다.", NULL},
};

static void test_byline_prefix(void) {
    static const struct {
        const char *line, *prefix;
    } t[] = {
        {"[OSEN=박준형 기자] 가수 이승기의 결혼식이 열렸다.", "[OSEN=박준형 기자]"},
        {"(서울=가상뉴스) 홍길동 기자 = 정부는 예산안을 발표했다.", "(서울=가상뉴스) 홍길동 기자 ="},
        {"【서울=가상뉴스】홍길동 특파원 = 회의가 열렸다.", "【서울=가상뉴스】홍길동 특파원 ="},
        {"[앵커]오늘 종일 통신선이 끊어졌습니다.", "[앵커]"},
        {"(사진) 정부는 예산안을 발표했다.", ""},
        {"정부는 (서울=가상뉴스) 예산안을 발표했다.", ""},
        {"[OSEN=박준형 기자]", ""}, /* the whole line: text_boilerplate() */
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        size_t n = text_byline_prefix(t[i].line, strlen(t[i].line));
        if (n != strlen(t[i].prefix) || strncmp(t[i].line, t[i].prefix, n) != 0) {
            fprintf(stderr, "byline prefix of '%s': %zu bytes, want '%s'\n", t[i].line, n, t[i].prefix);
            test_failed_checks++;
        }
    }
    /* in a document: its own sentence, marked; the rest is kept */
    struct text_config cfg;
    text_config_default(&cfg);
    cfg.min_words = 1;
    struct text_doc d;
    text_doc_init(&d);
    struct mm_err err;
    mm_err_clear(&err);
    const char *in = "[OSEN=박준형 기자] 가수 이승기의 결혼식이 열렸다. 많은 사람이 모였다.";
    CHECK_INT(text_doc_process(&d, &cfg, in, strlen(in), 0, NULL, NULL, &err), MM_OK);
    CHECK_INT(d.n_sentences, 3);
    if (d.n_sentences == 3) {
        CHECK_STR(d.sentences[0].reject, TEXT_R_BYLINE);
        CHECK_INT(d.sentences[0].len, strlen("[OSEN=박준형 기자]"));
        CHECK(d.sentences[1].reject == NULL && d.sentences[2].reject == NULL);
        CHECK(strncmp(d.text.data + d.sentences[1].start, "가수", 6) == 0);
    }
    text_doc_free(&d);
}

static void test_boilerplate(void) {
    for (size_t i = 0; i < sizeof boiler / sizeof boiler[0]; i++) {
        const char *got = text_boilerplate(boiler[i].line, strlen(boiler[i].line));
        if ((got == NULL) != (boiler[i].want == NULL) || (got && strcmp(got, boiler[i].want) != 0)) {
            fprintf(stderr, "boilerplate '%s': got %s, want %s\n", boiler[i].line, got ? got : "NULL",
                    boiler[i].want ? boiler[i].want : "NULL");
            test_failed_checks++;
        }
    }
}

/* A plain news-like document of about 120 words. */
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

static void test_quality(void) {
    struct text_config cfg;
    text_config_default(&cfg);
    char buf[32];
    CHECK(text_quality(&cfg, article, strlen(article), buf) == NULL);
    /* too few words */
    const char *short_doc = "정부는 예산안을 의결했다.";
    CHECK_STR(text_quality(&cfg, short_doc, strlen(short_doc), buf), TEXT_R_FEW_WORDS);
    /* English: not Korean enough */
    struct mm_buf b;
    mm_buf_init(&b, 0);
    for (int i = 0; i < 30; i++)
        mm_buf_printf(&b, "This is sentence number %d of an English page about budgets.\n", i);
    CHECK_STR(text_quality(&cfg, b.data, b.len, buf), TEXT_R_LOW_HANGUL);
    /* one line repeated: duplicated lines */
    mm_buf_reset(&b);
    for (int i = 0; i < 20; i++)
        mm_buf_puts(&b, i % 2 ? "지금 바로 회원으로 가입하시고 다양한 혜택을 누려 보세요.\n"
                              : "오늘의 날씨는 맑고 기온은 조금 높겠습니다 외출하실 때 참고하세요.\n");
    CHECK_STR(text_quality(&cfg, b.data, b.len, buf), TEXT_R_DUP_LINES);
    cfg.max_dup_line_frac = 1.0;
    const char *why = text_quality(&cfg, b.data, b.len, buf);
    CHECK(why != NULL && strncmp(why, "top_", 4) == 0);
    /* each top n-gram and duplicated n-gram threshold can reject */
    cfg.top_ngram[0] = cfg.top_ngram[1] = cfg.top_ngram[2] = 1.0;
    why = text_quality(&cfg, b.data, b.len, buf);
    CHECK(why != NULL && strncmp(why, "dup_", 4) == 0);
    /* words of 10+ syllables: mean word length */
    text_config_default(&cfg);
    mm_buf_reset(&b);
    for (int i = 0; i < 60; i++)
        mm_buf_printf(&b, "가나다라마바사아자차카타파하%c", i % 10 == 9 ? '\n' : ' ');
    CHECK_STR(text_quality(&cfg, b.data, b.len, buf), TEXT_R_AVG_WORD);
    /* no line ends in punctuation (3+ lines) */
    mm_buf_reset(&b);
    for (int i = 0; i < 6; i++)
        mm_buf_printf(&b, "메뉴 %d 홈 뉴스 정치 경제 사회 문화 스포츠 연예 날씨 로그인\n", i);
    cfg.max_dup_line_frac = 1;
    cfg.top_ngram[0] = cfg.top_ngram[1] = cfg.top_ngram[2] = 1.0;
    for (int i = 0; i < 6; i++)
        cfg.dup_ngram[i] = 1.0;
    CHECK_STR(text_quality(&cfg, b.data, b.len, buf), TEXT_R_LINE_PUNCT);
    /* thresholds come from the config: min_words 3 accepts the short one */
    text_config_default(&cfg);
    struct mm_conf *conf;
    struct mm_err err;
    mm_err_clear(&err);
    CHECK_INT(mm_conf_parse("t.ini", "[text]\nmin_words = 3\n", &conf, &err), MM_OK);
    CHECK_INT(text_config_load(conf, &cfg, &err), MM_OK);
    CHECK_INT(cfg.min_words, 3);
    CHECK(text_quality(&cfg, short_doc, strlen(short_doc), buf) == NULL);
    mm_conf_free(conf);
    CHECK_INT(mm_conf_parse("t.ini", "[text]\n\nmin_hangul_ratio = 2\n", &conf, &err), MM_OK);
    CHECK_INT(text_config_load(conf, &cfg, &err), MM_EINVAL);
    CHECK(strstr(err.msg, "t.ini:3") != NULL);
    mm_conf_free(conf);
    mm_buf_free(&b);
}

/* The shipped config/malmoi.ini: every [text] key loads and equals the
 * built-in default. */
static void test_shipped_config(void) {
    const char *src = getenv("MALMOI_SOURCE");
    CHECK(src != NULL);
    if (!src)
        return;
    char path[4096];
    snprintf(path, sizeof path, "%s/config/malmoi.ini", src);
    struct mm_conf *conf;
    struct mm_err err;
    mm_err_clear(&err);
    CHECK_INT(mm_conf_load(path, &conf, &err), MM_OK);
    if (err.code)
        return;
    struct text_config def, cfg;
    text_config_default(&def);
    memset(&cfg, 0x55, sizeof cfg);
    text_config_default(&cfg);
    cfg.min_words = -1; /* must come from the file */
    CHECK_INT(text_config_load(conf, &cfg, &err), MM_OK);
    CHECK_INT(cfg.min_words, def.min_words);
    CHECK(memcmp(&cfg, &def, sizeof cfg) == 0);
    CHECK(mm_conf_get(conf, "text", "minhash_bands") != NULL);
    mm_conf_free(conf);
}

static void test_document(void) {
    struct text_config cfg;
    text_config_default(&cfg);
    struct text_doc d;
    text_doc_init(&d);
    struct mm_err err;
    mm_err_clear(&err);
    struct mm_buf in;
    mm_buf_init(&in, 0);
    mm_buf_puts(&in, "[서울=가상뉴스] 홍길동 기자 =\n");
    mm_buf_puts(&in, article);
    mm_buf_puts(&in, "홍길동 기자 gildong@example.com\nⓒ 가상뉴스, 무단전재 및 재배포 금지\n");
    CHECK_INT(text_doc_process(&d, &cfg, in.data, in.len, 0, NULL, NULL, &err), MM_OK);
    CHECK(d.reject == NULL);
    size_t kept = 0, byline = 0, copyright = 0;
    for (size_t i = 0; i < d.n_sentences; i++) {
        const struct text_sentence *s = &d.sentences[i];
        CHECK(s->len > 0);
        CHECK_INT(strlen(s->hash), 32);
        kept += s->reject == NULL;
        byline += s->reject && strcmp(s->reject, TEXT_R_BYLINE) == 0;
        copyright += s->reject && strcmp(s->reject, TEXT_R_COPYRIGHT) == 0;
    }
    CHECK_INT(kept, 10);
    CHECK_INT(byline, 2);
    CHECK_INT(copyright, 1);
    CHECK_INT(d.sentences[0].paragraph, 0);
    CHECK_INT(d.sentences[d.n_sentences - 1].paragraph, 7);
    /* the same sentence with other spacing or case hashes the same */
    char h1[33], h2[33], h3[33];
    text_sentence_hash("KBS 뉴스 홍길동입니다.", strlen("KBS 뉴스 홍길동입니다."), h1);
    text_sentence_hash("kbs뉴스  홍길동입니다.", strlen("kbs뉴스  홍길동입니다."), h2);
    text_sentence_hash("KBS 뉴스 김철수입니다.", strlen("KBS 뉴스 김철수입니다."), h3);
    CHECK_STR(h1, h2);
    CHECK(strcmp(h1, h3) != 0);
    /* pre-split import: every line one kept sentence, no filter */
    const char *bert = "짧다.\nⓒ 무단전재 금지\nhello world\n";
    CHECK_INT(text_doc_process(&d, &cfg, bert, strlen(bert), 1, NULL, NULL, &err), MM_OK);
    CHECK(d.reject == NULL);
    CHECK_INT(d.n_sentences, 3);
    for (size_t i = 0; i < d.n_sentences; i++)
        CHECK(d.sentences[i].reject == NULL);
    /* byte for byte: double spaces, trailing space, decomposed jamo stay;
     * blank lines are not sentences */
    const char *raw = "두  칸 띄움 \n\n\xe1\x84\x92\xe1\x85\xa1\xe1\x86\xab 조합형\n";
    CHECK_INT(text_doc_process(&d, &cfg, raw, strlen(raw), 1, NULL, NULL, &err), MM_OK);
    CHECK_INT(d.n_sentences, 2);
    if (d.n_sentences == 2) {
        CHECK(d.sentences[0].len == strlen("두  칸 띄움 ") &&
              memcmp(d.text.data + d.sentences[0].start, "두  칸 띄움 ", d.sentences[0].len) == 0);
        CHECK(d.sentences[1].len == strlen("\xe1\x84\x92\xe1\x85\xa1\xe1\x86\xab 조합형"));
        CHECK_INT(d.sentences[1].paragraph, 1);
    }
    /* everything boilerplate: nothing left */
    const char *junk = "ⓒ 가상뉴스, 무단전재 및 재배포 금지\n사진=가상뉴스 DB\n";
    CHECK_INT(text_doc_process(&d, &cfg, junk, strlen(junk), 0, NULL, NULL, &err), MM_OK);
    CHECK_STR(d.reject, TEXT_R_EMPTY);
    text_doc_free(&d);
    mm_buf_free(&in);
}

static int shared_bands(const char *a, const char *b) {
    int64_t ka[14], kb[14];
    CHECK(text_minhash_bands(a, strlen(a), 5, 14, 8, ka) == 1);
    CHECK(text_minhash_bands(b, strlen(b), 5, 14, 8, kb) == 1);
    int n = 0;
    for (int i = 0; i < 14; i++)
        n += ka[i] == kb[i];
    return n;
}

static void test_minhash(void) {
    struct mm_buf a, b;
    mm_buf_init(&a, 0);
    mm_buf_init(&b, 0);
    mm_buf_puts(&a, "[서울=가상뉴스] 홍길동 기자 = ");
    mm_buf_puts(&a, article);
    mm_buf_puts(&b, "(가상일보) 김철수 기자 = ");
    mm_buf_puts(&b, article);
    mm_buf_puts(&b, "김철수 기자 kim@example.kr");
    int same = shared_bands(a.data, b.data);
    printf("re-published article: %d of 14 bands shared\n", same);
    CHECK(same >= 1);
    const char *other = "서울 지역 아파트 가격이 3주 연속 하락했다. 한국부동산원은 금리 인상과 대출 규제 영향으로 "
                        "매수 심리가 위축된 결과라고 분석했다. 전세 가격도 함께 내림세를 보였다.";
    CHECK_INT(shared_bands(a.data, other), 0);
    int64_t k[14];
    CHECK_INT(text_minhash_bands("짧음", strlen("짧음"), 5, 14, 8, k), 0);
    mm_buf_free(&a);
    mm_buf_free(&b);
}

int main(void) {
    RUN(test_normalize);
    RUN(test_boilerplate);
    RUN(test_byline_prefix);
    RUN(test_quality);
    RUN(test_shipped_config);
    RUN(test_document);
    RUN(test_minhash);
    return test_summary();
}
