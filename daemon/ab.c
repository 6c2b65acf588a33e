/*
 * ab.c - see ab.h. The parser is strict like weights.c's: a reload with a
 * bad ab.conf is refused and the daemon keeps what it serves.
 */
#define _POSIX_C_SOURCE 200809L
#include "ab.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AB_MAX_FILE 65536
#define AB_MAX_LINE 512

static void s_err(char *err, size_t errlen, const char *name, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void s_err(char *err, size_t errlen, const char *name, int line, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    int n = snprintf(err, errlen, "%s:%d: ", name, line);
    if (n < 0 || (size_t)n >= errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

static char *s_trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

int bole_ab_parse(bole_ab_t *out, const char *text, size_t len, const char *name, char *err,
                  size_t errlen)
{
    memset(out, 0, sizeof *out);
    int have_share = 0, have_salt = 0, lineno = 0;
    size_t pos = 0;
    while (pos < len) {
        lineno++;
        size_t end = pos;
        while (end < len && text[end] != '\n')
            end++;
        if (end - pos >= AB_MAX_LINE) {
            s_err(err, errlen, name, lineno, "line longer than %d bytes", AB_MAX_LINE - 1);
            return -1;
        }
        char buf[AB_MAX_LINE];
        size_t ll = end - pos;
        memcpy(buf, text + pos, ll);
        buf[ll] = '\0';
        pos = end + 1;
        if (strlen(buf) != ll) {
            s_err(err, errlen, name, lineno, "NUL byte in line");
            return -1;
        }
        char *hash = strchr(buf, '#');
        if (hash)
            *hash = '\0';
        char *line = s_trim(buf);
        if (!*line)
            continue;
        char *eq = strchr(line, '=');
        if (!eq) {
            s_err(err, errlen, name, lineno, "expected 'key = value'");
            return -1;
        }
        *eq = '\0';
        char *key = s_trim(line), *val = s_trim(eq + 1);
        if (strcmp(key, "b_share") == 0) {
            if (have_share) {
                s_err(err, errlen, name, lineno, "duplicate key 'b_share'");
                return -1;
            }
            char *e = NULL;
            errno = 0;
            double v = strtod(val, &e);
            if (errno || e == val || *e || !isfinite(v) || v < 0 || v > 1) {
                s_err(err, errlen, name, lineno, "b_share '%s' is not a number in [0, 1]", val);
                return -1;
            }
            out->b_share = v;
            have_share = 1;
        } else if (strcmp(key, "salt") == 0) {
            if (have_salt) {
                s_err(err, errlen, name, lineno, "duplicate key 'salt'");
                return -1;
            }
            size_t n = strlen(val);
            if (n >= BOLE_AB_SALT_MAX || strspn(val, "abcdefghijklmnopqrstuvwxyz"
                                                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                     "0123456789._-") != n) {
                s_err(err, errlen, name, lineno,
                      "salt: at most %d letters, digits, '.', '_' or '-'", BOLE_AB_SALT_MAX - 1);
                return -1;
            }
            memcpy(out->salt, val, n + 1);
            have_salt = 1;
        } else {
            s_err(err, errlen, name, lineno, "unknown key '%s' (b_share, salt)", key);
            return -1;
        }
    }
    if (!have_share) {
        s_err(err, errlen, name, lineno, "b_share is required");
        return -1;
    }
    return 0;
}

int bole_ab_load(bole_ab_t *out, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        s_err(err, errlen, path, 0, "cannot open: %s", strerror(errno));
        return -1;
    }
    char *text = malloc(AB_MAX_FILE + 1);
    if (!text) {
        fclose(f);
        s_err(err, errlen, path, 0, "out of memory");
        return -1;
    }
    size_t n = fread(text, 1, AB_MAX_FILE + 1, f);
    int bad = ferror(f);
    fclose(f);
    int rc = -1;
    if (bad)
        s_err(err, errlen, path, 0, "read error");
    else if (n > AB_MAX_FILE)
        s_err(err, errlen, path, 0, "larger than %d bytes", AB_MAX_FILE);
    else
        rc = bole_ab_parse(out, text, n, path, err, errlen);
    free(text);
    return rc;
}

static uint64_t s_fnv(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

double bole_ab_bucket(const char *salt, const char *key)
{
    uint64_t h = 1469598103934665603ULL;
    if (salt && *salt) {
        h = s_fnv(h, salt);
        h = s_fnv(h, ":");
    }
    h = s_fnv(h, key ? key : "");
    /* FNV-1a's top bits barely depend on the last bytes of short keys
     * ("T001", "T002"...): finish with MurmurHash3's fmix64. */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return (double)(h >> 11) * 0x1.0p-53;
}

int bole_ab_is_b(const bole_ab_t *ab, const char *key)
{
    if (!ab || !key || !*key)
        return 0;
    return bole_ab_bucket(ab->salt, key) < ab->b_share;
}
