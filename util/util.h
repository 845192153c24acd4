/*
 * util.h -- what every malmoi stage shares: the status code, the error
 * record, growable byte buffers with a hard cap, whole-file reading,
 * UTF-8 checks and content hashing.
 *
 * Ownership rule for the whole project: inputs are borrowed; a callee that
 * keeps one makes its own copy. A returned `char *` belongs to the caller
 * (free() it); a returned `const char *` is borrowed.
 */
#ifndef MALMOI_UTIL_H
#define MALMOI_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define MM_VERSION "0.1.0"

/* One status enum for the whole project. Numbers are stable: they are
 * stored in the database and appear in logs, so a code is never renumbered
 * or reused. */
typedef enum mm_rc {
    MM_OK = 0,
    MM_ENOMEM = 1,     /* out of memory */
    MM_EIO = 2,        /* file or device read/write failed (disk full too) */
    MM_ENET = 3,       /* network error, timeout, refused connection */
    MM_EPARSE = 4,     /* malformed input: HTML, JSON, robots.txt, line format */
    MM_ECHARSET = 5,   /* text could not be decoded */
    MM_EMODEL = 6,     /* model file missing, truncated or of the wrong kind */
    MM_EDB = 7,        /* SQLite error */
    MM_ELIMIT = 8,     /* an input exceeded a configured hard limit */
    MM_EINVAL = 9,     /* bad argument or configuration value */
    MM_EBUSY = 10,     /* another run holds the database lock */
    MM_ENOTFOUND = 11, /* a file, row or key does not exist */
    MM_EINTR = 12,     /* stopped by a signal (SIGINT/SIGTERM) */
    MM_EHTTP = 13,     /* HTTP-level failure (status, protocol) */
} mm_rc;

/* Human text for a status code; never NULL. */
const char *mm_strerror(mm_rc rc);

/* An error record owned by the caller: a code plus a one-line message that
 * names the input and says what to do. The first failure wins: once code is
 * non-zero, later mm_err_set() calls leave it unchanged, so cleanup errors
 * cannot overwrite the root cause. */
#define MM_ERR_MSG_MAX 512
struct mm_err {
    mm_rc code;              /* MM_OK while nothing failed */
    char msg[MM_ERR_MSG_MAX]; /* NUL-terminated, no newline */
};

/* Record a failure in `err` (NULL allowed: then only the code is returned).
 * Returns `code`, so callers can write `return mm_err_set(err, MM_EIO, ...)`. */
mm_rc mm_err_set(struct mm_err *err, mm_rc code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
mm_rc mm_err_setv(struct mm_err *err, mm_rc code, const char *fmt, va_list ap);
/* Reset `err` to MM_OK with an empty message. NULL allowed. */
void mm_err_clear(struct mm_err *err);

/* A growable byte buffer with a hard maximum (max == 0 means SIZE_MAX).
 * `data` is always NUL-terminated when non-NULL, so text can be used as a C
 * string. An append that would pass `max` fails with MM_ELIMIT and leaves the
 * buffer as it was. */
struct mm_buf {
    char *data;  /* owned; NULL until the first append */
    size_t len;  /* bytes in use, not counting the terminating NUL */
    size_t cap;  /* bytes allocated */
    size_t max;  /* hard cap on len */
};

void mm_buf_init(struct mm_buf *b, size_t max);
mm_rc mm_buf_reserve(struct mm_buf *b, size_t extra);
mm_rc mm_buf_append(struct mm_buf *b, const void *p, size_t n);
mm_rc mm_buf_puts(struct mm_buf *b, const char *s);
mm_rc mm_buf_putc(struct mm_buf *b, char c);
mm_rc mm_buf_printf(struct mm_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
mm_rc mm_buf_vprintf(struct mm_buf *b, const char *fmt, va_list ap);
/* Append `s` as a JSON string literal, quotes included (valid UTF-8 in). */
mm_rc mm_buf_json_string(struct mm_buf *b, const char *s, size_t n);
/* Append `s` as HTML text (also safe inside a quoted attribute): & < > " '
 * become entities; bytes that are not valid UTF-8 and control characters
 * other than tab and newline become U+FFFD, so text from the web can never
 * open an element or end an attribute. */
mm_rc mm_buf_html(struct mm_buf *b, const char *s, size_t n);
/* Empty the buffer, keeping its memory. */
void mm_buf_reset(struct mm_buf *b);
/* Hand the data to the caller (free() it; never NULL on success: an empty
 * buffer gives ""), leaving `b` empty. Returns NULL on out of memory. */
char *mm_buf_steal(struct mm_buf *b);
void mm_buf_free(struct mm_buf *b);

/* Read a whole file (or standard input when path is "-") into `out`, which
 * must be initialised; fails with MM_ELIMIT past `max` bytes (0 = no cap). */
mm_rc mm_read_file(const char *path, size_t max, struct mm_buf *out, struct mm_err *err);

/* The longest line malmoi reads from a text input, its newline included:
 * 16 MiB, the same for `import` (a JSON Lines document or a BERT-text
 * sentence), `sentences` (a paragraph) and `tokenize`. It is checked while
 * reading, so an endless line fails at the cap instead of filling memory:
 * reading holds at most twice the cap, and the sentence splitter needs
 * about 21 bytes per character of the paragraph on top (at most ~370 MB
 * for a line of ASCII at the cap, 7 bytes per byte of Korean). */
#define MM_LINE_MAX ((size_t)16 << 20)

/* Read one line, up to and including its '\n', into `line` (emptied first;
 * its own max is ignored): MM_OK with line->len > 0, or with line->len == 0
 * at the end of the input; MM_ELIMIT once the line passes MM_LINE_MAX
 * bytes (nothing more is read); MM_ENOMEM; MM_EIO on a read error (errno
 * kept). The line may contain NUL bytes: use line->len. */
mm_rc mm_read_line(FILE *f, struct mm_buf *line);

/* Write `n` bytes to `path` atomically: a temporary file in the same folder
 * (mode 0644), fsync, rename. A crash leaves either the old file or the new one. */
mm_rc mm_write_file_atomic(const char *path, const void *p, size_t n, struct mm_err *err);

/* Length of the valid UTF-8 sequence at s[0..n) (1..4), or 0 when the bytes
 * there are not valid UTF-8 (overlong forms, surrogates and >U+10FFFF are
 * invalid). Sets *cp to the code point when valid and cp != NULL. */
int mm_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);
/* Encode `cp` into out[0..4); returns the byte count (1..4). */
int mm_utf8_encode(uint32_t cp, char out[4]);
/* 1 when s[0..n) is entirely valid UTF-8; else 0 and *bad_offset (if not
 * NULL) is the byte offset of the first invalid sequence. Messages give
 * that offset as is, counted from 0 ("invalid UTF-8 at byte offset 10 of
 * the line": ten valid bytes come before it), everywhere. */
int mm_utf8_valid(const char *s, size_t n, size_t *bad_offset);

/* SHA-256 of p[0..n) as 64 lowercase hex digits plus NUL. */
void mm_sha256_hex(const void *p, size_t n, char out[65]);
/* XXH3-128 of p[0..n) as 32 lowercase hex digits plus NUL: a fast change
 * check (not collision-resistant against an adversary, unlike SHA-256). */
void mm_hash128_hex(const void *p, size_t n, char out[33]);
/* A fast 64-bit hash (XXH3) for in-memory tables and shingles. */
uint64_t mm_hash64(const void *p, size_t n, uint64_t seed);

/* A table from strings to indexes, for lookups by name (configuration
 * sections, site hosts) in constant time instead of a scan. Keys are
 * borrowed: they must outlive the table. */
struct mm_strmap;
mm_rc mm_strmap_new(struct mm_strmap **out);
void mm_strmap_free(struct mm_strmap *m); /* NULL allowed */
/* Map key[0..len) to value; a key already present keeps its first value. */
mm_rc mm_strmap_add(struct mm_strmap *m, const char *key, size_t len, size_t value);
/* The value of key[0..len), or SIZE_MAX. */
size_t mm_strmap_get(const struct mm_strmap *m, const char *key, size_t len);
/* The smallest value among `host` and its parent domains ("a.b.kr",
 * "b.kr", "kr"), or SIZE_MAX: with sites numbered in file order, the first
 * site whose host is `host` or a domain above it. */
size_t mm_strmap_get_domain(const struct mm_strmap *m, const char *host);

/* Wall-clock and monotonic time. */
double mm_now_monotonic(void);    /* seconds, for durations */
int64_t mm_now_unix_ms(void);      /* milliseconds since the epoch */
/* Format a Unix time (seconds) as ISO 8601 UTC: "2024-01-02T03:04:05Z". */
void mm_format_utc(int64_t unix_s, char out[32]);

/* ---- Configuration (conf.c): an INI file (our own small reader) ----------------
 * Sections are "[crawler]" or "[site yonhap]" (a kind and a name). A key may
 * repeat (seed = ... on several lines); values keep their order. Every entry
 * remembers its line, so each stage reports "FILE:LINE: key 'k': ..." and,
 * once all stages have read their keys, mm_conf_check_unused() reports the
 * first key nobody asked for (a typo). */
struct mm_conf;
struct mm_conf_entry {
    const char *section; /* full section text: "site yonhap", "" before any */
    const char *key;
    const char *value;
    int line;
};
/* Load `path`; a syntax error names the file and line. */
mm_rc mm_conf_load(const char *path, struct mm_conf **out, struct mm_err *err);
/* Parse INI text held in memory; `name` is used in messages. */
mm_rc mm_conf_parse(const char *name, const char *text, struct mm_conf **out, struct mm_err *err);
void mm_conf_free(struct mm_conf *c);
const char *mm_conf_path(const struct mm_conf *c);
/* Sections in file order, each once: i from 0 while non-NULL. */
const char *mm_conf_section(const struct mm_conf *c, size_t i);
/* The value of a one-value key section/key, or NULL; marks the key used.
 * The typed getters below fail on a key given twice ("FILE:LINE: key 'k'
 * in [s] is given again (first at line N)"); for mm_conf_get,
 * mm_conf_check_unused reports it. */
const char *mm_conf_get(struct mm_conf *c, const char *section, const char *key);
/* The same as its entry (with its line), failing at once on a key given
 * twice in one section block. A later block of the same name overrides an
 * earlier one's values. */
mm_rc mm_conf_get_one(struct mm_conf *c, const char *section, const char *key, const struct mm_conf_entry **out,
                      struct mm_err *err);
/* All entries of section/key in order: call with i = 0, 1, ... until NULL;
 * marks them used. */
const struct mm_conf_entry *mm_conf_get_nth(struct mm_conf *c, const char *section,
                                            const char *key, size_t i);
/* Typed getters: leave *out unchanged when the key is absent; a value that
 * does not parse or is out of range is an MM_EINVAL naming file:line:key. */
mm_rc mm_conf_get_long(struct mm_conf *c, const char *section, const char *key,
                       long min, long max, long *out, struct mm_err *err);
mm_rc mm_conf_get_double(struct mm_conf *c, const char *section, const char *key,
                         double min, double max, double *out, struct mm_err *err);
mm_rc mm_conf_get_bool(struct mm_conf *c, const char *section, const char *key,
                       int *out, struct mm_err *err);
/* Fail with "FILE:LINE: unknown key 'k' in [section]" for the first entry no
 * getter asked for, or for a one-value key read with mm_conf_get that was
 * given twice. */
mm_rc mm_conf_check_unused(const struct mm_conf *c, struct mm_err *err);

#endif
