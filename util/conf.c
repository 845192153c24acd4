/*
 * conf.c -- the INI configuration file, kept as a flat list of entries with
 * line numbers so every stage can report FILE:LINE:KEY. The reader is ours
 * rather than inih's: Debian's inih is built without line numbers and cuts
 * lines at 200 bytes, too short for XPath site rules.
 *
 * Syntax: "[kind name]" sections; "key = value" lines (first '=' splits);
 * whole-line comments start with ';' or '#'; " ;" or " #" starts a comment
 * after a value; a UTF-8 BOM is skipped; blank lines are ignored.
 */
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct conf_item {
    struct mm_conf_entry e;
    int used;
    int block; /* which "[section]" line it follows: a key repeated in one block is a mistake */
};

struct conf_section {
    char *name;
    size_t *items; /* indexes into mm_conf.items, in file order */
    size_t n, cap;
};

struct mm_conf {
    char *path;
    struct conf_item *items;
    size_t n, cap;
    struct conf_section *sections; /* distinct, in file order */
    size_t n_sections, cap_sections;
    struct mm_strmap *by_name; /* section name -> index: loading stays linear in sections */
    int block;                         /* section lines read so far */
    const struct mm_conf_entry *again; /* the first one-value key found twice (mm_conf_check_unused) */
    int again_first_line;
};

static char *dup_trim_section(const char *s) {
    /* "site   yonhap" -> "site yonhap": one space between kind and name. */
    size_t n = strlen(s);
    char *out = malloc(n + 1), *o = out;
    if (out == NULL)
        return NULL;
    int space = 0;
    for (const char *p = s; *p; p++) {
        if (*p == ' ' || *p == '\t') {
            space = o != out;
            continue;
        }
        if (space)
            *o++ = ' ';
        space = 0;
        *o++ = *p;
    }
    *o = '\0';
    return out;
}

static int on_entry(struct mm_conf *c, const char *section, const char *key, const char *value, int line) {
    char *sec = dup_trim_section(section);
    if (sec == NULL)
        goto oom;
    /* Reuse the interned section string. */
    size_t si = mm_strmap_get(c->by_name, sec, strlen(sec));
    if (si == SIZE_MAX) {
        if (c->n_sections == c->cap_sections) {
            size_t cap = c->cap_sections ? 2 * c->cap_sections : 16;
            struct conf_section *ns = realloc(c->sections, cap * sizeof *ns);
            if (ns == NULL) {
                free(sec);
                goto oom;
            }
            c->sections = ns;
            c->cap_sections = cap;
        }
        si = c->n_sections;
        if (mm_strmap_add(c->by_name, sec, strlen(sec), si) != MM_OK) {
            free(sec);
            goto oom;
        }
        c->sections[c->n_sections++] = (struct conf_section){sec, NULL, 0, 0};
    } else {
        free(sec);
    }
    if (key == NULL) /* a bare "[section]" line */
        return 1;
    struct conf_section *cs = &c->sections[si];
    if (cs->n == cs->cap) {
        size_t cap = cs->cap ? 2 * cs->cap : 8;
        size_t *ni = realloc(cs->items, cap * sizeof *ni);
        if (ni == NULL)
            goto oom;
        cs->items = ni;
        cs->cap = cap;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 32;
        struct conf_item *ni = realloc(c->items, cap * sizeof *ni);
        if (ni == NULL)
            goto oom;
        c->items = ni;
        c->cap = cap;
    }
    struct conf_item *it = &c->items[c->n];
    it->e.section = cs->name;
    it->e.key = strdup(key);
    it->e.value = strdup(value ? value : "");
    it->e.line = line;
    it->used = 0;
    it->block = c->block;
    if (it->e.key == NULL || it->e.value == NULL) {
        free((char *)it->e.key);
        free((char *)it->e.value);
        goto oom;
    }
    cs->items[cs->n++] = c->n++;
    return 1;
oom:
    return 0;
}

static mm_rc conf_new(const char *path, struct mm_conf **out, struct mm_err *err) {
    struct mm_conf *c = calloc(1, sizeof *c);
    if (c == NULL || (c->path = strdup(path)) == NULL || mm_strmap_new(&c->by_name) != MM_OK) {
        if (c)
            free(c->path);
        free(c);
        return mm_err_set(err, MM_ENOMEM, "%s: out of memory", path);
    }
    *out = c;
    return MM_OK;
}

static char *trim(char *s) {
    while (*s == ' ' || *s == '\t')
        s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

/* Parse `text` into `c`; returns MM_OK or fails naming the line. */
static mm_rc conf_read(struct mm_conf *c, const char *text, struct mm_err *err) {
    char *copy = strdup(text), *line, *next;
    if (copy == NULL)
        return mm_err_set(err, MM_ENOMEM, "%s: out of memory", c->path);
    char *section = strdup("");
    mm_rc rc = section ? MM_OK : MM_ENOMEM;
    int lineno = 0;
    line = copy;
    if ((unsigned char)line[0] == 0xef && (unsigned char)line[1] == 0xbb && (unsigned char)line[2] == 0xbf)
        line += 3;
    for (; rc == MM_OK && line != NULL; line = next) {
        lineno++;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *s = trim(line);
        if (*s == '\0' || *s == ';' || *s == '#')
            continue;
        if (!mm_utf8_valid(s, strlen(s), NULL)) {
            rc = mm_err_set(err, MM_EPARSE, "%s:%d: not valid UTF-8; save the file as UTF-8", c->path, lineno);
            break;
        }
        if (*s == '[') {
            char *close = strchr(s, ']');
            if (close == NULL || *trim(close + 1) != '\0') {
                rc = mm_err_set(err, MM_EPARSE, "%s:%d: a section line must look like [crawler] or [site NAME]", c->path, lineno);
                break;
            }
            *close = '\0';
            c->block++;
            free(section);
            section = dup_trim_section(s + 1);
            if (section == NULL || !on_entry(c, section, NULL, NULL, lineno))
                rc = MM_ENOMEM;
            continue;
        }
        char *eq = strchr(s, '=');
        if (eq == NULL) {
            rc = mm_err_set(err, MM_EPARSE, "%s:%d: expected 'key = value', a [section] or a ; comment", c->path, lineno);
            break;
        }
        *eq = '\0';
        char *key = trim(s), *value = eq + 1;
        for (char *p = value; *p; p++) /* inline comment: whitespace then ; or # */
            if ((*p == ';' || *p == '#') && p > value && (p[-1] == ' ' || p[-1] == '\t')) {
                *p = '\0';
                break;
            }
        value = trim(value);
        if (*key == '\0') {
            rc = mm_err_set(err, MM_EPARSE, "%s:%d: a line starts with '=' and has no key", c->path, lineno);
            break;
        }
        if (!on_entry(c, section, key, value, lineno))
            rc = MM_ENOMEM;
    }
    if (rc == MM_ENOMEM)
        mm_err_set(err, MM_ENOMEM, "%s: out of memory while reading", c->path);
    free(section);
    free(copy);
    return rc;
}

mm_rc mm_conf_load(const char *path, struct mm_conf **out, struct mm_err *err) {
    struct mm_buf b;
    mm_buf_init(&b, 16u << 20);
    mm_rc rc = mm_read_file(path, b.max, &b, err);
    const char *nul = rc == MM_OK && b.len ? memchr(b.data, '\0', b.len) : NULL;
    if (nul) { /* the text would end there: "delay = 5<NUL>junk" read as 5, the rest lost */
        int line = 1;
        for (const char *p = b.data; p < nul; p++)
            line += *p == '\n';
        rc = mm_err_set(err, MM_EPARSE, "%s:%d: a NUL byte; the configuration must be plain text", path, line);
    }
    if (rc == MM_OK)
        rc = mm_conf_parse(path, b.data ? b.data : "", out, err);
    mm_buf_free(&b);
    return rc;
}

mm_rc mm_conf_parse(const char *name, const char *text, struct mm_conf **out, struct mm_err *err) {
    struct mm_conf *c = NULL;
    mm_rc rc = conf_new(name, &c, err);
    if (rc != MM_OK)
        return rc;
    if ((rc = conf_read(c, text, err)) != MM_OK) {
        mm_conf_free(c);
        return rc;
    }
    *out = c;
    return MM_OK;
}

void mm_conf_free(struct mm_conf *c) {
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free((char *)c->items[i].e.key);
        free((char *)c->items[i].e.value);
    }
    for (size_t i = 0; i < c->n_sections; i++) {
        free(c->sections[i].name);
        free(c->sections[i].items);
    }
    free(c->sections);
    mm_strmap_free(c->by_name);
    free(c->items);
    free(c->path);
    free(c);
}

const char *mm_conf_path(const struct mm_conf *c) { return c->path; }

const char *mm_conf_section(const struct mm_conf *c, size_t i) {
    return i < c->n_sections ? c->sections[i].name : NULL;
}

const struct mm_conf_entry *mm_conf_get_nth(struct mm_conf *c, const char *section,
                                            const char *key, size_t i) {
    size_t si = mm_strmap_get(c->by_name, section, strlen(section));
    if (si == SIZE_MAX)
        return NULL;
    const struct conf_section *cs = &c->sections[si];
    for (size_t k = 0; k < cs->n; k++) {
        struct conf_item *it = &c->items[cs->items[k]];
        if (strcmp(it->e.key, key) == 0) {
            it->used = 1;
            if (i-- == 0)
                return &it->e;
        }
    }
    return NULL;
}

/* The value of a one-value key: the last one given. A later section
 * block of the same name overrides an earlier one ("[site kbs]" appended
 * to change max_depth), but a key given twice within one block is a
 * mistake: it is remembered (the first such one) for mm_conf_check_unused,
 * and *first_line is the line of the earlier value (0 when there is none). */
static const struct mm_conf_entry *last_entry(struct mm_conf *c, const char *section, const char *key,
                                              int *first_line) {
    const struct mm_conf_entry *last = NULL;
    *first_line = 0;
    size_t si = mm_strmap_get(c->by_name, section, strlen(section));
    if (si == SIZE_MAX)
        return NULL;
    const struct conf_section *cs = &c->sections[si];
    const struct conf_item *prev = NULL;
    for (size_t k = 0; k < cs->n; k++) {
        struct conf_item *it = &c->items[cs->items[k]];
        if (strcmp(it->e.key, key) != 0)
            continue;
        it->used = 1;
        if (prev && prev->block == it->block && *first_line == 0) {
            *first_line = prev->e.line;
            if (c->again == NULL) {
                c->again = &it->e;
                c->again_first_line = prev->e.line;
            }
        }
        prev = it;
        last = &it->e;
    }
    return last;
}

static mm_rc given_again(const struct mm_conf *c, const struct mm_conf_entry *e, int first_line,
                         struct mm_err *err) {
    return mm_err_set(err, MM_EINVAL, "%s:%d: key '%s' in [%s] is given again (first at line %d); it takes one value: "
                      "keep one", c->path, e->line, e->key, e->section, first_line);
}

mm_rc mm_conf_get_one(struct mm_conf *c, const char *section, const char *key, const struct mm_conf_entry **out,
                      struct mm_err *err) {
    int first_line;
    *out = last_entry(c, section, key, &first_line);
    return first_line ? given_again(c, *out, first_line, err) : MM_OK;
}

const char *mm_conf_get(struct mm_conf *c, const char *section, const char *key) {
    int first_line;
    const struct mm_conf_entry *e = last_entry(c, section, key, &first_line);
    return e ? e->value : NULL;
}

mm_rc mm_conf_get_long(struct mm_conf *c, const char *section, const char *key,
                       long min, long max, long *out, struct mm_err *err) {
    const struct mm_conf_entry *e;
    mm_rc rc = mm_conf_get_one(c, section, key, &e, err);
    if (rc != MM_OK || e == NULL)
        return rc;
    char *end;
    errno = 0;
    long v = strtol(e->value, &end, 10);
    if (errno || end == e->value || *end != '\0' || v < min || v > max)
        return mm_err_set(err, MM_EINVAL, "%s:%d: key '%s' in [%s] wants an integer from %ld to %ld, not '%s'",
                          c->path, e->line, key, section, min, max, e->value);
    *out = v;
    return MM_OK;
}

mm_rc mm_conf_get_double(struct mm_conf *c, const char *section, const char *key,
                         double min, double max, double *out, struct mm_err *err) {
    const struct mm_conf_entry *e;
    mm_rc rc = mm_conf_get_one(c, section, key, &e, err);
    if (rc != MM_OK || e == NULL)
        return rc;
    char *end;
    errno = 0;
    double v = strtod(e->value, &end);
    if (errno || end == e->value || *end != '\0' || !isfinite(v) || v < min || v > max)
        return mm_err_set(err, MM_EINVAL, "%s:%d: key '%s' in [%s] wants a number from %g to %g, not '%s'",
                          c->path, e->line, key, section, min, max, e->value);
    *out = v;
    return MM_OK;
}

mm_rc mm_conf_get_bool(struct mm_conf *c, const char *section, const char *key,
                       int *out, struct mm_err *err) {
    const struct mm_conf_entry *e;
    mm_rc rc = mm_conf_get_one(c, section, key, &e, err);
    if (rc != MM_OK || e == NULL)
        return rc;
    static const char *yes[] = {"1", "yes", "true", "on"}, *no[] = {"0", "no", "false", "off"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(e->value, yes[i]) == 0) { *out = 1; return MM_OK; }
        if (strcasecmp(e->value, no[i]) == 0) { *out = 0; return MM_OK; }
    }
    return mm_err_set(err, MM_EINVAL, "%s:%d: key '%s' in [%s] wants yes or no, not '%s'",
                      c->path, e->line, key, section, e->value);
}

mm_rc mm_conf_check_unused(const struct mm_conf *c, struct mm_err *err) {
    if (c->again)
        return given_again(c, c->again, c->again_first_line, err);
    for (size_t i = 0; i < c->n; i++) {
        const struct conf_item *it = &c->items[i];
        if (!it->used)
            return mm_err_set(err, MM_EINVAL, "%s:%d: unknown key '%s' in [%s]; check its spelling against config/README.md",
                              c->path, it->e.line, it->e.key, it->e.section);
    }
    return MM_OK;
}
