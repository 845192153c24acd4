/*
 * url.c -- URL resolution and normalisation, so one page is one frontier
 * row. Resolution (RFC 3986 section 5.2) and dot-segment removal are done by
 * libcurl's URL API; the normalisation steps of RFC 3986 section 6.2.2 plus
 * the crawler's own (fragment and tracking parameters dropped) are ours.
 */
#include "crawler.h"
#include "crawler_int.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define URL_MAX (8u << 10) /* longer URLs are junk or traps */

int crawl_hexval(int c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int unreserved(int c) { return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~'; }

/* Pre-encode what libcurl would reject: spaces, controls and non-ASCII bytes
 * (UTF-8 Korean paths are common in links); surrounding whitespace and
 * tab/newline inside are removed as the WHATWG URL parser does. */
static char *pre_encode(const char *s) {
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    if (n > URL_MAX)
        return NULL;
    struct mm_buf b;
    mm_buf_init(&b, 3 * URL_MAX);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\t' || c == '\n' || c == '\r')
            continue;
        if (c == '#') /* the fragment never reaches the server */
            break;
        mm_rc rc = (c <= 0x20 || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' || c == '^' ||
                    c == '`' || c == '{' || c == '|' || c == '}')
                       ? mm_buf_printf(&b, "%%%02X", c)
                       : mm_buf_putc(&b, (char)c);
        if (rc != MM_OK) {
            mm_buf_free(&b);
            return NULL;
        }
    }
    return mm_buf_steal(&b);
}

/* Percent-encoding normalised: %xx upper-cased, unreserved characters
 * decoded, a stray '%' encoded. */
static mm_rc put_normalized(struct mm_buf *b, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        mm_rc rc;
        if (c == '%') {
            int hi = i + 1 < n ? crawl_hexval((unsigned char)s[i + 1]) : -1;
            int lo = i + 2 < n ? crawl_hexval((unsigned char)s[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                rc = mm_buf_puts(b, "%25");
            } else {
                int v = hi * 16 + lo;
                rc = unreserved(v) ? mm_buf_putc(b, (char)v) : mm_buf_printf(b, "%%%02X", v);
                i += 2;
            }
        } else {
            rc = mm_buf_putc(b, (char)c);
        }
        if (rc != MM_OK)
            return rc;
    }
    return MM_OK;
}

/* Tracking parameters that never change the page. */
static int tracking_param(const char *p, size_t n) {
    static const char *const exact[] = {"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "mc_cid",
                                        "mc_eid", "_ga", "_gl", "ref_src", NULL};
    if (n >= 4 && strncasecmp(p, "utm_", 4) == 0)
        return 1;
    for (size_t i = 0; exact[i]; i++)
        if (strlen(exact[i]) == n && strncasecmp(p, exact[i], n) == 0)
            return 1;
    return 0;
}

static mm_rc put_query(struct mm_buf *b, const char *q) {
    int first = 1;
    while (*q) {
        const char *amp = strchr(q, '&');
        size_t len = amp ? (size_t)(amp - q) : strlen(q);
        size_t klen = 0;
        while (klen < len && q[klen] != '=')
            klen++;
        if (len > 0 && !tracking_param(q, klen)) {
            mm_rc rc = mm_buf_putc(b, first ? '?' : '&');
            if (rc == MM_OK)
                rc = put_normalized(b, q, len);
            if (rc != MM_OK)
                return rc;
            first = 0;
        }
        q += len;
        if (*q == '&')
            q++;
    }
    return MM_OK;
}

mm_rc crawl_url_normalize(const char *base, const char *ref, char **out) {
    *out = NULL;
    if (ref == NULL)
        return MM_EINVAL;
    mm_rc rc = MM_EINVAL;
    char *enc = pre_encode(ref), *benc = base ? pre_encode(base) : NULL;
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *query = NULL;
    CURLU *u = curl_url();
    struct mm_buf b;
    mm_buf_init(&b, 4 * URL_MAX);
    if (enc == NULL || (base && benc == NULL) || u == NULL)
        goto done;
    if (*enc == '\0' && base == NULL)
        goto done;
    if (benc && curl_url_set(u, CURLUPART_URL, benc, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)
        goto done;
    /* "" and "#frag" name the base document itself (RFC 3986 5.2.2) */
    if (*enc != '\0' && curl_url_set(u, CURLUPART_URL, enc, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)
        goto done;
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK)
        goto done;
    for (char *p = scheme; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    int https = strcmp(scheme, "https") == 0;
    if (!https && strcmp(scheme, "http") != 0)
        goto done;
    if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || *host == '\0')
        goto done;
    for (char *p = host; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    size_t hl = strlen(host);
    if (hl > 0 && host[hl - 1] == '.') /* "example.com." is example.com */
        host[hl - 1] = '\0';
    if (curl_url_get(u, CURLUPART_PORT, &port, CURLU_NO_DEFAULT_PORT) != CURLUE_OK) {
        port = NULL;
    }
    if (curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK)
        path = NULL;
    if (curl_url_get(u, CURLUPART_QUERY, &query, 0) != CURLUE_OK)
        query = NULL;
    if (mm_buf_printf(&b, "%s://%s", scheme, host) != MM_OK)
        goto done;
    if (port && strcmp(port, https ? "443" : "80") != 0 && mm_buf_printf(&b, ":%s", port) != MM_OK)
        goto done;
    if (path == NULL || *path == '\0') {
        if (mm_buf_putc(&b, '/') != MM_OK)
            goto done;
    } else if (put_normalized(&b, path, strlen(path)) != MM_OK) {
        goto done;
    }
    if (query && put_query(&b, query) != MM_OK)
        goto done;
    if (b.len > URL_MAX)
        goto done;
    *out = mm_buf_steal(&b);
    rc = *out ? MM_OK : MM_ENOMEM;
done:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_free(query);
    curl_url_cleanup(u);
    free(enc);
    free(benc);
    mm_buf_free(&b);
    return rc;
}

int crawl_url_host_key(const char *url, char *out, size_t n) {
    const char *p = strstr(url, "://");
    if (p == NULL)
        return -1;
    p += 3;
    size_t len = (size_t)(p - url) + strcspn(p, "/?#");
    const char *hostpart = p;
    size_t hlen = strcspn(hostpart, "/?#");
    int has_port = memchr(hostpart, ':', hlen) != NULL && hostpart[0] != '[';
    if (hostpart[0] == '[') {
        const char *rb = memchr(hostpart, ']', hlen);
        has_port = rb && rb + 1 < hostpart + hlen && rb[1] == ':';
    }
    const char *def = strncmp(url, "https:", 6) == 0 ? ":443" : ":80";
    size_t need = len + (has_port ? 0 : strlen(def)) + 1;
    if (need > n)
        return -1;
    memcpy(out, url, len);
    out[len] = '\0';
    if (!has_port)
        memcpy(out + len, def, strlen(def) + 1);
    return 0;
}

/* The host name of a normalised URL into out (n bytes). */
int crawl_url_host_name(const char *url, char *out, size_t n) {
    const char *p = strstr(url, "://");
    if (p == NULL)
        return -1;
    p += 3;
    size_t len = strcspn(p, ":/?#");
    if (p[0] == '[') {
        const char *rb = strchr(p, ']');
        if (rb == NULL)
            return -1;
        len = (size_t)(rb - p) + 1;
    }
    if (len + 1 > n)
        return -1;
    memcpy(out, p, len);
    out[len] = '\0';
    return 0;
}

/* The path and query of a normalised URL ("/" at least). */
const char *crawl_url_path(const char *url) {
    const char *p = strstr(url, "://");
    if (p == NULL)
        return "/";
    p = strpbrk(p + 3, "/?");
    return p ? p : "/";
}
