/*
 * log.c - see log.h. One line per call, written with a single fprintf so
 * lines from different threads do not interleave mid-line.
 */
#define _POSIX_C_SOURCE 200809L
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

bole_log_level_t bole_log_threshold = BOLE_LOG_INFO;

static const char *s_level_names[] = {"debug", "info", "warn", "error"};

int bole_log_parse_level(const char *text, bole_log_level_t *level)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(text, s_level_names[i]) == 0) {
            *level = (bole_log_level_t)i;
            return 0;
        }
    }
    return -1;
}

void bole_log_write(bole_log_level_t level, const char *fmt, ...)
{
    char message[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);

    struct timeval now;
    gettimeofday(&now, NULL);
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    fprintf(stderr, "%s.%03dZ %-5s %s\n", stamp, (int)(now.tv_usec / 1000),
            s_level_names[level], message);
}
