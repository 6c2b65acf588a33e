/* json.c — strict recursive-descent JSON parser (see json.h). */
#include "json.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parser state. */
typedef struct jp {
    const char *s;  /* Text. */
    size_t len;     /* Its length. */
    size_t pos;     /* Next byte. */
    char *err;      /* Message buffer. */
    size_t errlen;  /* Its size. */
    int failed;     /* An error was recorded. */
} jp_t;

static void s_fail(jp_t *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void s_fail(jp_t *p, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (p->failed)
        return;
    p->failed = 1;
    if (p->err == NULL || p->errlen == 0)
        return;
    n = snprintf(p->err, p->errlen, "column %zu: ", p->pos + 1);
    if (n < 0 || (size_t)n >= p->errlen)
        return;
    va_start(ap, fmt);
    vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

static void s_ws(jp_t *p)
{
    while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t'
                               || p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
        p->pos++;
}

static json_t *s_new(jp_t *p, json_type_t t)
{
    json_t *v = calloc(1, sizeof *v);

    if (v == NULL)
        s_fail(p, "out of memory");
    else
        v->type = t;
    return v;
}

void json_destroy(json_t **pp)
{
    json_t *v;

    if (pp == NULL || *pp == NULL)
        return;
    v = *pp;
    for (size_t i = 0; i < v->n; i++) {
        json_destroy(&v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
    free(v);
    *pp = NULL;
}

/* Growable byte buffer for decoded strings. */
typedef struct sbuf {
    char *b;
    size_t n, cap;
} sbuf_t;

static int s_put(sbuf_t *sb, const char *bytes, size_t n)
{
    if (sb->n + n + 1 > sb->cap) {
        size_t cap = sb->cap ? sb->cap * 2 : 32;
        char *nb;
        while (cap < sb->n + n + 1)
            cap *= 2;
        nb = realloc(sb->b, cap);
        if (nb == NULL)
            return -1;
        sb->b = nb;
        sb->cap = cap;
    }
    memcpy(sb->b + sb->n, bytes, n);
    sb->n += n;
    sb->b[sb->n] = '\0';
    return 0;
}

static int s_hex4(jp_t *p, unsigned *out)
{
    unsigned v = 0;

    if (p->pos + 4 > p->len) {
        s_fail(p, "truncated \\u escape");
        return -1;
    }
    for (int i = 0; i < 4; i++) {
        char c = p->s[p->pos++];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else {
            p->pos--;
            s_fail(p, "bad hex digit in \\u escape");
            return -1;
        }
    }
    *out = v;
    return 0;
}

/* Append code point `cp` as UTF-8. */
static int s_utf8(sbuf_t *sb, unsigned cp)
{
    char b[4];
    size_t n;

    if (cp < 0x80) {
        b[0] = (char)cp; n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6)); b[1] = (char)(0x80 | (cp & 0x3F)); n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12)); b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18)); b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); b[3] = (char)(0x80 | (cp & 0x3F)); n = 4;
    }
    return s_put(sb, b, n);
}

/* Parse a string at p->pos (which is '"'). On success *out is malloc'd. */
static int s_string(jp_t *p, char **out, size_t *outlen)
{
    sbuf_t sb = { NULL, 0, 0 };

    p->pos++;  /* Opening quote. */
    if (s_put(&sb, "", 0) != 0)
        goto oom;
    for (;;) {
        unsigned char c;
        size_t start = p->pos;

        while (p->pos < p->len && p->s[p->pos] != '"' && p->s[p->pos] != '\\'
               && (unsigned char)p->s[p->pos] >= 0x20)
            p->pos++;
        if (s_put(&sb, p->s + start, p->pos - start) != 0)
            goto oom;
        if (p->pos >= p->len) {
            s_fail(p, "unterminated string");
            goto err;
        }
        c = (unsigned char)p->s[p->pos];
        if (c == '"') {
            p->pos++;
            break;
        }
        if (c < 0x20) {
            s_fail(p, "control character 0x%02x in a string (escape it)", c);
            goto err;
        }
        /* A backslash escape. */
        p->pos++;
        if (p->pos >= p->len) {
            s_fail(p, "unterminated escape");
            goto err;
        }
        c = (unsigned char)p->s[p->pos++];
        switch (c) {
        case '"':  if (s_put(&sb, "\"", 1)) goto oom; break;
        case '\\': if (s_put(&sb, "\\", 1)) goto oom; break;
        case '/':  if (s_put(&sb, "/", 1)) goto oom; break;
        case 'b':  if (s_put(&sb, "\b", 1)) goto oom; break;
        case 'f':  if (s_put(&sb, "\f", 1)) goto oom; break;
        case 'n':  if (s_put(&sb, "\n", 1)) goto oom; break;
        case 'r':  if (s_put(&sb, "\r", 1)) goto oom; break;
        case 't':  if (s_put(&sb, "\t", 1)) goto oom; break;
        case 'u': {
            unsigned cp, lo;
            if (s_hex4(p, &cp) != 0)
                goto err;
            if (cp >= 0xDC00 && cp <= 0xDFFF) {
                s_fail(p, "lone low surrogate \\u%04X", cp);
                goto err;
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (p->pos + 2 > p->len || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u') {
                    s_fail(p, "high surrogate \\u%04X without its low half", cp);
                    goto err;
                }
                p->pos += 2;
                if (s_hex4(p, &lo) != 0)
                    goto err;
                if (lo < 0xDC00 || lo > 0xDFFF) {
                    s_fail(p, "high surrogate \\u%04X followed by \\u%04X", cp, lo);
                    goto err;
                }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            if (s_utf8(&sb, cp) != 0)
                goto oom;
            break;
        }
        default:
            p->pos--;
            s_fail(p, "bad escape '\\%c'", c);
            goto err;
        }
    }
    *out = sb.b;
    *outlen = sb.n;
    return 0;
oom:
    s_fail(p, "out of memory");
err:
    free(sb.b);
    return -1;
}

static int s_digit(jp_t *p)
{
    return p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9';
}

static json_t *s_number(jp_t *p)
{
    size_t start = p->pos;
    char buf[64];
    json_t *v;

    if (p->s[p->pos] == '-')
        p->pos++;
    if (!s_digit(p)) {
        s_fail(p, "expected a digit");
        return NULL;
    }
    if (p->s[p->pos] == '0') {
        p->pos++;
        if (s_digit(p)) {
            s_fail(p, "leading zero in a number");
            return NULL;
        }
    } else {
        while (s_digit(p))
            p->pos++;
    }
    if (p->pos < p->len && p->s[p->pos] == '.') {
        p->pos++;
        if (!s_digit(p)) {
            s_fail(p, "expected a digit after '.'");
            return NULL;
        }
        while (s_digit(p))
            p->pos++;
    }
    if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
        p->pos++;
        if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
            p->pos++;
        if (!s_digit(p)) {
            s_fail(p, "expected a digit in the exponent");
            return NULL;
        }
        while (s_digit(p))
            p->pos++;
    }
    if (p->pos - start >= sizeof buf) {
        p->pos = start;
        s_fail(p, "number too long");
        return NULL;
    }
    memcpy(buf, p->s + start, p->pos - start);
    buf[p->pos - start] = '\0';
    v = s_new(p, JSON_NUMBER);
    if (v == NULL)
        return NULL;
    v->num = strtod(buf, NULL);
    if (!isfinite(v->num)) {
        p->pos = start;
        s_fail(p, "number out of range");
        json_destroy(&v);
    }
    return v;
}

static int s_literal(jp_t *p, const char *word)
{
    size_t n = strlen(word);

    if (p->pos + n > p->len || memcmp(p->s + p->pos, word, n) != 0)
        return 0;
    p->pos += n;
    return 1;
}

static json_t *s_value(jp_t *p, int depth);

/* Append `v` (and `key`, for objects) to container `c`. */
static int s_append(jp_t *p, json_t *c, json_t *v, char *key, size_t *cap)
{
    if (c->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 4;
        json_t **ni = realloc(c->items, ncap * sizeof *ni);
        if (ni == NULL)
            goto oom;
        c->items = ni;
        if (c->type == JSON_OBJECT) {
            char **nk = realloc(c->keys, ncap * sizeof *nk);
            if (nk == NULL)
                goto oom;
            c->keys = nk;
        }
        *cap = ncap;
    }
    c->items[c->n] = v;
    if (c->type == JSON_OBJECT)
        c->keys[c->n] = key;
    c->n++;
    return 0;
oom:
    s_fail(p, "out of memory");
    return -1;
}

static json_t *s_container(jp_t *p, int depth, int object)
{
    json_t *c = s_new(p, object ? JSON_OBJECT : JSON_ARRAY);
    size_t cap = 0;
    char close = object ? '}' : ']';

    if (c == NULL)
        return NULL;
    p->pos++;
    s_ws(p);
    if (p->pos < p->len && p->s[p->pos] == close) {
        p->pos++;
        return c;
    }
    for (;;) {
        char *key = NULL;
        size_t klen;
        json_t *v;

        s_ws(p);
        if (object) {
            if (p->pos >= p->len || p->s[p->pos] != '"') {
                s_fail(p, "expected a member name in double quotes");
                goto err;
            }
            if (s_string(p, &key, &klen) != 0)
                goto err;
            if (strlen(key) != klen || json_member(c, key) != NULL) {
                s_fail(p, "duplicate or invalid member name \"%s\"", key);
                free(key);
                goto err;
            }
            s_ws(p);
            if (p->pos >= p->len || p->s[p->pos] != ':') {
                s_fail(p, "expected ':'");
                free(key);
                goto err;
            }
            p->pos++;
        }
        v = s_value(p, depth + 1);
        if (v == NULL || s_append(p, c, v, key, &cap) != 0) {
            json_destroy(&v);
            free(key);
            goto err;
        }
        s_ws(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == close) {
            p->pos++;
            return c;
        }
        s_fail(p, "expected ',' or '%c'", close);
        goto err;
    }
err:
    json_destroy(&c);
    return NULL;
}

static json_t *s_value(jp_t *p, int depth)
{
    json_t *v;

    if (depth > JSON_MAX_DEPTH) {
        s_fail(p, "nested deeper than %d", JSON_MAX_DEPTH);
        return NULL;
    }
    s_ws(p);
    if (p->pos >= p->len) {
        s_fail(p, "expected a value");
        return NULL;
    }
    switch (p->s[p->pos]) {
    case '{': return s_container(p, depth, 1);
    case '[': return s_container(p, depth, 0);
    case '"':
        v = s_new(p, JSON_STRING);
        if (v != NULL && s_string(p, &v->str, &v->len) != 0)
            json_destroy(&v);
        return v;
    case 't':
    case 'f':
    case 'n':
        if (s_literal(p, "true") || s_literal(p, "false")) {
            v = s_new(p, JSON_BOOL);
            if (v != NULL)
                v->b = p->s[p->pos - 1] == 'e' && p->s[p->pos - 2] == 'u';
            return v;
        }
        if (s_literal(p, "null"))
            return s_new(p, JSON_NULL);
        s_fail(p, "unknown literal");
        return NULL;
    default:
        if (p->s[p->pos] == '-' || (p->s[p->pos] >= '0' && p->s[p->pos] <= '9'))
            return s_number(p);
        s_fail(p, "unexpected character '%c'", p->s[p->pos]);
        return NULL;
    }
}

int json_parse(json_t **out, const char *text, size_t len, char *err, size_t errlen)
{
    jp_t p = { text, len, 0, err, errlen, 0 };
    json_t *v;

    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    v = s_value(&p, 1);
    if (v != NULL) {
        s_ws(&p);
        if (p.pos != p.len) {
            s_fail(&p, "unexpected text after the value");
            json_destroy(&v);
        }
    }
    if (v == NULL)
        return -1;
    *out = v;
    return 0;
}

const json_t *json_member(const json_t *obj, const char *key)
{
    if (obj == NULL || obj->type != JSON_OBJECT)
        return NULL;
    for (size_t i = 0; i < obj->n; i++)
        if (obj->keys[i] != NULL && strcmp(obj->keys[i], key) == 0)
            return obj->items[i];
    return NULL;
}

const char *json_type_name(json_type_t t)
{
    switch (t) {
    case JSON_NULL:   return "null";
    case JSON_BOOL:   return "boolean";
    case JSON_NUMBER: return "number";
    case JSON_STRING: return "string";
    case JSON_ARRAY:  return "array";
    case JSON_OBJECT: return "object";
    }
    return "?";
}
