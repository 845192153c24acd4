/*
 * err.c -- status codes and the first-failure-wins error record.
 */
#include "util.h"

#include <stdio.h>
#include <string.h>

const char *mm_strerror(mm_rc rc) {
    switch (rc) {
    case MM_OK: return "ok";
    case MM_ENOMEM: return "out of memory";
    case MM_EIO: return "input/output error";
    case MM_ENET: return "network error";
    case MM_EPARSE: return "malformed input";
    case MM_ECHARSET: return "undecodable text";
    case MM_EMODEL: return "bad model file";
    case MM_EDB: return "database error";
    case MM_ELIMIT: return "limit exceeded";
    case MM_EINVAL: return "invalid argument";
    case MM_EBUSY: return "database busy: another run holds the lock";
    case MM_ENOTFOUND: return "not found";
    case MM_EINTR: return "interrupted";
    case MM_EHTTP: return "HTTP error";
    }
    return "unknown error";
}

mm_rc mm_err_setv(struct mm_err *err, mm_rc code, const char *fmt, va_list ap) {
    if (err == NULL || err->code != MM_OK)
        return code;
    err->code = code;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    /* Messages are one line: a newline from interpolated input would break logs. */
    for (char *p = err->msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return code;
}

mm_rc mm_err_set(struct mm_err *err, mm_rc code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    mm_err_setv(err, code, fmt, ap);
    va_end(ap);
    return code;
}

void mm_err_clear(struct mm_err *err) {
    if (err == NULL)
        return;
    err->code = MM_OK;
    err->msg[0] = '\0';
}
