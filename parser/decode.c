/*
 * decode.c -- page bytes to UTF-8. Charset resolution follows the WHATWG
 * Encoding Standard's order (BOM, transport charset, <meta> prescan, sniff)
 * with its label table for Korean: "euc-kr" and aliases mean CP949 (UHC).
 * Conversion is glibc iconv; invalid bytes become U+FFFD and are counted.
 */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parser_int.h"

/* WHATWG labels we map to an iconv name; unknown labels are tried as-is. */
static const struct {
    const char *label;
    const char *iconv;
} LABELS[] = {
    {"utf-8", "UTF-8"}, {"utf8", "UTF-8"}, {"unicode-1-1-utf-8", "UTF-8"},
    {"euc-kr", "CP949"}, {"euckr", "CP949"}, {"ks_c_5601-1987", "CP949"},
    {"ks_c_5601-1989", "CP949"}, {"ksc5601", "CP949"}, {"ksc_5601", "CP949"},
    {"korean", "CP949"}, {"windows-949", "CP949"}, {"cp949", "CP949"},
    {"x-windows-949", "CP949"}, {"uhc", "CP949"}, {"iso-ir-149", "CP949"},
    {"csksc56011987", "CP949"}, {"cseuckr", "CP949"}, {"ms949", "CP949"},
    {"iso-2022-kr", "ISO-2022-KR"}, {"csiso2022kr", "ISO-2022-KR"},
    {"johab", "JOHAB"}, {"x-johab", "JOHAB"},
    {"gb2312", "GB18030"}, {"gbk", "GB18030"}, {"gb18030", "GB18030"}, {"x-gbk", "GB18030"},
    {"big5", "BIG5-HKSCS"}, {"shift_jis", "CP932"}, {"sjis", "CP932"}, {"x-sjis", "CP932"},
    {"windows-31j", "CP932"}, {"euc-jp", "EUC-JP"}, {"iso-2022-jp", "ISO-2022-JP"},
    {"iso-8859-1", "WINDOWS-1252"}, {"latin1", "WINDOWS-1252"}, {"us-ascii", "WINDOWS-1252"},
    {"ascii", "WINDOWS-1252"}, {"windows-1252", "WINDOWS-1252"},
    {"utf-16", "UTF-16LE"}, {"utf-16le", "UTF-16LE"}, {"utf-16be", "UTF-16BE"},
};

/* Map a label (any case, surrounding quotes/space allowed) to an iconv name
 * in `out`; returns 0 when the label is empty or too long. */
static int map_label(const char *s, size_t n, char out[32]) {
    while (n && (isspace((unsigned char)*s) || *s == '"' || *s == '\'')) s++, n--;
    while (n && (isspace((unsigned char)s[n - 1]) || s[n - 1] == '"' || s[n - 1] == '\'' ||
                 s[n - 1] == ';'))
        n--;
    if (n == 0 || n >= 32) return 0;
    char low[32];
    for (size_t i = 0; i < n; i++) low[i] = (char)tolower((unsigned char)s[i]);
    low[n] = 0;
    for (size_t i = 0; i < sizeof LABELS / sizeof LABELS[0]; i++)
        if (strcmp(low, LABELS[i].label) == 0) {
            snprintf(out, 32, "%s", LABELS[i].iconv);
            return 1;
        }
    for (size_t i = 0; i < n; i++)
        if (!(isalnum((unsigned char)low[i]) || strchr("-_.:", low[i]))) return 0;
    memcpy(out, low, n + 1);
    return 1;
}

/* The charset= parameter of a Content-Type value. */
static int charset_param(const char *ct, size_t n, char out[32]) {
    for (size_t i = 0; i + 8 <= n; i++) {
        if (strncasecmp(ct + i, "charset", 7) != 0) continue;
        size_t j = i + 7;
        while (j < n && isspace((unsigned char)ct[j])) j++;
        if (j >= n || ct[j] != '=') continue;
        j++;
        while (j < n && isspace((unsigned char)ct[j])) j++;
        size_t k = j;
        while (k < n && !strchr(";,>/ \t\r\n", ct[k]) ) {
            if ((ct[k] == '"' || ct[k] == '\'') && k > j) break;
            k++;
        }
        return map_label(ct + j, k - j, out);
    }
    return 0;
}

/* Case-insensitive search in a bounded region. */
static const char *find_ci(const char *h, size_t n, const char *needle) {
    size_t m = strlen(needle);
    for (size_t i = 0; i + m <= n; i++)
        if (strncasecmp(h + i, needle, m) == 0) return h + i;
    return NULL;
}

/* The <meta charset>, <meta http-equiv content="...charset=..."> or
 * <?xml encoding="..."?> declaration in the first 4 KiB: a lenient scan, as
 * malformed tags are common. */
static int prescan(const char *p, size_t n, char out[32]) {
    if (n > 4096) n = 4096;
    if (n > 5 && memcmp(p, "<?xml", 5) == 0) {
        const char *end = memchr(p, '>', n);
        const char *e = end ? find_ci(p, (size_t)(end - p), "encoding") : NULL;
        if (e) {
            e += 8;
            while (e < end && (*e == ' ' || *e == '=')) e++;
            const char *q = e;
            if (q < end && (*q == '"' || *q == '\'')) q++;
            const char *z = q;
            while (z < end && *z != '"' && *z != '\'' && *z != '?') z++;
            if (map_label(q, (size_t)(z - q), out)) return 1;
        }
    }
    const char *cur = p, *lim = p + n;
    while (cur < lim) {
        const char *m = find_ci(cur, (size_t)(lim - cur), "<meta");
        if (!m) break;
        const char *end = memchr(m, '>', (size_t)(lim - m));
        if (!end) end = lim;
        if (charset_param(m, (size_t)(end - m), out)) return 1;
        cur = m + 5;
    }
    return 0;
}

/* Length of the ASCII run at p[0..n), eight bytes at a time: most of a
 * page is markup and script, so the UTF-8 loops below skip it quickly. */
static size_t ascii_run(const unsigned char *p, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w & 0x8080808080808080ULL) break;
    }
    while (i < n && p[i] < 0x80) i++;
    return i;
}

/* UTF-8 text, allowing a sequence cut off at the very end (a truncated
 * download) and rare stray bytes among many valid multibyte characters. */
static int mostly_utf8(const char *p, size_t n) {
    size_t good = 0, bad = 0;
    const unsigned char *u = (const unsigned char *)p;
    for (size_t i = 0; i < n;) {
        if (u[i] < 0x80) {
            i += ascii_run(u + i, n - i);
            continue;
        }
        int k = mm_utf8_decode(u + i, n - i, NULL);
        if (k > 0) {
            good++;
            i += (size_t)k;
        } else {
            if (n - i >= 4) bad++; /* a cut at the end is not counted */
            i++;
        }
    }
    return good > 0 && bad * 100 <= good;
}

/* Does the buffer contain non-ASCII bytes? */
static int has_high(const unsigned char *p, size_t n) { return ascii_run(p, n) < n; }

/* Convert with iconv; each invalid sequence becomes U+FFFD. `strict` stops at
 * the first invalid byte and returns MM_ECHARSET (used for sniffing). */
static mm_rc convert(const char *from, const char *in, size_t n, struct mm_buf *b,
                     size_t *repl, int strict) {
    iconv_t cd = iconv_open("UTF-8", from);
    if (cd == (iconv_t)-1) return MM_EINVAL;
    mm_rc rc = mm_buf_reserve(b, n + n / 2 + 16);
    if (rc == MM_OK) b->data[b->len] = 0;
    char *ip = (char *)in;
    size_t il = n;
    while (rc == MM_OK && il > 0) {
        if (mm_buf_reserve(b, il + il / 2 + 16) != MM_OK) { /* E2BIG grows it */
            rc = MM_ENOMEM;
            break;
        }
        char *op = b->data + b->len;
        size_t ol = b->cap - b->len - 1;
        size_t before = ol;
        size_t r = iconv(cd, &ip, &il, &op, &ol);
        b->len += before - ol;
        b->data[b->len] = 0;
        if (r != (size_t)-1) break;
        if (errno == E2BIG) continue;
        if (strict) { /* a character cut at the probe's end is fine */
            rc = errno == EINVAL ? MM_OK : MM_ECHARSET;
            break;
        }
        /* EILSEQ or EINVAL (truncated at the end): skip one byte. */
        rc = mm_buf_append(b, "\xEF\xBF\xBD", 3);
        (*repl)++;
        ip++;
        il--;
        iconv(cd, NULL, NULL, NULL, NULL);
    }
    if (rc == MM_OK) { /* flush shift state (ISO-2022-KR) */
        char tail[16];
        char *op = tail;
        size_t ol = sizeof tail;
        iconv(cd, NULL, NULL, &op, &ol);
        rc = mm_buf_append(b, tail, sizeof tail - ol);
    }
    iconv_close(cd);
    return rc;
}

/* Copy valid UTF-8, replacing each invalid sequence with U+FFFD. */
static mm_rc utf8_repair(const char *in, size_t n, struct mm_buf *b, size_t *repl) {
    mm_rc rc = mm_buf_reserve(b, n + 16);
    if (rc == MM_OK) b->data[b->len] = 0;
    size_t i = 0;
    while (rc == MM_OK && i < n) {
        size_t start = i;
        while (i < n) {
            unsigned char c = (unsigned char)in[i];
            if (c < 0x80) {
                i += ascii_run((const unsigned char *)in + i, n - i);
                continue;
            }
            int k = mm_utf8_decode((const unsigned char *)in + i, n - i, NULL);
            if (k == 0) break;
            i += (size_t)k;
        }
        rc = mm_buf_append(b, in + start, i - start);
        if (rc == MM_OK && i < n) {
            /* One U+FFFD per maximal subpart (WHATWG): a lead byte and the
             * continuation bytes that follow it, up to its length. */
            unsigned char c = (unsigned char)in[i];
            size_t want = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 && c <= 0xEF ? 3
                          : c >= 0xC2 && c <= 0xDF ? 2 : 1;
            size_t k = 1;
            while (k < want && i + k < n && ((unsigned char)in[i + k] & 0xC0) == 0x80) k++;
            rc = mm_buf_append(b, "\xEF\xBF\xBD", 3);
            (*repl)++;
            i += k;
        }
    }
    return rc;
}

/* Sniff: valid UTF-8 first, then ISO-2022-KR escapes, then strict CP949, Johab. */
static const char *sniff(const char *p, size_t n) {
    if (find_ci(p, n < 65536 ? n : 65536, "\x1b$)C")) return "ISO-2022-KR";
    if (mm_utf8_valid(p, n, NULL)) return "UTF-8";
    /* GB18030 and CP932 accept nearly any byte string, so they are never
     * sniffed: only a label selects them. */
    static const char *const tries[] = {"CP949", "JOHAB"};
    size_t probe = n < (256u << 10) ? n : (256u << 10);
    for (size_t t = 0; t < sizeof tries / sizeof tries[0]; t++) {
        struct mm_buf b;
        size_t repl = 0;
        mm_buf_init(&b, 0);
        mm_rc rc = convert(tries[t], p, probe, &b, &repl, 1);
        mm_buf_free(&b);
        if (rc == MM_OK) return tries[t];
    }
    return "WINDOWS-1252";
}

mm_rc parse_decode(const char *bytes, size_t len, const char *content_type, char **out,
                   size_t *out_len, char charset[32], size_t *replacements, struct mm_err *err) {
    *out = NULL;
    if (out_len) *out_len = 0;
    size_t repl = 0;
    char cs[32] = "";
    if (len > PARSE_MAX_INPUT)
        return mm_err_set(err, MM_ELIMIT,
                          "page of %zu bytes is over the %u-byte limit; skip it or raise "
                          "PARSE_MAX_INPUT", len, PARSE_MAX_INPUT);
    const unsigned char *u = (const unsigned char *)bytes;
    size_t skip = 0;
    if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
        snprintf(cs, sizeof cs, "UTF-8");
        skip = 3;
    } else if (len >= 2 && u[0] == 0xFF && u[1] == 0xFE) {
        snprintf(cs, sizeof cs, "UTF-16LE");
        skip = 2;
    } else if (len >= 2 && u[0] == 0xFE && u[1] == 0xFF) {
        snprintf(cs, sizeof cs, "UTF-16BE");
        skip = 2;
    }
    bytes += skip;
    len -= skip;
    if (!cs[0]) {
        /* Bytes that are valid UTF-8 and not pure ASCII are UTF-8: a legacy
         * multibyte text is almost never valid UTF-8 by accident, while stale
         * labels on re-saved pages are common. */
        if (has_high(u + skip, len) && mostly_utf8(bytes, len)) snprintf(cs, sizeof cs, "UTF-8");
        else if (content_type && charset_param(content_type, strlen(content_type), cs)) {
        } else if (prescan(bytes, len, cs)) {
        } else {
            snprintf(cs, sizeof cs, "%s", sniff(bytes, len));
        }
    }
    struct mm_buf b;
    mm_buf_init(&b, 0);
    mm_rc rc;
    if (strcmp(cs, "UTF-8") == 0) {
        rc = utf8_repair(bytes, len, &b, &repl);
    } else {
        rc = convert(cs, bytes, len, &b, &repl, 0);
        if (rc == MM_EINVAL) { /* a label iconv does not know: sniff instead */
            snprintf(cs, sizeof cs, "%s", sniff(bytes, len));
            mm_buf_reset(&b);
            repl = 0;
            rc = strcmp(cs, "UTF-8") == 0 ? utf8_repair(bytes, len, &b, &repl)
                                          : convert(cs, bytes, len, &b, &repl, 0);
        }
    }
    if (rc == MM_OK && !strcmp(cs, "JOHAB")) {
        /* glibc maps Johab 0x5C to U+20A9 WON SIGN; like Python and
         * browsers we keep it a backslash (the won sign has its own
         * double-byte code). */
        size_t w = 0;
        for (size_t i = 0; i < b.len; i++) {
            if (i + 2 < b.len && !memcmp(b.data + i, "\xE2\x82\xA9", 3)) {
                b.data[w++] = '\\';
                i += 2;
            } else {
                b.data[w++] = b.data[i];
            }
        }
        b.len = w;
        b.data[w] = 0;
    }
    if (rc != MM_OK) {
        mm_buf_free(&b);
        return mm_err_set(err, MM_ENOMEM, "out of memory decoding a %zu-byte page as %s", len, cs);
    }
    if (out_len) *out_len = b.len;
    *out = mm_buf_steal(&b);
    if (!*out) return mm_err_set(err, MM_ENOMEM, "out of memory decoding a page");
    if (charset) snprintf(charset, 32, "%s", cs);
    if (replacements) *replacements = repl;
    return MM_OK;
}
