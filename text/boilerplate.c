/*
 * boilerplate.c -- line rules for Korean news boilerplate: bylines and
 * reporter e-mails, copyright notices (무단전재 및 재배포 금지 and variants),
 * photo credits and captions, related-article lists, subscription, app and
 * tip-off prompts. Rules look at short lines only: a long paragraph that
 * mentions 기자 or 구독 is prose. Lines a site repeats on many pages are
 * learned from the database (text_site_line_seen, db.c).
 */
#include <string.h>

#include "text_int.h"

static int has(const char *s, size_t n, const char *needle) {
    return memmem(s, n, needle, strlen(needle)) != NULL;
}

static int starts(const char *s, size_t n, const char *prefix) {
    size_t k = strlen(prefix);
    return n >= k && memcmp(s, prefix, k) == 0;
}

static int ends(const char *s, size_t n, const char *suffix) {
    size_t k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* Code points in s[0..n) (valid UTF-8 assumed). */
static size_t cps(const char *s, size_t n) {
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

static int has_email(const char *s, size_t n) {
    const char *at = memchr(s, '@', n);
    while (at) {
        size_t i = (size_t)(at - s);
        if (i > 0 && i + 3 < n && s[i - 1] > ' ' && memchr(at, '.', n - i) != NULL)
            return 1;
        at = i + 1 < n ? memchr(at + 1, '@', n - i - 1) : NULL;
    }
    return 0;
}

/* Count Hangul syllables. */
static size_t hangul(const char *s, size_t n) {
    size_t h = 0;
    for (size_t i = 0; i + 2 < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0xEA && c <= 0xED) {
            uint32_t cp = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
            if (text_is_hangul(cp))
                h++;
        }
    }
    return h;
}

const char *text_boilerplate(const char *s, size_t n) {
    /* strip bullets and brackets the rules do not care about */
    while (n && (*s == ' ' || *s == '[' || *s == '(' || *s == '<' || *s == '*' || *s == '-'))
        s++, n--;
    while (n >= 3 && (starts(s, n, "▶") || starts(s, n, "■") || starts(s, n, "△") || starts(s, n, "▲") ||
                      starts(s, n, "☞") || starts(s, n, "※") || starts(s, n, "●") || starts(s, n, "◆") ||
                      starts(s, n, "【") || starts(s, n, "〈"))) {
        s += 3, n -= 3;
        while (n && (*s == ' ' || *s == '['))
            s++, n--;
    }
    size_t len = cps(s, n);
    if (len == 0)
        return NULL;
    /* copyright: short lines only */
    if (len <= 120 && (has(s, n, "무단전재") || has(s, n, "무단 전재") || has(s, n, "무단복제") ||
                       has(s, n, "재배포 금지") || has(s, n, "재배포금지") || has(s, n, "AI학습 이용 금지") ||
                       has(s, n, "AI 학습 이용 금지") || has(s, n, "저작권자") || has(s, n, "Copyright") ||
                       has(s, n, "COPYRIGHT") || has(s, n, "All rights reserved") || has(s, n, "ⓒ") ||
                       has(s, n, "©")))
        return TEXT_R_COPYRIGHT;
    /* photo credits and captions */
    if (len <= 80 && (starts(s, n, "사진=") || starts(s, n, "사진 =") || starts(s, n, "사진제공") ||
                      starts(s, n, "사진 제공") || starts(s, n, "사진:") || starts(s, n, "사진 :") ||
                      starts(s, n, "사진출처") || starts(s, n, "그래픽=") || starts(s, n, "영상취재") ||
                      starts(s, n, "영상편집") || starts(s, n, "영상 취재") || starts(s, n, "영상 편집") ||
                      starts(s, n, "촬영기자") || starts(s, n, "/사진=") || starts(s, n, "연합뉴스 자료사진") ||
                      (has(s, n, "사진=") && len <= 40) || (has(s, n, "제공)") && len <= 40) ||
                      (has(s, n, "/뉴스1") && len <= 40) || (has(s, n, "/뉴시스") && len <= 40) ||
                      (has(s, n, "/연합뉴스") && len <= 40)))
        return TEXT_R_PHOTO;
    /* related articles and lists */
    if (len <= 80 && (starts(s, n, "관련 기사") || starts(s, n, "관련기사") || starts(s, n, "관련 뉴스") ||
                      starts(s, n, "관련뉴스") || starts(s, n, "많이 본 뉴스") || starts(s, n, "많이본 뉴스") ||
                      starts(s, n, "추천 기사") || starts(s, n, "이 시각 추천뉴스") || starts(s, n, "함께 보면 좋은") ||
                      starts(s, n, "이전 기사") || starts(s, n, "다음 기사") || starts(s, n, "기사 더보기") ||
                      starts(s, n, "다른 기사 보기") || starts(s, n, "핫뉴스") || starts(s, n, "오늘의 핫")))
        return TEXT_R_RELATED;
    /* subscription, app and tip-off prompts */
    if (len <= 100 &&
        (has(s, n, "구독하기") || has(s, n, "구독 신청") || has(s, n, "구독신청") || has(s, n, "구독하세요") ||
         has(s, n, "채널 추가") || has(s, n, "앱 다운로드") || has(s, n, "앱을 다운") || has(s, n, "앱에서 보기") ||
         has(s, n, "앱 설치") || has(s, n, "기사문의 및 제보") || has(s, n, "제보하기") || has(s, n, "제보는 카카오톡") ||
         has(s, n, "카톡/라인") || has(s, n, "뉴스레터") || has(s, n, "네이버에서 ") || has(s, n, "좋아요 ") ||
         has(s, n, "공유하기") || has(s, n, "기사 공유") || has(s, n, "video 태그를 지원하지") ||
         has(s, n, "댓글을 달아") || has(s, n, "클릭하세요") || has(s, n, "바로가기")))
        return TEXT_R_PROMPT;
    /* bylines: short, names a reporter, no sentence around it */
    if (len <= 60) {
        int email = has_email(s, n);
        int reporter = has(s, n, "기자") || has(s, n, "특파원") || has(s, n, "논설위원") || has(s, n, "에디터") ||
                       has(s, n, "인턴기자") || has(s, n, "리포터");
        size_t h = hangul(s, n);
        if (email && (reporter || h <= 12))
            return TEXT_R_BYLINE;
        /* "홍길동 기자", "(서울=연합뉴스) 홍길동 기자 =", "[OSEN=홍길동 기자]":
         * the title ends the line; a headline that mentions 기자 does not */
        size_t e = n;
        while (e && (s[e - 1] == ' ' || s[e - 1] == ')' || s[e - 1] == ']' || s[e - 1] == '=' ||
                     s[e - 1] == '!' || s[e - 1] == '>'))
            e--;
        if (reporter && h <= 20 &&
            (ends(s, e, "기자") || ends(s, e, "특파원") || ends(s, e, "논설위원") || ends(s, e, "에디터") ||
             ends(s, e, "리포터")))
            return TEXT_R_BYLINE;
    }
    return NULL;
}

/* Length in bytes of a bracket group at s[0..n) closed by `close` within
 * `max` bytes, or 0. */
static size_t group(const char *s, size_t n, const char *open, const char *close, size_t max) {
    size_t ol = strlen(open), cl = strlen(close);
    if (n < ol || memcmp(s, open, ol) != 0)
        return 0;
    const char *e = memmem(s + ol, n - ol < max ? n - ol : max, close, cl);
    return e ? (size_t)(e - s) + cl : 0;
}

size_t text_byline_prefix(const char *s, size_t n) {
    size_t p = 0;
    /* a leading group: [앵커] [리포트] [OSEN=홍길동 기자] (서울=연합뉴스) 【서울=뉴시스】 */
    size_t g = group(s, n, "[", "]", 60);
    if (!g)
        g = group(s, n, "(", ")", 60);
    if (!g)
        g = group(s, n, "【", "】", 60);
    if (g) {
        int marker = (g == 8 && (memcmp(s, "[앵커]", 8) == 0 || memcmp(s, "[기자]", 8) == 0)) ||
                     (g == 11 && memcmp(s, "[리포트]", 11) == 0);
        if (marker || has(s, g, "기자") || has(s, g, "특파원") || has(s, g, "="))
            p = g;
        else
            return 0;
    }
    /* then "홍길동 기자 =", "홍길동 특파원 =" (a short name and '=') */
    size_t q = p;
    while (q < n && s[q] == ' ')
        q++;
    const char *eq = memchr(s + q, '=', n - q < 40 ? n - q : 40);
    if (eq) {
        size_t e = (size_t)(eq - s);
        size_t k = e;
        while (k > q && s[k - 1] == ' ')
            k--;
        if (ends(s, k, "기자") || ends(s, k, "특파원") || ends(s, k, "기자·사진"))
            p = e + 1;
    }
    /* only when text follows: a whole-line byline is text_boilerplate()'s */
    size_t r = p;
    while (r < n && s[r] == ' ')
        r++;
    return r < n ? p : 0;
}
