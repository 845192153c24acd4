/*
 * pipeline_int.h -- what pipeline/'s files share and nobody else needs.
 */
#ifndef MALMOI_PIPELINE_INT_H
#define MALMOI_PIPELINE_INT_H

#include "pipeline.h"

/* A log line (progress 0) or the status line (progress 1) through `log`
 * (may be NULL). */
void pipeline_say(const struct pipeline_log *log, int progress, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* End the status line (`log` may be NULL). */
void pipeline_progress_done(const struct pipeline_log *log);

#endif
