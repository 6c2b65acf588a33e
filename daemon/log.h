/*
 * log.h - levelled, timestamped logging to stderr.
 *
 * The level is checked before formatting so disabled debug lines cost a
 * compare. Library-like modules (store, index, model) never log: they return
 * errors and let the daemon decide what to say.
 */
#ifndef BOLE_LOG_H
#define BOLE_LOG_H

typedef enum {
    BOLE_LOG_DEBUG = 0,
    BOLE_LOG_INFO  = 1,
    BOLE_LOG_WARN  = 2,
    BOLE_LOG_ERROR = 3
} bole_log_level_t;

extern bole_log_level_t bole_log_threshold;

/* Parses "debug", "info", "warn" or "error". Returns 0, or -1 if unknown. */
int bole_log_parse_level(const char *text, bole_log_level_t *level /* OUT */);

void bole_log_write(bole_log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define bole_log(level, ...)                                  \
    do {                                                      \
        if ((level) >= bole_log_threshold)                    \
            bole_log_write((level), __VA_ARGS__);             \
    } while (0)

#define log_debug(...) bole_log(BOLE_LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  bole_log(BOLE_LOG_INFO, __VA_ARGS__)
#define log_warn(...)  bole_log(BOLE_LOG_WARN, __VA_ARGS__)
#define log_error(...) bole_log(BOLE_LOG_ERROR, __VA_ARGS__)

#endif
