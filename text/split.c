/*
 * split.c -- rule-based Korean sentence splitting of one paragraph.
 * A boundary follows sentence-final punctuation (. ! ? … and runs of them,
 * plus what hangs on them: closing quotes and brackets, footnote markers,
 * emoticons) or a final verb ending without punctuation (-다 -요 -죠 -까 …),
 * never inside matched quotes or brackets. Splitting only cuts: the spans,
 * joined, give back the paragraph minus the whitespace at the cuts.
 */
#include <stdlib.h>
#include <string.h>

#include "text_int.h"

/* Quotes and brackets longer than this are not treated as a unit: a stray
 * quote must not swallow a whole page. */
#define QUOTE_MAX_CP 1200
/* How far back a word is looked at (its ending, a URL around a period):
 * bounds the work per character on hostile input (a.a.a.a... ). */
#define WORD_MAX 64

struct text_splitter {
    uint32_t *cp;       /* code points of the paragraph */
    uint32_t *off;      /* byte offset of each code point; off[n] = bytes */
    int32_t *inside;    /* number of matched pairs strictly around i */
    int32_t *partner;   /* matching quote/bracket index, -1 = none */
    int32_t *stack;
    unsigned char *cut; /* 1 = a sentence ends before code point i */
    size_t cap;         /* capacity of the arrays above (code points) */
    struct text_span *spans;
    size_t n_spans, cap_spans;
};

/* ---- character classes -------------------------------------------------- */

int text_is_space(uint32_t c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == 0xA0 ||
           c == 0x3000 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x1680 || c == 0x85;
}

int text_is_hangul(uint32_t c) {
    return c >= 0xAC00 && c <= 0xD7A3;
}

/* Compatibility jamo (ㅋㅋ, ㅎㅎ, ㅠㅠ) and Hangul jamo: emoticons in web text. */
static int is_jamo(uint32_t c) {
    return (c >= 0x3131 && c <= 0x318E) || (c >= 0x1100 && c <= 0x11FF);
}

static int is_latin(uint32_t c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(uint32_t c) {
    return c >= '0' && c <= '9';
}

/* Final consonant index of a Hangul syllable (0 = none, 4 = ㄴ, 8 = ㄹ,
 * 17 = ㅂ, 18 = ㅄ, 20 = ㅆ, ...). */
static int jong(uint32_t c) {
    return text_is_hangul(c) ? (int)((c - 0xAC00) % 28) : -1;
}

static int is_terminator(uint32_t c) {
    return c == '.' || c == '!' || c == '?' || c == 0x2026 /* … */ || c == 0x2025 /* ‥ */ ||
           c == 0x3002 /* 。 */ || c == 0xFF01 || c == 0xFF1F || c == 0xFF0E || c == 0x203C || c == 0x2049 ||
           c == 0x2047 || c == 0x2048;
}

/* Things that trail a sentence end and stay with it: tildes, emoticon
 * jamo, hearts and stars, ^^ and ;; */
static int is_trailer(uint32_t c) {
    return c == '~' || c == 0xFF5E || c == '^' || c == ';' || is_jamo(c) || c == 0x2661 || c == 0x2665 ||
           c == 0x2606 || c == 0x2605 || c == 0x266A || c == 0x266B || (c >= 0x1F300 && c <= 0x1FAFF) ||
           (c >= 0x2600 && c <= 0x27BF) || c == 0xFE0F || c == 0x200D;
}

static uint32_t closer_of(uint32_t c) {
    switch (c) {
    case '(': return ')';
    case '[': return ']';
    case '{': return '}';
    case '<': return '>';
    case 0x300C: return 0x300D; /* 「 」 */
    case 0x300E: return 0x300F; /* 『 』 */
    case 0x300A: return 0x300B; /* 《 》 */
    case 0x3008: return 0x3009; /* 〈 〉 */
    case 0x3010: return 0x3011; /* 【 】 */
    case 0x3014: return 0x3015; /* 〔 〕 */
    case 0x201C: return 0x201D; /* “ ” */
    case 0x2018: return 0x2019; /* ‘ ’ */
    case 0xFF08: return 0xFF09; /* （ ） */
    case 0xFF3B: return 0xFF3D;
    default: return 0;
    }
}

static int is_closer(uint32_t c) {
    return c == ')' || c == ']' || c == '}' || c == '>' || c == 0x300D || c == 0x300F || c == 0x300B ||
           c == 0x3009 || c == 0x3011 || c == 0x3015 || c == 0x201D || c == 0x2019 || c == 0xFF09 ||
           c == 0xFF3D;
}

static int is_symmetric_quote(uint32_t c) {
    return c == '"' || c == '\'' || c == '`' || c == 0xFF02;
}

/* ---- buffers ------------------------------------------------------------- */

mm_rc text_splitter_new(struct text_splitter **out, struct mm_err *err) {
    *out = calloc(1, sizeof(struct text_splitter));
    if (*out == NULL)
        return mm_err_set(err, MM_ENOMEM, "sentence splitter: out of memory");
    return MM_OK;
}

void text_splitter_free(struct text_splitter *sp) {
    if (sp == NULL)
        return;
    free(sp->cp);
    free(sp->off);
    free(sp->inside);
    free(sp->partner);
    free(sp->stack);
    free(sp->cut);
    free(sp->spans);
    free(sp);
}

static mm_rc reserve(struct text_splitter *sp, size_t n, struct mm_err *err) {
    if (n + 1 <= sp->cap)
        return MM_OK;
    size_t cap = sp->cap ? sp->cap : 256;
    while (cap < n + 1)
        cap *= 2;
    uint32_t *cp = realloc(sp->cp, cap * sizeof *cp);
    if (cp)
        sp->cp = cp;
    uint32_t *off = realloc(sp->off, cap * sizeof *off);
    if (off)
        sp->off = off;
    int32_t *in = realloc(sp->inside, cap * sizeof *in);
    if (in)
        sp->inside = in;
    int32_t *pa = realloc(sp->partner, cap * sizeof *pa);
    if (pa)
        sp->partner = pa;
    int32_t *st = realloc(sp->stack, cap * sizeof *st);
    if (st)
        sp->stack = st;
    unsigned char *cut = realloc(sp->cut, cap);
    if (cut)
        sp->cut = cut;
    if (!cp || !off || !in || !pa || !st || !cut)
        return mm_err_set(err, MM_ENOMEM, "sentence splitter: out of memory for a %zu-character paragraph", n);
    sp->cap = cap;
    return MM_OK;
}

static mm_rc push_span(struct text_splitter *sp, size_t start, size_t len, struct mm_err *err) {
    if (sp->n_spans == sp->cap_spans) {
        size_t cap = sp->cap_spans ? sp->cap_spans * 2 : 32;
        struct text_span *v = realloc(sp->spans, cap * sizeof *v);
        if (v == NULL)
            return mm_err_set(err, MM_ENOMEM, "sentence splitter: out of memory");
        sp->spans = v;
        sp->cap_spans = cap;
    }
    sp->spans[sp->n_spans].start = start;
    sp->spans[sp->n_spans].len = len;
    sp->n_spans++;
    return MM_OK;
}

/* ---- quotes and brackets -------------------------------------------------- */

/* Pair quotes and brackets with a stack; unmatched ones stay unpaired and
 * do not protect anything. inside[i] counts pairs with open < i < close. */
static void match_pairs(struct text_splitter *sp, size_t n) {
    const uint32_t *cp = sp->cp;
    size_t top = 0;
    for (size_t i = 0; i < n; i++) {
        sp->partner[i] = -1;
        sp->inside[i] = 0;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t c = cp[i];
        if (is_symmetric_quote(c)) {
            /* An apostrophe inside a word (don't, 'n') is not a quote. */
            if (c == '\'' && i > 0 && i + 1 < n && (is_latin(cp[i - 1]) || is_digit(cp[i - 1])) &&
                is_latin(cp[i + 1]))
                continue;
            size_t k = top;
            while (k > 0 && cp[sp->stack[k - 1]] != c && top - k < 3)
                k--;
            if (k > 0 && cp[sp->stack[k - 1]] == c && i - (size_t)sp->stack[k - 1] <= QUOTE_MAX_CP) {
                int32_t o = sp->stack[k - 1];
                sp->partner[o] = (int32_t)i;
                sp->partner[i] = o;
                top = k - 1;
            } else {
                sp->stack[top++] = (int32_t)i;
            }
        } else if (closer_of(c)) {
            sp->stack[top++] = (int32_t)i;
        } else if (is_closer(c)) {
            size_t k = top;
            while (k > 0 && closer_of(cp[sp->stack[k - 1]]) != c && top - k < 3)
                k--;
            if (k > 0 && closer_of(cp[sp->stack[k - 1]]) == c && i - (size_t)sp->stack[k - 1] <= QUOTE_MAX_CP) {
                int32_t o = sp->stack[k - 1];
                sp->partner[o] = (int32_t)i;
                sp->partner[i] = o;
                top = k - 1;
            }
        }
    }
    /* inside[] by a difference array over the pairs */
    for (size_t i = 0; i < n; i++) {
        if (sp->partner[i] > (int32_t)i) {
            sp->inside[i + 1]++;
            if ((size_t)sp->partner[i] < n)
                sp->inside[sp->partner[i]]--;
        }
    }
    int32_t d = 0;
    for (size_t i = 0; i < n; i++) {
        d += sp->inside[i];
        sp->inside[i] = d;
    }
}

/* ---- word-level tests ------------------------------------------------------ */

/* What a word ends in, for deciding a cut without punctuation. */
enum ending {
    END_NONE = 0,
    END_FINAL,   /* a final verb ending: -다 -요 -죠 -까 -네 ... */
    END_NOMINAL, /* a nominal ending used as a sentence end: -함 -됨 -음 -임 */
    END_LOOSE,   /* informal endings (-어 -아 -해 -지) that need more evidence */
};

/* Hangul syllable from initial, medial, final indices. */
#define SYL(l, v, t) (0xAC00 + ((l) * 21 + (v)) * 28 + (t))

/* Classify the ending of the word cp[a..b) (no spaces). Trailing tildes and
 * emoticons are skipped first. */
static enum ending word_ending(const uint32_t *cp, size_t a, size_t b) {
    while (b > a && is_trailer(cp[b - 1]))
        b--;
    if (b <= a || !text_is_hangul(cp[b - 1]))
        return END_NONE;
    uint32_t l = cp[b - 1];
    size_t wl = b - a;
    uint32_t p = wl >= 2 ? cp[b - 2] : 0;
    uint32_t pp = wl >= 3 ? cp[b - 3] : 0;
    int jp = jong(p);
    int hp = text_is_hangul(p);
    switch (l) {
    case 0xB2E4: /* 다 */
        if (!hp)
            return END_NONE;
        /* 했다 있다 / 한다 된다 / 없다 같다 좋다 않다 싶다 많다 뜨겁다 */
        if (jp == 20 || jp == 4 || jp == 18 || jp == 25 || jp == 27 || jp == 6 || jp == 26 || jp == 11 ||
            jp == 17)
            return END_FINAL;
        /* 니다 이다; plain 하다 is left alone: it is usually the connective
         * -다(가) (도주하다 붙잡혀) */
        return (p == 0xB2C8 /* 니 */ || p == 0xC774 /* 이 */) ? END_FINAL : END_NONE;
    case 0xC694: /* 요 */
        /* nouns: 필요 중요 수요 주요, 월요 금요 (요일); names: -라요 */
        if (p == 0xD544 || p == 0xC911 || p == 0xC218 || p == 0xC8FC || p == 0xB77C || p == 0xC6D4 ||
            p == 0xD654 || p == 0xBAA9 || p == 0xAE08 || p == 0xD1A0 || p == 0xC77C)
            return END_NONE;
        return wl >= 2 ? END_FINAL : END_NONE;
    case 0xC8E0: /* 죠 */
    case 0xC96C: /* 쥬 */
        return wl >= 2 ? END_FINAL : END_NONE;
    case 0xC6A9: /* 용: 했어용 거에용 됐네용 할게용 니까용 (not 사용 내용 문구용 연구용, names 지용) */
    case 0xC720: /* 유: 않아유 */
    case 0xC5EC: /* 여: 하세여 했어여 */
        return (p == 0xC5B4 || p == 0xC544 || p == 0xD574 || p == 0xC5D0 || p == 0xB124 || p == 0xC138 ||
                p == 0xB798 || p == 0xC6CC || p == 0xC918 || p == 0xC694 || p == 0xC8E0 || p == 0xAE4C ||
                p == 0xAC8C || p == 0xB370)
                   ? END_FINAL
                   : END_NONE;
    case 0xB2F9: /* 당: 했답니당 했당 (cute -다) */
        return (p == 0xB2C8 || jp == 20) ? END_FINAL : END_NONE;
    case 0xAE4C: /* 까: 할까 볼까 / 합니까 */
        if (jp == 8)
            return END_FINAL;
        return (p == 0xB2C8 && jong(pp) == 17) ? END_FINAL : END_NONE;
    case 0xB124: /* 네: 했네 있네 */
        return jp == 20 ? END_FINAL : END_NONE;
    case 0xC9C0: /* 지: 했지 있지 */
    case 0xC81C: /* 제: 했제 */
        return jp == 20 ? END_FINAL : END_LOOSE;
    case 0xC7AC: /* 재: 없재 */
        return (jp == 20 || jp == 18) ? END_FINAL : END_NONE;
    case 0xAD70: /* 군: 했군 하는군 */
        return (jp == 20 || p == 0xB294) ? END_FINAL : END_NONE;
    case 0xBA3C: /* 먼: 하는구먼 */
        return p == 0xAD6C ? END_FINAL : END_NONE;
    case 0xB791: /* 랑: 먹었걸랑 */
        return p == 0xAC78 ? END_FINAL : END_NONE;
    case 0xAD6C: /* 구: 하드라구 할라구 */
        return p == 0xB77C ? END_FINAL : END_NONE;
    case 0xB098: /* 나: 하구나 / 있나 했나 (not the adverb 더구나, not 어긋나) */
        if (p == 0xAD6C)
            return (wl == 3 && pp == 0xB354) ? END_NONE : END_FINAL;
        return (jp == 20 || jp == 18) ? END_FINAL : END_NONE;
    case 0xB77C: /* 라: dialect 나간기라 */
        return p == 0xAE30 ? END_FINAL : END_NONE;
    case 0xC18C: /* 소: 있소 했소 없소 (not 입소 장소) */
        return (jp == 20 || jp == 18) ? END_FINAL : END_NONE;
    case 0xB0D0: /* 냐 */
        return wl >= 2 ? END_FINAL : END_NONE;
    case 0xC74C: /* 음: 했음 있음 없음 (not 처음 마음 웃음 입막음: nouns) */
        return (jp == 20 || jp == 18 || jp == 6) ? END_NOMINAL : END_NONE;
    case 0xD568: /* 함 */
    case 0xB428: /* 됨 */
        return wl >= 2 ? END_NOMINAL : END_NONE;
    case 0xC784: /* 임: 것임 때문임 (not 게임 모임 타임) */
        return (wl >= 2 && p != 0xAC8C && p != 0xBAA8 && p != 0xD0C0) ? END_NOMINAL : END_NONE;
    case 0xAE40: /* 김: 웃김 */
        return (wl >= 2 && jp > 0) ? END_NOMINAL : END_NONE;
    case 0xC90C: /* 줌 */
    case 0xC634: /* 옴 */
    case 0xB0C4: /* 냄 */
        return wl >= 2 ? END_NOMINAL : END_NONE;
    case 0xC5B4: /* 어 */
    case 0xC544: /* 아 */
    case 0xD574: /* 해 */
    case 0xC57C: /* 야 */
    case 0xB798: /* 래 */
    case 0xC918: /* 줘 */
    case 0xBD10: /* 봐 */
        return wl >= 2 ? END_LOOSE : END_NONE;
    default:
        return END_NONE;
    }
}

/* Does the word cp[a..b) end in two or more emoticon jamo (ㅋㅋ ㅠㅠ ㅎㅎ)? */
static int is_laugh(uint32_t c) {
    return c == 0x314B /* ㅋ */ || c == 0x314E /* ㅎ */ || c == 0x3160 /* ㅠ */ || c == 0x315C /* ㅜ */;
}

static int ends_in_jamo_laugh(const uint32_t *cp, size_t a, size_t b) {
    size_t k = 0;
    while (b > a && (is_laugh(cp[b - 1]) || cp[b - 1] == '^' || cp[b - 1] == ';')) {
        if (is_laugh(cp[b - 1]))
            k++;
        b--;
    }
    return k >= 2 && b > a; /* a word of laughter only: not a sentence */
}

/* Case particles and connective endings: a word ending in one of these
 * does not end a sentence (에 데 이 가 을 를 은 는 고 며 면 도 의 와 과 로). */
static int is_particle(uint32_t c) {
    switch (c) {
    case 0xC5D0: case 0xB370: case 0xC774: case 0xAC00: case 0xC744: case 0xB97C: case 0xC740:
    case 0xB294: case 0xACE0: case 0xBA70: case 0xBA74: case 0xB3C4: case 0xC758: case 0xC640:
    case 0xACFC: case 0xB85C:
        return 1;
    default:
        return 0;
    }
}

static int word_is_single(const uint32_t *cp, size_t a, size_t n) {
    return a + 1 >= n || !text_is_hangul(cp[a + 1]);
}

/* Does the word at cp[a] continue the sentence before it? Quotatives and
 * auxiliaries that follow an embedded clause: …?? 하고, …다 싶고, …할까
 * 생각, …있지 않아도, …다 라는. */
static int continues(const uint32_t *cp, size_t a, size_t n) {
    if (a >= n || !text_is_hangul(cp[a]))
        return 0;
    uint32_t c0 = cp[a];
    uint32_t c1 = a + 1 < n ? cp[a + 1] : 0;
    uint32_t c2 = a + 2 < n ? cp[a + 2] : 0;
    int single = word_is_single(cp, a, n);
    switch (c0) {
    case 0xB77C: /* 라고 라며 라는 라면 / 라 */
        return single || c1 == 0xACE0 || c1 == 0xBA70 || c1 == 0xB294 || c1 == 0xBA74;
    case 0xB780: /* 란 */
        return 1;
    case 0xC774: /* 이라 이란 */
        return c1 == 0xB77C || c1 == 0xB780;
    case 0xD558: /* 하고 하며 하면 하는 하니 하더 하여 하던 하였다 하겠다 */
        return c1 == 0xACE0 || c1 == 0xBA70 || c1 == 0xBA74 || c1 == 0xB294 || c1 == 0xB2C8 || c1 == 0xB354 ||
               c1 == 0xC5EC || c1 == 0xB358 || c1 == 0xC600 || c1 == 0xACA0 ||
               (c1 == 0xB4DC && (c2 == 0xB77C || c2 == 0xB798)) /* 하드라 하드래, not 하드웨어 */;
    case 0xD55C: /* hearsay after a final ending: …했다 한다, …했다 합니다 */
    case 0xD588: /* …했다 했다 */
        return c1 == 0xB2E4 /* 다 */ || c1 == 0xB2C8 /* 니 */;
    case 0xD569: /* 합니다 */
        return c1 == 0xB2C8;
    case 0xACE0: /* 고 */
    case 0xBA70: /* 며 */
    case 0xB294: /* 는 */
        return single;
    case 0xC2F6: /* 싶다 싶고 싶어 */
    case 0xC54A: /* 않다 않아도 */
        return 1;
    case 0xBCF4: /* 보니 보면 */
        return c1 == 0xB2C8 || c1 == 0xBA74;
    case 0xC0DD: /* 생각 */
        return c1 == 0xAC01;
    case 0xBAA8: /* 모르: an embedded question, …했나 모르겠다 */
        return c1 == 0xB974;
    default:
        return 0;
    }
}

/* The nominal endings (-함 -음) are nouns too: 뻑뻑함 없이, 매콤함 외에. */
static int nominal_continues(const uint32_t *cp, size_t a, size_t n) {
    if (a >= n)
        return 0;
    uint32_t c0 = cp[a];
    return c0 == 0xC5C6 /* 없 */ || c0 == 0xC678 /* 외 */ || c0 == 0xB54C /* 때 */ || c0 == 0xC18D /* 속 */ ||
           c0 == 0xB355 /* 덕 */;
}

/* Latin abbreviations and initials before a period: U.S., Mr., etc. */
static int is_abbreviation(const uint32_t *cp, size_t a, size_t b) {
    size_t len = b - a;
    if (len == 1 && cp[a] >= 'A' && cp[a] <= 'Z')
        return 1; /* an initial */
    static const char *const abbr[] = {"Mr", "Mrs", "Ms", "Dr", "Prof", "Sr", "Jr", "St", "vs", "etc", "Inc",
                                       "Ltd", "Co", "Corp", "No", "Vol", "pp", "p", "e.g", "i.e", "Jan", "Feb",
                                       "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec",
                                       "cf", "ca", "al", "Gov", "Gen", "Col", "Lt", "Sgt", "Rev", "Ph.D", "U.S",
                                       "U.K", "a.m", "p.m", "approx", "dept", "est", "fig", "Fig", "ed", "eds"};
    for (size_t k = 0; k < sizeof abbr / sizeof abbr[0]; k++) {
        const char *s = abbr[k];
        size_t sl = strlen(s);
        if (sl != len)
            continue;
        size_t j = 0;
        while (j < sl && cp[a + j] == (unsigned char)s[j])
            j++;
        if (j == sl)
            return 1;
    }
    return 0;
}

/* Is cp[i] part of a URL or e-mail token (the run of non-space around i)? */
static int in_url(const uint32_t *cp, size_t n, size_t i) {
    size_t a = i, b = i;
    while (a > 0 && i - a < WORD_MAX && !text_is_space(cp[a - 1]) && !text_is_hangul(cp[a - 1]))
        a--;
    while (b < n && b - i < WORD_MAX && !text_is_space(cp[b]) && !text_is_hangul(cp[b]))
        b++;
    for (size_t k = a; k < b; k++) {
        if (cp[k] == '@' && k > a && k + 1 < b)
            return 1;
        if (cp[k] == ':' && k + 2 < b && cp[k + 1] == '/' && cp[k + 2] == '/')
            return 1;
        if (k + 3 < b && (cp[k] == 'w' || cp[k] == 'W') && (cp[k + 1] == 'w' || cp[k + 1] == 'W') &&
            (cp[k + 2] == 'w' || cp[k + 2] == 'W') && cp[k + 3] == '.')
            return 1;
    }
    return 0;
}

/* ---- the splitter --------------------------------------------------------- */

/* Absorb what hangs on a sentence end starting at j: unmatched closers,
 * footnote markers ([12], [참고 3]), emoticons; returns the first index
 * after them. */
static size_t absorb_trailers(const struct text_splitter *sp, size_t j, size_t n) {
    const uint32_t *cp = sp->cp;
    for (;;) {
        if (j < n && (is_trailer(cp[j]) || is_terminator(cp[j]))) {
            j++;
        } else if (j < n && (is_closer(cp[j]) || is_symmetric_quote(cp[j])) &&
                   (sp->partner[j] < 0 || (size_t)sp->partner[j] < j)) {
            j++;
        } else if (j < n && cp[j] == '[' && sp->partner[j] > (int32_t)j && (size_t)sp->partner[j] - j <= 12) {
            size_t e = (size_t)sp->partner[j];
            int digit = 0;
            for (size_t k = j + 1; k < e; k++)
                digit |= is_digit(cp[k]);
            if (!digit)
                return j;
            j = e + 1;
        } else {
            return j;
        }
    }
}

static size_t skip_space(const uint32_t *cp, size_t k, size_t n) {
    while (k < n && text_is_space(cp[k]))
        k++;
    return k;
}

/* If the word after the whitespace at k is only emoticons (ㅋㅋ, ^^, 😲),
 * it belongs to the sentence before: move the cut past it. */
static size_t skip_emoticon_word(const uint32_t *cp, size_t k, size_t n) {
    size_t a = skip_space(cp, k, n);
    size_t b = a;
    int emoji = 0;
    while (b < n && (is_trailer(cp[b]) || is_terminator(cp[b]))) {
        emoji |= cp[b] >= 0x2600 && !is_jamo(cp[b]);
        b++;
    }
    if (b > a && (b == n || text_is_space(cp[b])))
        return b;
    if (b > a && emoji && text_is_hangul(cp[b]))
        return b;
    return k;
}

/* A short parenthesis right after a sentence end is a note on it: "했다.
 * (6회 우승)", "버렸음 (출근시간 19시)". Move the cut past it. */
static size_t attach_paren(const struct text_splitter *sp, size_t k, size_t n) {
    const uint32_t *cp = sp->cp;
    size_t a = skip_space(cp, k, n);
    if (a >= n || (cp[a] != '(' && cp[a] != 0xFF08) || sp->partner[a] < 0)
        return k;
    size_t e = (size_t)sp->partner[a];
    if (e - a > 32)
        return k;
    int digit = 0;
    for (size_t q = a + 1; q < e; q++) {
        if (is_terminator(cp[q]))
            return k;
        digit |= is_digit(cp[q]);
    }
    if (!digit) /* notes are dates, counts, sources: (2021년 3월) */
        return k;
    if (e + 1 < n && !text_is_space(cp[e + 1]))
        return k;
    return e + 1;
}

static int is_bullet(uint32_t c) {
    return c == '*' || c == 0x203B /* ※ */ || c == '#' || c == 0x25B6 || c == 0x25A0 || c == 0x25A1 ||
           c == 0x25CF || c == 0x25CB || c == 0x25C6 || c == 0x25C7 || c == 0x2022 || c == 0x25B7 || c == 0x2192;
}

/* Written style (news, encyclopedia): two or more sentences end in "다."
 * or "다!"/"다?". There, -함 -임 -음 ending a word are nouns (천안함,
 * 프레임), not the nominal sentence endings of informal posts. */
static int written_style(const uint32_t *cp, size_t n) {
    int formal = 0;
    for (size_t i = 1; i < n && formal < 2; i++)
        if (cp[i - 1] == 0xB2E4 /* 다 */ && (cp[i] == '.' || cp[i] == '!' || cp[i] == '?'))
            formal++;
    return formal >= 2;
}

/* Formal prose (encyclopedia, news): written style with no polite or
 * informal ending before punctuation (요. 죠?) and no laughter. Its
 * sentences end in punctuation; without it, only an unambiguous verb ending
 * (-었다 -니다 -이다 -한다 -된다 -는다) ends one: 혼다, 브렌다, 산요, 기미가요
 * are names. */
static int formal_prose(const uint32_t *cp, size_t n) {
    if (!written_style(cp, n))
        return 0;
    for (size_t i = 1; i < n; i++) {
        if (is_laugh(cp[i]))
            return 0;
        if ((cp[i - 1] == 0xC694 /* 요 */ || cp[i - 1] == 0xC8E0 /* 죠 */) &&
            (is_terminator(cp[i]) || cp[i] == '~'))
            return 0;
        /* a polite ending anywhere: -세요 -데요 -어요 -네요 -까요 -해요 ... */
        if (cp[i] == 0xC694 && (i + 1 == n || !text_is_hangul(cp[i + 1]))) {
            switch (cp[i - 1]) {
            case 0xC138: case 0xB370: case 0xC5B4: case 0xC544: case 0xB124: case 0xAE4C: case 0xD574:
            case 0xB798: case 0xAC8C: case 0xC9C0: case 0xC5D0: case 0xC608: case 0xC6CC: case 0xC640:
            case 0xBD10: case 0xC918:
                return 0;
            default:
                break;
            }
        }
    }
    return 1;
}

/* Mark the cut positions for cp[0..n). */
static void find_cuts(struct text_splitter *sp, size_t n) {
    const uint32_t *cp = sp->cp;
    int written = written_style(cp, n);
    int formal = formal_prose(cp, n);
    memset(sp->cut, 0, n + 1);
    size_t i = skip_space(cp, 0, n);
    size_t sent_start = i; /* first index of the current sentence */
    while (i < n) {
        uint32_t c = cp[i];
        size_t cut = 0; /* 0 = no cut here; else the index the sentence ends at */
        /* A quote (or, at a sentence start, a bracket) that ends with
         * sentence punctuation ends the sentence unless a quotative or an
         * auxiliary follows: 그가 말했다. "좋아." 그리고 ... / - "…했다." 하나를
         * but "좋아." 하며 ... and "좋아."라고 stay one sentence. */
        if (sp->partner[i] > (int32_t)i && sp->inside[i] == 0 && c != '[' && (closer_of(c) || is_symmetric_quote(c)) &&
            (i == sent_start || (i > sent_start && c != '(' && c != 0xFF08 && c != '<'))) {
            size_t close = (size_t)sp->partner[i];
            size_t q = close;
            while (q > i + 1 && text_is_space(cp[q - 1]))
                q--;
            /* a dialogue turn (이름:"…") ends at its quote even without punctuation */
            size_t before = i;
            while (before > sent_start && text_is_space(cp[before - 1]))
                before--;
            int turn = before > sent_start && cp[before - 1] == ':' && c != '(' && c != 0xFF08;
            if (q > i + 1 && (is_terminator(cp[q - 1]) || turn)) {
                size_t k = attach_paren(sp, absorb_trailers(sp, close + 1, n), n);
                size_t a = skip_space(cp, k, n);
                if (k < n && a > k && a < n && !continues(cp, a, n) && !is_terminator(cp[a]))
                    cut = k;
            }
        }
        if (cut) {
            /* handled below */
        } else if (sp->inside[i] > 0) {
            i++;
            continue;
        } else if (is_terminator(c)) {
            size_t j = i;
            int dots = 0, other = 0, ellipsis = 0;
            while (j < n && (is_terminator(cp[j]) || cp[j] == '~' || cp[j] == 0xFF5E)) {
                if (cp[j] == '.')
                    dots++;
                else if (cp[j] == 0x2026 || cp[j] == 0x2025)
                    ellipsis = 1;
                else if (cp[j] != '~' && cp[j] != 0xFF5E)
                    other = 1;
                j++;
            }
            if (dots >= 2)
                ellipsis = 1;
            int single_dot = dots == 1 && !other && !ellipsis;
            if (other)
                ellipsis = 0; /* "...!?" ends a sentence like "!" */
            size_t k = absorb_trailers(sp, j, n);
            uint32_t prev = i > 0 ? cp[i - 1] : 0;
            size_t wa = i;
            while (wa > 0 && i - wa < WORD_MAX && !text_is_space(cp[wa - 1]))
                wa--;
            enum ending e = word_ending(cp, wa, i);
            int ok = 1;
            if (single_dot) {
                /* numbers, initials, abbreviations, URLs */
                size_t la = i;
                while (la > 0 && i - la < WORD_MAX && (is_latin(cp[la - 1]) || (cp[la - 1] == '.' && la - 1 > wa)))
                    la--;
                if (is_digit(prev) && k < n && is_digit(cp[k]))
                    ok = 0;
                else if (la < i && is_latin(prev) && is_abbreviation(cp, la, i))
                    ok = 0;
                else if (in_url(cp, n, i) && !(k >= n || text_is_space(cp[k])))
                    ok = 0;
                else if (prev == 0xACE0 /* 고 */ || prev == 0xBA70 /* 며 */)
                    ok = 0; /* a connective: 편하고. 가격도 ... */
                else if (is_digit(prev)) {
                    /* 2023. 4. 12. and list numbers "1. " */
                    size_t da = i;
                    while (da > 0 && i - da < WORD_MAX && is_digit(cp[da - 1]))
                        da--;
                    size_t nx = skip_space(cp, k, n);
                    /* the day of "2023. 4. 12." follows "N. " */
                    int date = da >= 3 && text_is_space(cp[da - 1]) && cp[da - 2] == '.' && is_digit(cp[da - 3]);
                    if ((da == 0 || text_is_space(cp[da - 1]) || cp[da - 1] == '.') && (i - da <= 4) &&
                        (nx >= n || is_digit(cp[nx]) || da == sent_start || date))
                        ok = 0;
                }
            } else if (ellipsis) {
                /* An ellipsis after a particle or connective (때문에...,
                 * 싶은데..., 표정이...) or a one-syllable interjection (아...)
                 * trails off inside the sentence; glued to the next word it
                 * ends the sentence only after a sentence ending. */
                int glued = k < n && !text_is_space(cp[k]);
                size_t a = skip_space(cp, k, n);
                /* speech after the pause starts a sentence: …둘러보고... "아저씨, … */
                int speech = !glued && a < n && sp->partner[a] > (int32_t)a &&
                             (is_symmetric_quote(cp[a]) || cp[a] == 0x201C || cp[a] == 0x2018);
                if (e == END_NONE && !ends_in_jamo_laugh(cp, wa, i) && !speech &&
                    (glued || i - wa <= 1 || is_particle(prev)))
                    ok = 0;
            }
            if (ok && k < n) {
                uint32_t nc = cp[k];
                if (text_is_space(nc)) {
                    size_t a = skip_space(cp, k, n);
                    if (!single_dot && continues(cp, a, n))
                        ok = 0;
                    else if (a < n && single_dot && cp[a] == '.' && (a + 1 >= n || text_is_space(cp[a + 1])))
                        ok = 0; /* ". . ." spaced dots */
                } else if (text_is_hangul(nc) || is_digit(nc) || closer_of(nc) || is_bullet(nc) ||
                           (is_symmetric_quote(nc) && sp->partner[k] > (int32_t)k)) {
                    /* no space: 했습니다.전체 / 입니다!저는 / 했다.2월 */
                    size_t ha = i;
                    while (ha > wa && text_is_hangul(cp[ha - 1]))
                        ha--;
                    if (!(text_is_hangul(prev) || is_jamo(prev) || is_closer(prev) || is_terminator(prev) ||
                          is_symmetric_quote(prev) || is_trailer(prev)))
                        ok = 0;
                    else if (continues(cp, k, n))
                        ok = 0;
                    else if (single_dot && e != END_FINAL && (i - ha < 2 || !text_is_hangul(nc)))
                        ok = 0; /* 반.전.매.력 */
                    else if (!single_dot && !text_is_hangul(nc) && e != END_FINAL)
                        ok = 0;
                } else {
                    ok = 0;
                }
            }
            if (ok && k < n)
                cut = k;
            i = k > i ? k : i + 1;
        } else if (text_is_space(c) && i > 0 && !text_is_space(cp[i - 1])) {
            size_t wa = i;
            while (wa > 0 && i - wa < WORD_MAX && !text_is_space(cp[wa - 1]))
                wa--;
            enum ending e = word_ending(cp, wa, i);
            size_t a = skip_space(cp, i, n);
            if (a < n && !is_terminator(cp[a]) && !continues(cp, a, n)) {
                uint32_t l = i >= 1 ? cp[i - 1] : 0, p = i >= 2 ? cp[i - 2] : 0;
                /* -었다 -했다 -니다 -이다 -한다 -된다 -는다 */
                int sure = l == 0xB2E4 && (jong(p) == 20 || p == 0xB2C8 || p == 0xC774 || p == 0xD55C ||
                                           p == 0xB41C || p == 0xB294);
                if ((e == END_FINAL && (!formal || sure)) || ends_in_jamo_laugh(cp, wa, i) ||
                    (e == END_NOMINAL && !written && !nominal_continues(cp, a, n)))
                    cut = i;
            }
            i++;
        } else if (is_trailer(c) && c != '~' && c != ';') {
            /* emoticons glued to the next sentence: 볼게요^^로마, ㅋㅋㅋ오늘 */
            size_t j = i;
            while (j < n && is_trailer(cp[j]))
                j++;
            size_t wa = i;
            while (wa > 0 && i - wa < WORD_MAX && !text_is_space(cp[wa - 1]))
                wa--;
            if (j - i >= 2 && j < n && text_is_hangul(cp[j]) &&
                (wa == i || word_ending(cp, wa, i) == END_FINAL || is_laugh(c)))
                cut = j;
            i = j;
        } else {
            i++;
        }
        if (cut) {
            cut = attach_paren(sp, skip_emoticon_word(cp, cut, n), n);
            if (cut >= n)
                break;
            sp->cut[cut] = 1;
            i = skip_space(cp, cut, n);
            sent_start = i;
        }
    }
}

mm_rc text_split(struct text_splitter *sp, const char *text, size_t len, const struct text_span **spans,
                 size_t *n_spans, struct mm_err *err) {
    *spans = NULL;
    *n_spans = 0;
    sp->n_spans = 0;
    mm_rc rc = reserve(sp, len, err); /* code points <= bytes */
    if (rc != MM_OK)
        return rc;
    const unsigned char *s = (const unsigned char *)text;
    size_t n = 0;
    for (size_t b = 0; b < len;) {
        uint32_t c;
        int k;
        if (s[b] < 0x80) {
            c = s[b];
            k = 1;
        } else {
            k = mm_utf8_decode(s + b, len - b, &c);
            if (k == 0)
                return mm_err_set(err, MM_ECHARSET,
                                  "sentence splitter: invalid UTF-8 at byte %zu; decode the text first", b);
        }
        sp->cp[n] = c;
        sp->off[n] = (uint32_t)b;
        n++;
        b += (size_t)k;
    }
    sp->off[n] = (uint32_t)len;
    if (len > UINT32_MAX - 1)
        return mm_err_set(err, MM_ELIMIT, "sentence splitter: paragraph of %zu bytes is over 4 GiB", len);
    match_pairs(sp, n);
    find_cuts(sp, n);
    /* Emit trimmed, non-empty spans between cuts. */
    size_t a = 0;
    for (size_t i = 1; i <= n; i++) {
        if (i < n && !sp->cut[i])
            continue;
        size_t x = a, y = i;
        while (x < y && text_is_space(sp->cp[x]))
            x++;
        while (y > x && text_is_space(sp->cp[y - 1]))
            y--;
        if (y > x) {
            rc = push_span(sp, sp->off[x], sp->off[y] - sp->off[x], err);
            if (rc != MM_OK)
                return rc;
        }
        a = i;
    }
    *spans = sp->spans;
    *n_spans = sp->n_spans;
    return MM_OK;
}
