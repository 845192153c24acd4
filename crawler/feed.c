/*
 * feed.c -- URL lists from RSS 2.0 (and RSS 1.0/RDF), Atom (RFC 4287),
 * sitemaps and sitemap indexes (sitemaps.org 0.9) and Google News sitemaps,
 * read with libxml2's streaming XML reader so a 50 MB sitemap never becomes
 * a tree. gzip sitemaps are inflated first, with the same size cap.
 */
#include "crawler.h"
#include "crawler_int.h"

#include <libxml/xmlreader.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#define FEED_MAX_ENTRIES 50000 /* sitemaps.org's per-file limit */

const char *crawl_kind_name(enum crawl_kind k) {
    switch (k) {
    case CRAWL_KIND_FEED:
        return "feed";
    case CRAWL_KIND_SITEMAP:
        return "sitemap";
    default:
        return "page";
    }
}

void crawl_entries_free(struct crawl_entries *e) {
    if (e == NULL)
        return;
    for (size_t i = 0; i < e->n; i++)
        free(e->v[i].url);
    free(e->v);
    e->v = NULL;
    e->n = e->cap = 0;
}

static mm_rc gunzip(const char *name, const char *p, size_t n, size_t max, struct mm_buf *out, struct mm_err *err) {
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return mm_err_set(err, MM_ENOMEM, "%s: cannot start gunzip", name);
    z.next_in = (Bytef *)p;
    z.avail_in = (uInt)n;
    char chunk[16384];
    mm_rc rc = MM_OK;
    for (;;) {
        z.next_out = (Bytef *)chunk;
        z.avail_out = sizeof chunk;
        int zr = inflate(&z, Z_NO_FLUSH);
        size_t got = sizeof chunk - z.avail_out;
        if (got && out->len + got > max) {
            rc = mm_err_set(err, MM_ELIMIT, "%s: inflates past %zu bytes; raise max_body or split the sitemap", name, max);
            break;
        }
        if (got && (rc = mm_buf_append(out, chunk, got)) != MM_OK) {
            mm_err_set(err, rc, "%s: out of memory inflating", name);
            break;
        }
        if (zr == Z_STREAM_END)
            break;
        if (zr != Z_OK) {
            rc = mm_err_set(err, MM_EPARSE, "%s: broken gzip data (%s)", name, z.msg ? z.msg : "truncated");
            break;
        }
        if (z.avail_in == 0 && got == 0) {
            rc = mm_err_set(err, MM_EPARSE, "%s: truncated gzip data", name);
            break;
        }
    }
    inflateEnd(&z);
    return rc;
}

static mm_rc add(struct crawl_entries *out, const char *url, enum crawl_kind kind, const char *lastmod) {
    if (out->n == out->cap) {
        size_t cap = out->cap ? 2 * out->cap : 64;
        struct crawl_entry *v = realloc(out->v, cap * sizeof *v);
        if (v == NULL)
            return MM_ENOMEM;
        out->v = v;
        out->cap = cap;
    }
    struct crawl_entry *e = &out->v[out->n];
    if ((e->url = strdup(url)) == NULL)
        return MM_ENOMEM;
    e->kind = kind;
    snprintf(e->lastmod, sizeof e->lastmod, "%s", lastmod ? lastmod : "");
    out->n++;
    return MM_OK;
}

enum root { ROOT_NONE, ROOT_RSS, ROOT_ATOM, ROOT_URLSET, ROOT_INDEX };

/* Text of the element the reader is on, whitespace-trimmed, into buf. */
static void read_text(xmlTextReaderPtr r, char *buf, size_t n) {
    buf[0] = '\0';
    xmlChar *s = xmlTextReaderReadString(r);
    if (s == NULL)
        return;
    const char *p = (const char *)s;
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    size_t len = strlen(p);
    while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\n' || p[len - 1] == '\r'))
        len--;
    if (len >= n)
        len = n - 1;
    memcpy(buf, p, len);
    buf[len] = '\0';
    xmlFree(s);
}

mm_rc crawl_feed_parse(const char *name, const char *body, size_t len, size_t max_bytes,
                       struct crawl_entries *out, struct mm_err *err) {
    struct mm_buf inflated;
    mm_buf_init(&inflated, 0);
    mm_rc rc = MM_OK;
    if (len >= 2 && (unsigned char)body[0] == 0x1f && (unsigned char)body[1] == 0x8b) {
        if ((rc = gunzip(name, body, len, max_bytes, &inflated, err)) != MM_OK)
            goto done;
        body = inflated.data ? inflated.data : "";
        len = inflated.len;
    }
    xmlTextReaderPtr r = xmlReaderForMemory(body, (int)len, name, NULL,
                                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                                XML_PARSE_RECOVER);
    if (r == NULL) {
        rc = mm_err_set(err, MM_ENOMEM, "%s: cannot start the XML reader", name);
        goto done;
    }
    enum root root = ROOT_NONE;
    int in_item = 0, item_depth = -1;
    char url[8192], lastmod[40], tmp[8192];
    url[0] = lastmod[0] = '\0';
    int ret;
    while ((ret = xmlTextReaderRead(r)) == 1) {
        int type = xmlTextReaderNodeType(r);
        const char *ln = (const char *)xmlTextReaderConstLocalName(r);
        int depth = xmlTextReaderDepth(r);
        if (ln == NULL)
            continue;
        if (type == XML_READER_TYPE_ELEMENT && root == ROOT_NONE) {
            if (strcmp(ln, "rss") == 0 || strcmp(ln, "RDF") == 0)
                root = ROOT_RSS;
            else if (strcmp(ln, "feed") == 0)
                root = ROOT_ATOM;
            else if (strcmp(ln, "urlset") == 0)
                root = ROOT_URLSET;
            else if (strcmp(ln, "sitemapindex") == 0)
                root = ROOT_INDEX;
            else {
                rc = mm_err_set(err, MM_EPARSE, "%s: root element <%s> is not rss, feed, urlset or sitemapindex",
                                name, ln);
                break;
            }
            continue;
        }
        if (type == XML_READER_TYPE_ELEMENT) {
            int item = (root == ROOT_RSS && strcmp(ln, "item") == 0) ||
                       (root == ROOT_ATOM && strcmp(ln, "entry") == 0) ||
                       (root == ROOT_URLSET && strcmp(ln, "url") == 0) ||
                       (root == ROOT_INDEX && strcmp(ln, "sitemap") == 0);
            if (item && !in_item) {
                in_item = 1;
                item_depth = depth;
                url[0] = lastmod[0] = '\0';
                if (xmlTextReaderIsEmptyElement(r))
                    in_item = 0;
                continue;
            }
            if (!in_item)
                continue;
            if (root == ROOT_ATOM && strcmp(ln, "link") == 0) {
                xmlChar *rel = xmlTextReaderGetAttribute(r, (const xmlChar *)"rel");
                xmlChar *href = xmlTextReaderGetAttribute(r, (const xmlChar *)"href");
                if (href && (rel == NULL || strcmp((const char *)rel, "alternate") == 0) && url[0] == '\0')
                    snprintf(url, sizeof url, "%s", (const char *)href);
                xmlFree(rel);
                xmlFree(href);
            } else if ((root == ROOT_RSS && strcmp(ln, "link") == 0) ||
                       ((root == ROOT_URLSET || root == ROOT_INDEX) && strcmp(ln, "loc") == 0)) {
                const char *ns = (const char *)xmlTextReaderConstNamespaceUri(r);
                /* <image:loc>, <video:loc> and <atom:link> inside items are not the page */
                int foreign = ns && strstr(ns, "image") != NULL;
                foreign |= ns && strstr(ns, "video") != NULL;
                foreign |= ns && strstr(ns, "Atom") != NULL;
                if (!foreign && url[0] == '\0') {
                    read_text(r, tmp, sizeof tmp);
                    snprintf(url, sizeof url, "%s", tmp);
                }
            } else if (strcmp(ln, "guid") == 0 && root == ROOT_RSS && url[0] == '\0') {
                xmlChar *perma = xmlTextReaderGetAttribute(r, (const xmlChar *)"isPermaLink");
                read_text(r, tmp, sizeof tmp);
                if ((perma == NULL || strcmp((const char *)perma, "true") == 0) &&
                    (strncmp(tmp, "http://", 7) == 0 || strncmp(tmp, "https://", 8) == 0))
                    snprintf(url, sizeof url, "%s", tmp);
                xmlFree(perma);
            } else if (strcmp(ln, "publication_date") == 0 || strcmp(ln, "pubDate") == 0 ||
                       strcmp(ln, "published") == 0 || (strcmp(ln, "lastmod") == 0 && lastmod[0] == '\0') ||
                       (strcmp(ln, "updated") == 0 && lastmod[0] == '\0') ||
                       (strcmp(ln, "date") == 0 && lastmod[0] == '\0')) {
                read_text(r, lastmod, sizeof lastmod);
            }
            continue;
        }
        if (type == XML_READER_TYPE_END_ELEMENT && in_item && depth == item_depth) {
            in_item = 0;
            if (url[0]) {
                if (out->n >= FEED_MAX_ENTRIES) {
                    rc = mm_err_set(err, MM_ELIMIT, "%s: more than %d entries; split it (sitemaps.org limit)", name,
                                    FEED_MAX_ENTRIES);
                    break;
                }
                if ((rc = add(out, url, root == ROOT_INDEX ? CRAWL_KIND_SITEMAP : CRAWL_KIND_PAGE, lastmod)) !=
                    MM_OK) {
                    mm_err_set(err, rc, "%s: out of memory", name);
                    break;
                }
            }
        }
    }
    if (rc == MM_OK && root == ROOT_NONE)
        rc = mm_err_set(err, MM_EPARSE, "%s: not an XML feed or sitemap", name);
    xmlFreeTextReader(r);
done:
    mm_buf_free(&inflated);
    return rc;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* "+0900", "+09:00", "Z", "GMT", "UTC", "KST" -> seconds east of UTC;
 * 0 when unknown; *found 0 when there is no zone at all. */
static long zone_offset(const char *p, int *found) {
    while (*p == ' ')
        p++;
    *found = 1;
    if (*p == 'Z' || strncmp(p, "GMT", 3) == 0 || strncmp(p, "UT", 2) == 0)
        return 0;
    if (strncmp(p, "KST", 3) == 0)
        return 9 * 3600;
    if ((*p == '+' || *p == '-') && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9') {
        int h = (p[1] - '0') * 10 + (p[2] - '0'), mi = 0;
        const char *q = p + 3;
        if (*q == ':')
            q++;
        if (q[0] >= '0' && q[0] <= '9' && q[1] >= '0' && q[1] <= '9')
            mi = (q[0] - '0') * 10 + (q[1] - '0');
        return (*p == '-' ? -1 : 1) * (h * 3600L + mi * 60L);
    }
    *found = 0;
    return 9 * 3600; /* no zone: Korean sites write Korea time */
}

int crawl_feed_date(const char *s, int64_t *out) {
    static const char *const MON[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, n = 0;
    if (s == NULL)
        return 0;
    while (*s == ' ')
        s++;
    const char *rest = NULL;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3 && n == 10) { /* ISO 8601 / W3C-DTF */
        rest = s + n;
        if (*rest == 'T' || *rest == ' ') {
            int k = 0;
            if (sscanf(rest + 1, "%2d:%2d%n", &h, &mi, &k) == 2) {
                rest += 1 + k;
                if (*rest == ':' && sscanf(rest + 1, "%2d%n", &sec, &k) == 1)
                    rest += 1 + k;
                while (*rest == '.' || (*rest >= '0' && *rest <= '9'))
                    rest++;
            }
        }
    } else { /* RFC 822: "[Tue, ]18 Nov 2026 07:41[:00] +0900" */
        const char *p = strchr(s, ',');
        p = p ? p + 1 : s;
        char mon[4] = "";
        int k = 0;
        if (sscanf(p, " %2d %3s %4d %2d:%2d%n", &d, mon, &y, &h, &mi, &k) != 5)
            return 0;
        rest = p + k;
        if (*rest == ':' && sscanf(rest + 1, "%2d%n", &sec, &k) == 1)
            rest += 1 + k;
        for (int i = 0; i < 12; i++)
            if (strcasecmp(mon, MON[i]) == 0)
                mo = i + 1;
        if (y < 100)
            y += y < 70 ? 2000 : 1900;
    }
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return 0;
    int found;
    long off = zone_offset(rest ? rest : "", &found);
    *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
    return 1;
}

void crawl_entries_newest(const struct crawl_entries *e, int64_t *dated, int64_t *newest) {
    *dated = 0;
    *newest = -1;
    for (size_t i = 0; i < e->n; i++) {
        int64_t t;
        if (e->v[i].lastmod[0] && crawl_feed_date(e->v[i].lastmod, &t)) {
            (*dated)++;
            if (t > *newest)
                *newest = t;
        }
    }
}
