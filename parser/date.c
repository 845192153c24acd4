/*
 * date.c -- dates as pages write them, to ISO 8601 with an offset.
 * Handles ISO 8601 / RFC 3339, RFC 822 (feeds, meta tags), compact
 * "20230412150500" (og:regDate on Korean sites) and Korean forms such as
 * "입력 2023.04.12. 오후 3:05" and "2023년 4월 12일 15시 5분". Korea is +09:00.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser_int.h"

static int num(const char **p, int maxd, int *v) {
    int d = 0, x = 0;
    while (d < maxd && isdigit((unsigned char)**p)) x = x * 10 + (*(*p)++ - '0'), d++;
    *v = x;
    return d;
}

static int skip_lit(const char **p, const char *lit) {
    size_t n = strlen(lit);
    if (strncmp(*p, lit, n) == 0) {
        *p += n;
        return 1;
    }
    return 0;
}

static void skip_sp(const char **p) {
    for (;;) {
        if (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r') (*p)++;
        else if (skip_lit(p, "\xC2\xA0")) {
        } else
            break;
    }
}

/* am/pm marker: returns 1 am, 2 pm, 0 none. */
static int ampm(const char **p) {
    skip_sp(p);
    if (skip_lit(p, "오전") || skip_lit(p, "AM") || skip_lit(p, "am") || skip_lit(p, "a.m."))
        return 1;
    if (skip_lit(p, "오후") || skip_lit(p, "PM") || skip_lit(p, "pm") || skip_lit(p, "p.m."))
        return 2;
    return 0;
}

static const char *const MONTHS[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                     "jul", "aug", "sep", "oct", "nov", "dec"};

static int valid(int y, int mo, int d, int h, int mi, int s) {
    return y >= 1990 && y <= 2100 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 &&
           h <= 23 && mi >= 0 && mi <= 59 && s >= 0 && s <= 60;
}

/* Time and zone after the date; fills h/mi/s and the offset text. */
static int parse_time(const char **pp, int *h, int *mi, int *s, char tz[16]) {
    const char *p = *pp;
    int ap = ampm(&p);
    skip_sp(&p);
    if (*p == 'T') p++;
    int got = 0;
    const char *q = p;
    if (num(&q, 2, h) >= 1) {
        if (*q == ':' || skip_lit(&q, "시")) {
            if (*q == ':') q++;
            skip_sp(&q);
            if (num(&q, 2, mi) >= 1) {
                got = 1;
                skip_lit(&q, "분");
                if (*q == ':' && isdigit((unsigned char)q[1])) {
                    q++;
                    num(&q, 2, s);
                    if (*q == '.' || *q == ',') {
                        q++;
                        while (isdigit((unsigned char)*q)) q++;
                    }
                } else {
                    skip_sp(&q);
                    const char *r = q;
                    int sv;
                    if (num(&r, 2, &sv) >= 1 && skip_lit(&r, "초")) *s = sv, q = r;
                }
                p = q;
            }
        }
    }
    if (!got) {
        *h = *mi = *s = 0;
        *pp = p;
        return 0;
    }
    if (!ap) ap = ampm(&p);
    if (ap == 2 && *h < 12) *h += 12;
    if (ap == 1 && *h == 12) *h = 0;
    skip_sp(&p);
    tz[0] = 0;
    if (*p == 'Z') {
        snprintf(tz, 16, "+00:00");
    } else if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1])) {
        char sign = *p++;
        int th = 0, tm = 0;
        const char *r = p;
        if (num(&r, 2, &th) == 2) {
            if (*r == ':') r++;
            num(&r, 2, &tm);
            snprintf(tz, 16, "%c%02d:%02d", sign, th % 24, tm % 60);
        }
    } else if (!strncmp(p, "GMT", 3) || !strncmp(p, "UTC", 3)) {
        snprintf(tz, 16, "+00:00");
    }
    if (!tz[0]) snprintf(tz, 16, "+09:00"); /* KST, also for an explicit "KST" */
    *pp = p;
    return 1;
}

int parse_date_iso(const char *s, char out[32]) {
    if (!s) return 0;
    for (const char *p = s; *p; p++) {
        if (!isdigit((unsigned char)*p) || (p > s && isdigit((unsigned char)p[-1]))) continue;
        const char *q = p;
        int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
        /* compact 20230412[hhmm[ss]] */
        size_t run = 0;
        while (isdigit((unsigned char)q[run])) run++;
        if (run == 8 || run == 12 || run == 14) {
            int v[6] = {0};
            const int w[6] = {4, 2, 2, 2, 2, 2};
            const char *r = q;
            for (int i = 0; i < (int)(run == 8 ? 3 : run == 12 ? 5 : 6); i++) num(&r, w[i], &v[i]);
            if (valid(v[0], v[1], v[2], v[3], v[4], v[5])) {
                if (run == 8) snprintf(out, 32, "%04d-%02d-%02d", v[0], v[1], v[2]);
                else
                    snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d+09:00", v[0], v[1], v[2],
                             v[3], v[4], v[5]);
                return 1;
            }
        }
        if (run == 4) {
            num(&q, 4, &y);
            skip_sp(&q);
            if (!(skip_lit(&q, "년") || *q == '-' || *q == '.' || *q == '/')) continue;
            if (*q == '-' || *q == '.' || *q == '/') q++;
            skip_sp(&q);
            if (num(&q, 2, &mo) < 1) continue;
            skip_sp(&q);
            if (!(skip_lit(&q, "월") || *q == '-' || *q == '.' || *q == '/')) continue;
            if (*q == '-' || *q == '.' || *q == '/') q++;
            skip_sp(&q);
            if (num(&q, 2, &d) < 1) continue;
            if (isdigit((unsigned char)*q)) continue;
            skip_lit(&q, "일");
            if (*q == '.') q++;
            skip_sp(&q);
            if (*q == '(') { /* weekday "(수)" */
                const char *e = strchr(q, ')');
                if (e && e - q < 12) q = e + 1;
            }
            char tz[16] = "";
            const char *t = q;
            int has_time = parse_time(&t, &h, &mi, &sec, tz);
            if (!valid(y, mo, d, h, mi, sec)) continue;
            if (has_time)
                snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d%.6s", y % 10000, mo % 100, d % 100, h % 100,
                         mi % 100, sec % 100, tz);
            else
                snprintf(out, 32, "%04d-%02d-%02d", y, mo, d);
            return 1;
        }
        if (run == 1 || run == 2) { /* RFC 822 day month year */
            num(&q, 2, &d);
            skip_sp(&q);
            int m = -1;
            for (int i = 0; i < 12; i++)
                if (strncasecmp(q, MONTHS[i], 3) == 0) m = i;
            if (m < 0) continue;
            while (isalpha((unsigned char)*q)) q++;
            if (*q == ',') q++;
            skip_sp(&q);
            if (num(&q, 4, &y) != 4) continue;
            char tz[16] = "";
            parse_time(&q, &h, &mi, &sec, tz);
            if (!valid(y, m + 1, d, h, mi, sec)) continue;
            snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d%.6s", y % 10000, (m + 1) % 100, d % 100, h % 100,
                     mi % 100, sec % 100, tz[0] ? tz : "+09:00");
            return 1;
        }
    }
    return 0;
}
