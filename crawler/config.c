/*
 * config.c -- the crawler's configuration: `[crawler]` defaults and the
 * crawl keys of each `[site NAME]` section (seeds, feeds, sitemaps, scope,
 * revisit intervals), read through util's mm_conf so every error names
 * FILE:LINE:KEY. Keys are documented in config/README.md ("Crawler keys").
 */
#include "crawler.h"
#include "crawler_int.h"

#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PLACEHOLDER "CHANGE-ME"

/* A compiled pattern and its text, the key of pattern_index. */
struct crawl_pattern {
    regex_t re;
    char src[];
};

mm_rc crawl_config_default(struct crawl_config **out, struct mm_err *err) {
    struct crawl_config *c = calloc(1, sizeof *c);
    if (c == NULL || (c->robots_agent = strdup("malmoi")) == NULL) {
        free(c);
        return mm_err_set(err, MM_ENOMEM, "out of memory");
    }
    c->delay_ms = 1000;
    c->per_host = 1;
    c->max_connections = 64;
    c->connect_timeout_s = 10;
    c->timeout_s = 60;
    c->low_speed_bytes = 100;
    c->low_speed_s = 20;
    c->max_body = 10L << 20;
    c->max_redirects = 10;
    c->max_depth = 3;
    c->max_attempts = 4;
    c->host_fail_park = 8;
    c->park_s = 3600;
    c->retry_base_s = 60;
    c->robots_ttl_s = 86400;
    c->robots_retry_s = 600;
    c->revisit_page_s = 0;
    c->revisit_article_s = 0;
    c->revisit_feed_s = 900;
    c->feed_max_age_s = 3 * 86400;
    c->idle_wait_s = 30;
    c->follow_nofollow = 0;
    c->http2 = 1;
    *out = c;
    return MM_OK;
}

static void free_strv(char **v, size_t n) {
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void crawl_config_free(struct crawl_config *c) {
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->n_sites; i++) {
        struct crawl_site *s = &c->sites[i];
        free(s->name);
        free_strv(s->hosts, s->n_hosts);
        free_strv(s->seeds, s->n_seeds);
        free_strv(s->feeds, s->n_feeds);
        free_strv(s->sitemaps, s->n_sitemaps);
        free(s->allow);
        free(s->deny);
        free(s->article);
    }
    free(c->sites);
    mm_strmap_free(c->site_hosts);
    for (size_t i = 0; i < c->n_patterns; i++) {
        regfree(&c->patterns[i]->re);
        free(c->patterns[i]);
    }
    free(c->patterns);
    mm_strmap_free(c->pattern_index);
    free(c->user_agent);
    free(c->robots_agent);
    free(c->ca_file);
    free(c);
}

mm_rc crawl_config_set_agent(struct crawl_config *c, const char *user_agent, struct mm_err *err) {
    char *ua = strdup(user_agent);
    if (ua == NULL)
        return mm_err_set(err, MM_ENOMEM, "out of memory");
    free(c->user_agent);
    c->user_agent = ua;
    /* The product token robots.txt groups are matched against: the UA's
     * first token ("malmoi" in "malmoi/0.1 (+https://...)"). */
    size_t t = 0;
    while (ua[t] && (isalpha((unsigned char)ua[t]) || ua[t] == '_' || ua[t] == '-'))
        t++;
    if (t > 0) {
        char *tok = strndup(ua, t);
        if (tok == NULL)
            return mm_err_set(err, MM_ENOMEM, "out of memory");
        free(c->robots_agent);
        c->robots_agent = tok;
    }
    return MM_OK;
}

static mm_rc push(char ***v, size_t *n, const char *value, struct mm_err *err) {
    char **nv = realloc(*v, (*n + 1) * sizeof *nv);
    if (nv == NULL)
        return mm_err_set(err, MM_ENOMEM, "out of memory");
    *v = nv;
    if ((nv[*n] = strdup(value)) == NULL)
        return mm_err_set(err, MM_ENOMEM, "out of memory");
    (*n)++;
    return MM_OK;
}

int crawl_url_expand_date(const char *tmpl, int64_t unix_s, char *out, size_t cap) {
    time_t t = (time_t)(unix_s + 9 * 3600); /* the sites date their sitemaps in Korea time */
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL)
        return -1;
    char ymd[3][16];
    snprintf(ymd[0], sizeof ymd[0], "%04d", tm.tm_year + 1900);
    snprintf(ymd[1], sizeof ymd[1], "%02d", tm.tm_mon + 1);
    snprintf(ymd[2], sizeof ymd[2], "%02d", tm.tm_mday);
    static const char *const MARK[3] = {"{YYYY}", "{MM}", "{DD}"};
    size_t j = 0;
    for (const char *p = tmpl; *p;) {
        int m = 0;
        while (m < 3 && strncmp(p, MARK[m], strlen(MARK[m])) != 0)
            m++;
        const char *piece = m < 3 ? ymd[m] : p;
        size_t len = m < 3 ? strlen(ymd[m]) : 1;
        if (j + len >= cap)
            return -1;
        memcpy(out + j, piece, len);
        j += len;
        p += m < 3 ? strlen(MARK[m]) : 1;
    }
    out[j] = '\0';
    return 0;
}

/* Append every value of section/key to *v. A feed or sitemap URL with
 * {YYYY}, {MM} or {DD} in it (a sitemap per day) stands for today's and
 * yesterday's URL (Korea time), so a crawl after midnight still gets the
 * rest of the previous day. */
static mm_rc get_list(struct mm_conf *conf, const char *section, const char *key, char ***v, size_t *n,
                      struct mm_err *err) {
    const struct mm_conf_entry *e;
    int64_t now = (int64_t)time(NULL);
    for (size_t i = 0; (e = mm_conf_get_nth(conf, section, key, i)) != NULL; i++) {
        mm_rc rc;
        if (strstr(e->value, "{YYYY}") || strstr(e->value, "{MM}") || strstr(e->value, "{DD}")) {
            char today[4096], yesterday[4096];
            if (crawl_url_expand_date(e->value, now, today, sizeof today) != 0 ||
                crawl_url_expand_date(e->value, now - 86400, yesterday, sizeof yesterday) != 0)
                return mm_err_set(err, MM_EINVAL, "%s:%d: key '%s' in [%s]: URL too long", mm_conf_path(conf),
                                  e->line, key, section);
            rc = push(v, n, today, err);
            if (rc == MM_OK && strcmp(today, yesterday) != 0)
                rc = push(v, n, yesterday, err);
        } else {
            rc = push(v, n, e->value, err);
        }
        if (rc != MM_OK)
            return rc;
    }
    return MM_OK;
}

/* Where a POSIX extended regex uses a back-reference (\1 to \9 outside a
 * bracket expression), or NULL. glibc accepts them in REG_EXTENDED and
 * matches them in exponential time: (b*)(b*)(b*)\3\2\1z against a
 * 5,000-character link held a crawl for ten minutes. */
static const char *find_backref(const char *re) {
    for (const char *p = re; *p; p++) {
        if (*p == '\\') {
            if (p[1] >= '1' && p[1] <= '9')
                return p;
            if (p[1])
                p++;
        } else if (*p == '[') { /* a bracket expression: '\' is literal there */
            p++;
            if (*p == '^')
                p++;
            if (*p == ']')
                p++; /* a ']' first is a member */
            while (*p && *p != ']') {
                if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
                    char close = p[1];
                    p += 2;
                    while (*p && !(p[0] == close && p[1] == ']'))
                        p++;
                    if (*p)
                        p++;
                }
                if (*p)
                    p++;
            }
            if (*p == '\0')
                break;
        }
    }
    return NULL;
}

/* Compile one pattern value: a bad regex or a back-reference is an error
 * naming FILE:LINE and the key. */
/* The compiled form of e's pattern: from the config's table when another
 * site already uses the same text, else checked, compiled and added. */
static mm_rc compile_pattern(struct crawl_config *c, struct mm_conf *conf, const char *section, const char *key,
                             const struct mm_conf_entry *e, const void **out, struct mm_err *err) {
    size_t len = strlen(e->value);
    size_t i = mm_strmap_get(c->pattern_index, e->value, len);
    if (i != SIZE_MAX) {
        *out = &c->patterns[i]->re;
        return MM_OK;
    }
    const char *br = find_backref(e->value);
    if (br)
        return mm_err_set(err, MM_EINVAL,
                          "%s:%d: key '%s' in [%s]: '%s' uses the back-reference '%.2s', which can take "
                          "exponential time on a hostile link; rewrite it without back-references",
                          mm_conf_path(conf), e->line, key, section, e->value, br);
    if (c->n_patterns == c->cap_patterns) {
        size_t cap = c->cap_patterns ? 2 * c->cap_patterns : 16;
        struct crawl_pattern **np = realloc(c->patterns, cap * sizeof *np);
        if (np == NULL)
            return mm_err_set(err, MM_ENOMEM, "out of memory");
        c->patterns = np;
        c->cap_patterns = cap;
    }
    struct crawl_pattern *p = malloc(sizeof *p + len + 1);
    if (p == NULL)
        return mm_err_set(err, MM_ENOMEM, "out of memory");
    memcpy(p->src, e->value, len + 1);
    int rr = regcomp(&p->re, e->value, REG_EXTENDED | REG_NOSUB);
    if (rr != 0) {
        char msg[128];
        regerror(rr, &p->re, msg, sizeof msg);
        free(p);
        return mm_err_set(err, MM_EINVAL, "%s:%d: key '%s' in [%s]: bad regular expression '%s' (%s)",
                          mm_conf_path(conf), e->line, key, section, e->value, msg);
    }
    if (mm_strmap_add(c->pattern_index, p->src, len, c->n_patterns) != MM_OK) {
        regfree(&p->re);
        free(p);
        return mm_err_set(err, MM_ENOMEM, "out of memory");
    }
    c->patterns[c->n_patterns++] = p;
    *out = &p->re;
    return MM_OK;
}

/* Compile every value of section/key as a POSIX extended regex. */
static mm_rc get_regex(struct crawl_config *c, struct mm_conf *conf, const char *section, const char *key,
                       const void ***out, size_t *n, struct mm_err *err) {
    const struct mm_conf_entry *e;
    for (size_t i = 0; (e = mm_conf_get_nth(conf, section, key, i)) != NULL; i++) {
        const void **nv = realloc(*out, (*n + 1) * sizeof *nv);
        if (nv == NULL)
            return mm_err_set(err, MM_ENOMEM, "out of memory");
        *out = nv;
        mm_rc rc = compile_pattern(c, conf, section, key, e, &nv[*n], err);
        if (rc != MM_OK)
            return rc;
        (*n)++;
    }
    return MM_OK;
}

static mm_rc split_hosts(const char *value, struct crawl_site *s, struct mm_err *err) {
    const char *p = value;
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        size_t n = strcspn(p, " ,\t");
        if (n == 0)
            break;
        char **nv = realloc(s->hosts, (s->n_hosts + 1) * sizeof *nv);
        if (nv == NULL)
            return mm_err_set(err, MM_ENOMEM, "out of memory");
        s->hosts = nv;
        if ((nv[s->n_hosts] = strndup(p, n)) == NULL)
            return mm_err_set(err, MM_ENOMEM, "out of memory");
        for (char *q = nv[s->n_hosts]; *q; q++)
            *q = (char)tolower((unsigned char)*q);
        s->n_hosts++;
        p += n;
    }
    return MM_OK;
}

static mm_rc load_site(struct crawl_config *c, struct mm_conf *conf, const char *section, struct crawl_site *s,
                       struct mm_err *err) {
    mm_rc rc;
    if ((s->name = strdup(section + 5)) == NULL)
        return mm_err_set(err, MM_ENOMEM, "out of memory");
    s->max_depth = s->revisit_page_s = s->revisit_article_s = s->revisit_feed_s = -1;
    s->delay_ms = s->per_host = s->host_fail_park = -1;
    const struct mm_conf_entry *hosts;
    if ((rc = mm_conf_get_one(conf, section, "hosts", &hosts, err)) != MM_OK)
        return rc;
    if (hosts && (rc = split_hosts(hosts->value, s, err)) != MM_OK)
        return rc;
    if (hosts && s->n_hosts == 0) /* an empty "hosts =" would match nothing, silently */
        return mm_err_set(err, MM_EINVAL, "%s:%d: key 'hosts' in [%s] is empty; list the site's host names",
                          mm_conf_path(conf), hosts->line, section);
    if ((rc = get_list(conf, section, "seed", &s->seeds, &s->n_seeds, err)) != MM_OK ||
        (rc = get_list(conf, section, "feed", &s->feeds, &s->n_feeds, err)) != MM_OK ||
        (rc = get_list(conf, section, "sitemap", &s->sitemaps, &s->n_sitemaps, err)) != MM_OK ||
        (rc = get_regex(c, conf, section, "allow", &s->allow, &s->n_allow, err)) != MM_OK ||
        (rc = get_regex(c, conf, section, "deny", &s->deny, &s->n_deny, err)) != MM_OK)
        return rc;
    const struct mm_conf_entry *e; /* one pattern: alternatives go in one with '|' */
    if ((rc = mm_conf_get_one(conf, section, "article_pattern", &e, err)) != MM_OK)
        return rc;
    if (e) {
        if ((s->article = calloc(1, sizeof *s->article)) == NULL)
            return mm_err_set(err, MM_ENOMEM, "out of memory");
        if ((rc = compile_pattern(c, conf, section, "article_pattern", e, &s->article[0], err)) != MM_OK)
            return rc;
    }
    if ((rc = mm_conf_get_long(conf, section, "max_depth", 0, 1000, &s->max_depth, err)) != MM_OK ||
        (rc = mm_conf_get_long(conf, section, "revisit_page", 0, 100L * 86400 * 365, &s->revisit_page_s, err)) != MM_OK ||
        (rc = mm_conf_get_long(conf, section, "revisit_article", 0, 100L * 86400 * 365, &s->revisit_article_s, err)) !=
            MM_OK ||
        (rc = mm_conf_get_long(conf, section, "revisit_feed", 0, 100L * 86400 * 365, &s->revisit_feed_s, err)) != MM_OK ||
        (rc = mm_conf_get_long(conf, section, "delay", 0, 600000, &s->delay_ms, err)) != MM_OK ||
        (rc = mm_conf_get_long(conf, section, "per_host", 1, 64, &s->per_host, err)) != MM_OK ||
        (rc = mm_conf_get_long(conf, section, "host_fail_park", 1, 1000, &s->host_fail_park, err)) != MM_OK)
        return rc;
    return MM_OK;
}

mm_rc crawl_config_load(struct mm_conf *conf, struct crawl_config **out, const char **placeholder_key,
                        struct mm_err *err) {
    *out = NULL;
    *placeholder_key = NULL;
    struct crawl_config *c;
    mm_rc rc = crawl_config_default(&c, err);
    if (rc != MM_OK)
        return rc;
    const char *sec = "crawler";
    long day = 86400, year = 365 * day;
    if ((rc = mm_conf_get_long(conf, sec, "delay", 0, 600000, &c->delay_ms, err)) != MM_OK ||
        (rc = mm_conf_get_long(conf, sec, "per_host", 1, 64, &c->per_host, err)) != MM_OK ||
        (rc = mm_conf_get_long(conf, sec, "max_connections", 1, 1024, &c->max_connections, err)) != MM_OK ||
        (rc = mm_conf_get_long(conf, sec, "connect_timeout", 1, 600, &c->connect_timeout_s, err)) != MM_OK ||
        (rc = mm_conf_get_long(conf, sec, "timeout", 1, 3600, &c->timeout_s, err)) != MM_OK ||
        (rc = mm_conf_get_long(conf, sec, "low_speed_limit", 0, 1L << 30, &c->low_speed_bytes, err)) != MM_OK ||
        (rc = mm_conf_get_long(conf, sec, "low_speed_time", 1, 3600, &c->low_speed_s, err)) != MM_OK ||
        (rc = mm_conf_get_long(conf, sec, "max_body", 1024, 1L << 30, &c->max_body, err)) != MM_OK ||
        (rc = mm_conf_get_long(conf, sec, "max_redirects", 0, 10, &c->max_redirects, err)) != MM_OK ||
        (rc = mm_conf_get_long(conf, sec, "max_depth", 0, 1000, &c->max_depth, err)) != MM_OK ||
        (rc = mm_conf_get_long(conf, sec, "max_attempts", 1, 100, &c->max_attempts, err)) != MM_OK ||
        (rc = mm_conf_get_long(conf, sec, "host_fail_park", 1, 1000, &c->host_fail_park, err)) != MM_OK ||
        (rc = mm_conf_get_long(conf, sec, "park_time", 1, year, &c->park_s, err)) != MM_OK ||
        (rc = mm_conf_get_long(conf, sec, "retry_base", 1, day, &c->retry_base_s, err)) != MM_OK ||
        (rc = mm_conf_get_long(conf, sec, "robots_ttl", 60, day, &c->robots_ttl_s, err)) != MM_OK ||
        (rc = mm_conf_get_long(conf, sec, "robots_retry", 1, day, &c->robots_retry_s, err)) != MM_OK ||
        (rc = mm_conf_get_long(conf, sec, "revisit_page", 0, 100 * year, &c->revisit_page_s, err)) != MM_OK ||
        (rc = mm_conf_get_long(conf, sec, "revisit_article", 0, 100 * year, &c->revisit_article_s, err)) != MM_OK ||
        (rc = mm_conf_get_long(conf, sec, "revisit_feed", 0, 100 * year, &c->revisit_feed_s, err)) != MM_OK ||
        (rc = mm_conf_get_long(conf, sec, "idle_wait", 0, 3600, &c->idle_wait_s, err)) != MM_OK ||
        (rc = mm_conf_get_long(conf, sec, "feed_max_age", 0, 100 * year, &c->feed_max_age_s, err)) != MM_OK ||
        (rc = mm_conf_get_bool(conf, sec, "follow_nofollow", &c->follow_nofollow, err)) != MM_OK ||
        (rc = mm_conf_get_bool(conf, sec, "http2", &c->http2, err)) != MM_OK)
        goto fail;
    const struct mm_conf_entry *ca;
    if ((rc = mm_conf_get_one(conf, sec, "ca_file", &ca, err)) != MM_OK)
        goto fail;
    if (ca && *ca->value && access(ca->value, R_OK) != 0) {
        rc = mm_err_set(err, MM_EINVAL, "%s:%d: key 'ca_file' in [crawler]: %s: %s; give a PEM bundle that exists",
                        mm_conf_path(conf), ca->line, ca->value, strerror(errno));
        goto fail;
    }
    if (ca && *ca->value && (c->ca_file = strdup(ca->value)) == NULL) {
        rc = mm_err_set(err, MM_ENOMEM, "out of memory");
        goto fail;
    }
    const char *ua = mm_conf_get(conf, sec, "user_agent");
    const char *contact = mm_conf_get(conf, sec, "contact");
    if (ua == NULL || *ua == '\0' || strstr(ua, PLACEHOLDER)) {
        *placeholder_key = "user_agent";
    } else if (contact == NULL || *contact == '\0' || strstr(contact, PLACEHOLDER)) {
        *placeholder_key = "contact";
    } else {
        char full[1024];
        snprintf(full, sizeof full, "%s (+%s)", ua, contact);
        if ((rc = crawl_config_set_agent(c, full, err)) != MM_OK)
            goto fail;
    }
    const char *name;
    size_t cap = 0;
    if (mm_strmap_new(&c->site_hosts) != MM_OK || mm_strmap_new(&c->pattern_index) != MM_OK) {
        rc = mm_err_set(err, MM_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; (name = mm_conf_section(conf, i)) != NULL; i++) {
        if (strncmp(name, "site ", 5) != 0)
            continue;
        if (c->n_sites == cap) {
            cap = cap ? 2 * cap : 16;
            struct crawl_site *ns = realloc(c->sites, cap * sizeof *ns);
            if (ns == NULL) {
                rc = mm_err_set(err, MM_ENOMEM, "out of memory");
                goto fail;
            }
            c->sites = ns;
        }
        struct crawl_site *s = &c->sites[c->n_sites++];
        memset(s, 0, sizeof *s);
        if ((rc = load_site(c, conf, name, s, err)) != MM_OK)
            goto fail;
        for (size_t j = 0; j < s->n_hosts; j++)
            if (mm_strmap_add(c->site_hosts, s->hosts[j], strlen(s->hosts[j]), c->n_sites - 1) != MM_OK) {
                rc = mm_err_set(err, MM_ENOMEM, "out of memory");
                goto fail;
            }
    }
    *out = c;
    return MM_OK;
fail:
    crawl_config_free(c);
    return rc;
}

const struct crawl_site *crawl_config_site(const struct crawl_config *c, const char *host) {
    if (c->site_hosts) { /* the first site whose host is `host` or a domain above it */
        size_t i = mm_strmap_get_domain(c->site_hosts, host);
        return i < c->n_sites ? &c->sites[i] : NULL;
    }
    size_t hl = strlen(host);
    for (size_t i = 0; i < c->n_sites; i++) {
        const struct crawl_site *s = &c->sites[i];
        for (size_t j = 0; j < s->n_hosts; j++) {
            size_t n = strlen(s->hosts[j]);
            if (hl == n && memcmp(host, s->hosts[j], n) == 0)
                return s;
            if (hl > n && host[hl - n - 1] == '.' && memcmp(host + hl - n, s->hosts[j], n) == 0)
                return s;
        }
    }
    return NULL;
}

int crawl_site_match(const void *const *res, size_t n, const char *url) {
    if (strlen(url) > CRAWL_PATTERN_URL_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (regexec((const regex_t *)res[i], url, 0, NULL, 0) == 0)
            return 1;
    return 0;
}

int crawl_config_article(const struct crawl_config *c, const char *url) {
    char host[256];
    if (c == NULL || url == NULL || crawl_url_host_name(url, host, sizeof host) != 0)
        return -1;
    const struct crawl_site *s = crawl_config_site(c, host);
    if (s == NULL || s->article == NULL)
        return -1;
    return crawl_site_match(s->article, 1, url);
}
