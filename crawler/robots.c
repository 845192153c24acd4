/*
 * robots.c -- robots.txt per RFC 9309 (Robots Exclusion Protocol): groups
 * chosen by product token (case-insensitive, "*" as fallback, matching
 * groups merged), longest match wins with allow winning ties, "*" and "$"
 * wildcards, percent-encoding compared per section 2.2.2, a 500 KiB parse
 * limit (2.5). Crawl-delay and Sitemap are read too (de facto extensions).
 */
#include "crawler.h"
#include "crawler_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ROBOTS_PARSE_MAX (500u * 1024u)
#define ROBOTS_MAX_RULES 20000
#define ROBOTS_MAX_SITEMAPS 200
#define ROBOTS_DELAY_CAP_MS 30000

struct rule {
    char *pat; /* normalised pattern */
    size_t len;
    int allow;
};

struct crawl_robots {
    struct rule *rules;
    size_t n, cap;
    long delay_ms;
    char **sitemaps;
    size_t n_sitemaps;
    int all; /* -1 rules decide; 0 deny everything; 1 allow everything */
};

/* One spelling for comparing octets: non-ASCII octets percent-encoded,
 * %xx of unreserved characters decoded, other %xx upper-cased (2.2.2). */
static char *norm(const char *s, size_t n) {
    struct mm_buf b;
    mm_buf_init(&b, 0);
    if (mm_buf_reserve(&b, n + 1) != MM_OK)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        mm_rc rc;
        if (c == '%' && i + 2 < n && crawl_hexval((unsigned char)s[i + 1]) >= 0 &&
            crawl_hexval((unsigned char)s[i + 2]) >= 0) {
            int v = crawl_hexval((unsigned char)s[i + 1]) * 16 + crawl_hexval((unsigned char)s[i + 2]);
            if (isalnum(v) || v == '-' || v == '.' || v == '_' || v == '~')
                rc = mm_buf_putc(&b, (char)v);
            else
                rc = mm_buf_printf(&b, "%%%02X", v);
            i += 2;
        } else if (c >= 0x80 || c <= 0x20) {
            rc = mm_buf_printf(&b, "%%%02X", c);
        } else {
            rc = mm_buf_putc(&b, (char)c);
        }
        if (rc != MM_OK) {
            mm_buf_free(&b);
            return NULL;
        }
    }
    return mm_buf_steal(&b);
}

/* Does pattern p[0..pn) match a prefix of s[0..sn) ("$" at the end of the
 * pattern anchors it at the end of s)? Greedy with back-tracking on the
 * last '*': linear for patterns without '*', O(pn*sn) at worst. */
static int match(const char *p, size_t pn, const char *s, size_t sn) {
    int anchor = pn > 0 && p[pn - 1] == '$';
    if (anchor)
        pn--;
    size_t pi = 0, si = 0, star = (size_t)-1, mark = 0;
    for (;;) {
        if (pi == pn) {
            if (!anchor || si == sn)
                return 1;
        } else if (p[pi] == '*') {
            star = pi++;
            mark = si;
            continue;
        } else if (si < sn && p[pi] == s[si]) {
            pi++;
            si++;
            continue;
        }
        if (star == (size_t)-1 || mark >= sn)
            return 0;
        pi = star + 1;
        si = ++mark;
    }
}

static void trim(const char **s, size_t *n) {
    while (*n > 0 && isspace((unsigned char)**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

/* The product token of a user-agent line: its leading [A-Za-z_-] run. */
static int agent_matches(const char *v, size_t n, const char *agent) {
    if (n == 1 && v[0] == '*')
        return 2;
    size_t t = 0;
    while (t < n && (isalpha((unsigned char)v[t]) || v[t] == '_' || v[t] == '-'))
        t++;
    return t > 0 && strlen(agent) == t && strncasecmp(v, agent, t) == 0;
}

static mm_rc add_rule(struct crawl_robots *r, const char *v, size_t n, int allow) {
    if (r->n == ROBOTS_MAX_RULES)
        return MM_OK;
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 16;
        struct rule *nr = realloc(r->rules, cap * sizeof *nr);
        if (nr == NULL)
            return MM_ENOMEM;
        r->rules = nr;
        r->cap = cap;
    }
    char *p = norm(v, n);
    if (p == NULL)
        return MM_ENOMEM;
    r->rules[r->n++] = (struct rule){p, strlen(p), allow};
    return MM_OK;
}

static mm_rc want_sitemap(struct crawl_robots *r, const char *v, size_t vn);

/* Parse in two passes: the first decides whether any group names our
 * agent (then "*" groups are ignored), the second collects the rules. */
static mm_rc parse_pass(struct crawl_robots *r, const char *text, size_t len, const char *agent, int want,
                        int *found_specific, int collect) {
    int in_agents = 0; /* reading a run of user-agent lines */
    int group_match = 0;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *line = p;
        p = nl ? nl + 1 : end;
        const char *hash = memchr(line, '#', (size_t)(le - line));
        if (hash)
            le = hash;
        const char *colon = memchr(line, ':', (size_t)(le - line));
        if (colon == NULL)
            continue;
        const char *k = line, *v = colon + 1;
        size_t kn = (size_t)(colon - line), vn = (size_t)(le - v);
        trim(&k, &kn);
        trim(&v, &vn);
        if (kn == 10 && strncasecmp(k, "user-agent", 10) == 0) {
            if (!in_agents)
                group_match = 0;
            in_agents = 1;
            int m = agent_matches(v, vn, agent);
            if (m == 1)
                *found_specific = 1;
            if ((want == 1 && m == 1) || (want == 2 && m == 2))
                group_match = 1;
            continue;
        }
        if (kn == 7 && strncasecmp(k, "sitemap", 7) == 0) {
            /* not part of any group (RFC 9309 2.3.5 notes other records) */
            if (collect && want_sitemap(r, v, vn) != MM_OK)
                return MM_ENOMEM;
            continue;
        }
        int allow = kn == 5 && strncasecmp(k, "allow", 5) == 0;
        int disallow = kn == 8 && strncasecmp(k, "disallow", 8) == 0;
        int delay = kn == 11 && strncasecmp(k, "crawl-delay", 11) == 0;
        if (!allow && !disallow && !delay)
            continue; /* unknown records do not end a group */
        in_agents = 0;
        if (!group_match || !collect)
            continue;
        if (delay) {
            char buf[32];
            size_t cn = vn < sizeof buf - 1 ? vn : sizeof buf - 1;
            memcpy(buf, v, cn);
            buf[cn] = '\0';
            char *e;
            double d = strtod(buf, &e);
            if (e != buf && d >= 0) {
                long ms = d * 1000 > ROBOTS_DELAY_CAP_MS ? ROBOTS_DELAY_CAP_MS : (long)(d * 1000);
                if (ms > r->delay_ms)
                    r->delay_ms = ms;
            }
            continue;
        }
        if (vn == 0)
            continue; /* "Disallow:" with no path matches nothing */
        if (add_rule(r, v, vn, allow) != MM_OK)
            return MM_ENOMEM;
    }
    return MM_OK;
}

static mm_rc want_sitemap(struct crawl_robots *r, const char *v, size_t vn) {
    if (vn == 0 || r->n_sitemaps == ROBOTS_MAX_SITEMAPS)
        return MM_OK;
    char **ns = realloc(r->sitemaps, (r->n_sitemaps + 1) * sizeof *ns);
    if (ns == NULL)
        return MM_ENOMEM;
    r->sitemaps = ns;
    if ((ns[r->n_sitemaps] = strndup(v, vn)) == NULL)
        return MM_ENOMEM;
    r->n_sitemaps++;
    return MM_OK;
}

mm_rc crawl_robots_parse(const char *text, size_t len, const char *agent, struct crawl_robots **out) {
    *out = NULL;
    struct crawl_robots *r = calloc(1, sizeof *r);
    if (r == NULL)
        return MM_ENOMEM;
    r->delay_ms = -1;
    r->all = -1;
    if (len > ROBOTS_PARSE_MAX)
        len = ROBOTS_PARSE_MAX;
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) { /* a UTF-8 BOM */
        text += 3;
        len -= 3;
    }
    int specific = 0;
    mm_rc rc = parse_pass(r, text, len, agent, 1, &specific, 0);
    if (rc == MM_OK)
        rc = parse_pass(r, text, len, agent, specific ? 1 : 2, &specific, 1);
    if (rc != MM_OK) {
        crawl_robots_free(r);
        return rc;
    }
    *out = r;
    return MM_OK;
}

mm_rc crawl_robots_all(int allow, struct crawl_robots **out) {
    *out = calloc(1, sizeof **out);
    if (*out == NULL)
        return MM_ENOMEM;
    (*out)->delay_ms = -1;
    (*out)->all = allow ? 1 : 0;
    return MM_OK;
}

void crawl_robots_free(struct crawl_robots *r) {
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n; i++)
        free(r->rules[i].pat);
    free(r->rules);
    for (size_t i = 0; i < r->n_sitemaps; i++)
        free(r->sitemaps[i]);
    free(r->sitemaps);
    free(r);
}

int crawl_robots_allowed(const struct crawl_robots *r, const char *path_query) {
    if (strcmp(path_query, "/robots.txt") == 0)
        return 1;
    if (r->all >= 0)
        return r->all;
    char *s = norm(path_query, strlen(path_query));
    if (s == NULL)
        return 0; /* out of memory: the safe answer */
    size_t sn = strlen(s), best = 0;
    int best_allow = 1, any = 0;
    for (size_t i = 0; i < r->n; i++) {
        const struct rule *ru = &r->rules[i];
        if (!match(ru->pat, ru->len, s, sn))
            continue;
        if (!any || ru->len > best || (ru->len == best && ru->allow && !best_allow)) {
            best = ru->len;
            best_allow = ru->allow;
            any = 1;
        }
    }
    free(s);
    return any ? best_allow : 1;
}

long crawl_robots_delay_ms(const struct crawl_robots *r) { return r->delay_ms; }

const char *crawl_robots_sitemap(const struct crawl_robots *r, size_t i) {
    return i < r->n_sitemaps ? r->sitemaps[i] : NULL;
}
