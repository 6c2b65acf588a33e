/*
 * weights.c - see weights.h. A line-oriented parser over a private copy of
 * the text; each key is looked up in one table (name, kind, bounds, field),
 * the same shape as config.c's option table.
 */
#define _POSIX_C_SOURCE 200809L
#include "weights_int.h"
#include "rank.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define W_MAX_FILE (1u << 20)  /* A weights file is tiny; refuse anything huge. */
#define W_MAX_LINE 1024        /* Longest accepted line. */

typedef enum { K_VERSION, K_WEIGHT, K_FLOAT, K_UINT, K_POLICY } w_kind_t;

typedef struct {
    const char *name;   /* Key; weights are "weight.<feature>". */
    w_kind_t kind;
    int feature;        /* K_WEIGHT: feature index. */
    size_t offset;      /* K_FLOAT / K_UINT / K_POLICY: field. */
    double min, max;    /* Bounds for numbers (inclusive). */
    int required;       /* 1: the file must set it. */
} w_key_t;

#define W_WEIGHT(f) {NULL, K_WEIGHT, f, 0, 0.0, 1e6, 1}
#define W_FIELD(n, k, field, lo, hi) \
    {n, k, -1, offsetof(struct bole_weights, field), lo, hi, 0}

/* Weight keys get their names from bole_rank_feature_name at lookup time. */
static const w_key_t s_keys[] = {
    {"version", K_VERSION, -1, 0, 0, 0, 1},
    W_WEIGHT(0), W_WEIGHT(1), W_WEIGHT(2), W_WEIGHT(3), W_WEIGHT(4),
    W_WEIGHT(5), W_WEIGHT(6), W_WEIGHT(7), W_WEIGHT(8), W_WEIGHT(9),
    W_FIELD("freshness_half_life_days", K_FLOAT, half_life_days, 0.001, 36500.0),
    W_FIELD("missing_must_have_policy", K_POLICY, missing_must, 0, 0),
    W_FIELD("min_score", K_FLOAT, min_score, 0.0, 1e6),
    W_FIELD("per_talent_daily_pushes", K_UINT, per_talent_daily_pushes, 0, 1e6),
    W_FIELD("per_need_daily_pushes", K_UINT, per_need_daily_pushes, 0, 1e6),
    W_FIELD("announce_delta", K_FLOAT, announce_delta, 0.0, 1e6),
};
#define W_N_KEYS (sizeof s_keys / sizeof s_keys[0])

_Static_assert(BOLE_RANK_N_FEATURES == 10, "s_keys lists one W_WEIGHT per feature");

/* Defaults of the optional parameters (docs/RANKING.md). */
static void s_defaults(bole_weights_t *w)
{
    memset(w, 0, sizeof *w);
    w->half_life_days = 30.0f;
    w->missing_must = BOLE_MISSING_MUST_PENALIZE;
    w->min_score = 0.6f;
    w->per_talent_daily_pushes = 5;
    w->per_need_daily_pushes = 20;
    w->announce_delta = 0.05f;
}

static void s_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void s_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static int s_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Trim spaces at both ends of [*s, *e). */
static void s_trim(const char **s, const char **e)
{
    while (*s < *e && s_is_space(**s))
        (*s)++;
    while (*e > *s && s_is_space((*e)[-1]))
        (*e)--;
}

/* Index in s_keys of the key [k, k+klen), or -1. */
static int s_find_key(const char *k, size_t klen)
{
    for (size_t i = 0; i < W_N_KEYS; i++) {
        const char *name = s_keys[i].name;
        if (s_keys[i].kind == K_WEIGHT) {
            static const char prefix[] = "weight.";
            size_t plen = sizeof prefix - 1;
            const char *f = bole_rank_feature_name(s_keys[i].feature);
            if (klen == plen + strlen(f) && memcmp(k, prefix, plen) == 0
                && memcmp(k + plen, f, klen - plen) == 0)
                return (int)i;
            continue;
        }
        if (strlen(name) == klen && memcmp(k, name, klen) == 0)
            return (int)i;
    }
    return -1;
}

/* Parse the number in v (NUL-terminated) into *out. 0 ok, -1 not a number. */
static int s_number(const char *v, double *out)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (end == v || *end != '\0')
        return -1;
    *out = d;
    return 0;
}

/* Apply one `key = value` line. Returns 0, or -1 with err set. */
static int s_apply(bole_weights_t *w, const w_key_t *key, const char *v,
                   const char *name, int line, char *err, size_t errlen)
{
    char *base = (char *)w;
    double d;

    switch (key->kind) {
    case K_VERSION: {
        size_t n = strlen(v);
        if (n == 0 || n >= sizeof w->version) {
            s_err(err, errlen, "%s:%d: version must be 1-%zu characters", name, line,
                  sizeof w->version - 1);
            return -1;
        }
        for (size_t i = 0; i < n; i++) {
            char c = v[i];
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                  || c == '.' || c == '-' || c == '_' || c == '+')) {
                s_err(err, errlen, "%s:%d: version may hold only letters, digits and . - _ +",
                      name, line);
                return -1;
            }
        }
        memcpy(w->version, v, n + 1);
        return 0;
    }
    case K_POLICY:
        if (strcmp(v, "penalize") == 0)
            w->missing_must = BOLE_MISSING_MUST_PENALIZE;
        else if (strcmp(v, "exclude") == 0)
            w->missing_must = BOLE_MISSING_MUST_EXCLUDE;
        else {
            s_err(err, errlen, "%s:%d: missing_must_have_policy must be penalize or exclude,"
                  " not '%s'", name, line, v);
            return -1;
        }
        return 0;
    case K_WEIGHT:
    case K_FLOAT:
    case K_UINT:
        break;
    }

    if (s_number(v, &d) != 0) {
        s_err(err, errlen, "%s:%d: %s: '%s' is not a number", name, line,
              key->kind == K_WEIGHT ? "weight" : key->name, v);
        return -1;
    }
    if (!isfinite(d)) {
        s_err(err, errlen, "%s:%d: '%s' is not finite", name, line, v);
        return -1;
    }
    if (d < key->min || d > key->max) {
        s_err(err, errlen, "%s:%d: %s %s is out of range [%g, %g]", name, line,
              d < 0 ? "negative value" : "value", v, key->min, key->max);
        return -1;
    }
    switch (key->kind) {
    case K_WEIGHT:
        w->w[key->feature] = (float)d;
        break;
    case K_FLOAT:
        *(float *)(base + key->offset) = (float)d;
        break;
    case K_UINT:
        if (d != floor(d)) {
            s_err(err, errlen, "%s:%d: %s must be a whole number, not '%s'", name, line,
                  key->name, v);
            return -1;
        }
        *(uint32_t *)(base + key->offset) = (uint32_t)d;
        break;
    default:
        break;
    }
    return 0;
}

int bole_weights_parse(bole_weights_t **out, const char *text, size_t len,
                       const char *name, char *err, size_t errlen)
{
    int seen[W_N_KEYS] = {0};   /* Line where each key was set, 0 = not yet. */
    char buf[W_MAX_LINE + 1];
    bole_weights_t *w = NULL;
    const char *p = text, *end = text + len;
    int line = 0;

    if (out == NULL)
        return -1;
    *out = NULL;
    if (name == NULL)
        name = "(weights)";
    if (text == NULL && len > 0) {
        s_err(err, errlen, "%s: no text", name);
        return -1;
    }
    w = malloc(sizeof *w);
    if (w == NULL) {
        s_err(err, errlen, "%s: out of memory", name);
        return -1;
    }
    s_defaults(w);

    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *ls = p, *le = eol ? eol : end;
        p = eol ? eol + 1 : end;
        line++;

        const char *hash = memchr(ls, '#', (size_t)(le - ls));
        if (hash != NULL)
            le = hash;
        s_trim(&ls, &le);
        if (ls == le)
            continue;
        if (memchr(ls, '\0', (size_t)(le - ls)) != NULL) {
            s_err(err, errlen, "%s:%d: NUL byte in line", name, line);
            goto err;
        }
        const char *eq = memchr(ls, '=', (size_t)(le - ls));
        if (eq == NULL) {
            s_err(err, errlen, "%s:%d: expected 'name = value'", name, line);
            goto err;
        }
        const char *ks = ls, *ke = eq, *vs = eq + 1, *ve = le;
        s_trim(&ks, &ke);
        s_trim(&vs, &ve);
        if (ks == ke) {
            s_err(err, errlen, "%s:%d: missing name before '='", name, line);
            goto err;
        }
        if ((size_t)(ke - ks) > 64 || (size_t)(ve - vs) > W_MAX_LINE - 1) {
            s_err(err, errlen, "%s:%d: name or value too long", name, line);
            goto err;
        }
        int k = s_find_key(ks, (size_t)(ke - ks));
        if (k < 0) {
            s_err(err, errlen, "%s:%d: unknown key '%.*s'", name, line, (int)(ke - ks), ks);
            goto err;
        }
        if (seen[k]) {
            s_err(err, errlen, "%s:%d: duplicate key '%.*s' (first set on line %d)", name,
                  line, (int)(ke - ks), ks, seen[k]);
            goto err;
        }
        seen[k] = line;
        if (vs == ve) {
            s_err(err, errlen, "%s:%d: missing value for '%.*s'", name, line,
                  (int)(ke - ks), ks);
            goto err;
        }
        memcpy(buf, vs, (size_t)(ve - vs));
        buf[ve - vs] = '\0';
        if (s_apply(w, &s_keys[k], buf, name, line, err, errlen) != 0)
            goto err;
    }

    for (size_t i = 0; i < W_N_KEYS; i++) {
        if (s_keys[i].required && !seen[i]) {
            if (s_keys[i].kind == K_WEIGHT)
                s_err(err, errlen, "%s:%d: missing key 'weight.%s'", name, line,
                      bole_rank_feature_name(s_keys[i].feature));
            else
                s_err(err, errlen, "%s:%d: missing key '%s'", name, line, s_keys[i].name);
            goto err;
        }
    }
    w->fresh_rate = 1.0 / ((double)w->half_life_days * 86400000.0);
    *out = w;
    return 0;
err:
    free(w);
    return -1;
}

int bole_weights_load(bole_weights_t **out, const char *path, char *err, size_t errlen)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f;
    int rc;

    if (out == NULL)
        return -1;
    *out = NULL;
    if (path == NULL) {
        s_err(err, errlen, "weights: no path");
        return -1;
    }
    f = fopen(path, "rb");
    if (f == NULL) {
        s_err(err, errlen, "%s:0: cannot open: %s", path, strerror(errno));
        return -1;
    }
    text = malloc(W_MAX_FILE + 1);
    if (text == NULL) {
        fclose(f);
        s_err(err, errlen, "%s:0: out of memory", path);
        return -1;
    }
    len = fread(text, 1, W_MAX_FILE + 1, f);
    if (ferror(f)) {
        s_err(err, errlen, "%s:0: read error", path);
        rc = -1;
    } else if (len > W_MAX_FILE) {
        s_err(err, errlen, "%s:0: file larger than %u bytes", path, W_MAX_FILE);
        rc = -1;
    } else {
        rc = bole_weights_parse(out, text, len, path, err, errlen);
    }
    fclose(f);
    free(text);
    return rc;
}

void bole_weights_destroy(bole_weights_t **w)
{
    if (w == NULL || *w == NULL)
        return;
    free(*w);
    *w = NULL;
}

const char *bole_weights_version(const bole_weights_t *w)
{
    return w->version;
}

float bole_weights_feature(const bole_weights_t *w, int i)
{
    return i >= 0 && i < BOLE_RANK_N_FEATURES ? w->w[i] : 0.0f;
}

float bole_weights_freshness_half_life_days(const bole_weights_t *w)
{
    return w->half_life_days;
}

bole_missing_must_policy_t bole_weights_missing_must_policy(const bole_weights_t *w)
{
    return w->missing_must;
}

float bole_weights_min_score(const bole_weights_t *w)
{
    return w->min_score;
}

uint32_t bole_weights_per_talent_daily_pushes(const bole_weights_t *w)
{
    return w->per_talent_daily_pushes;
}

uint32_t bole_weights_per_need_daily_pushes(const bole_weights_t *w)
{
    return w->per_need_daily_pushes;
}

float bole_weights_announce_delta(const bole_weights_t *w)
{
    return w->announce_delta;
}
