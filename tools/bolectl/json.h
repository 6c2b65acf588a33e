/* json.h — a small strict JSON (RFC 8259) parser for bolectl's JSON-lines
 * import.
 *
 * It builds a tree of json_t values: objects, arrays, strings (escapes
 * decoded, \uXXXX and surrogate pairs turned into UTF-8), numbers (as
 * double), true/false and null. Strict means: no comments, no trailing
 * commas, no leading zeros, no control characters in strings, no lone
 * surrogates, nothing after the value but whitespace, nesting at most
 * JSON_MAX_DEPTH. Stands alone: no bolectl or daemon header.
 */
#ifndef BOLECTL_JSON_H
#define BOLECTL_JSON_H

#include <stddef.h>

#define JSON_MAX_DEPTH 64  /* Deepest nesting accepted. */

typedef enum json_type {
    JSON_NULL,    /* null */
    JSON_BOOL,    /* true / false: `b` */
    JSON_NUMBER,  /* `num` */
    JSON_STRING,  /* `str` (NUL-terminated; `len` bytes, may hold NULs from \u0000) */
    JSON_ARRAY,   /* `n` values in `items` */
    JSON_OBJECT,  /* `n` members: `keys[i]` -> `items[i]` (order kept, duplicates refused) */
} json_type_t;

typedef struct json json_t;
struct json {
    json_type_t type;  /* Which kind of value. */
    int b;             /* JSON_BOOL. */
    double num;        /* JSON_NUMBER. */
    char *str;         /* JSON_STRING. Owned. */
    size_t len;        /* JSON_STRING length in bytes. */
    size_t n;          /* JSON_ARRAY / JSON_OBJECT: number of items. */
    json_t **items;    /* Items or member values. Owned. */
    char **keys;       /* JSON_OBJECT member names. Owned. */
};

/* Parse `len` bytes of `text` as one JSON value. On success *out (OUT) is
 * the tree, owned by the caller (json_destroy()), and 0 is returned. On
 * failure *out is NULL, nothing stays allocated, `err` holds a message with
 * the byte column ("column 17: expected ':'") and -1 is returned. */
int json_parse(json_t **out, const char *text, size_t len, char *err, size_t errlen);

/* Free a tree and set *p to NULL. Accepts NULL and *p == NULL. */
void json_destroy(json_t **p);

/* The member `key` of object `obj`, or NULL (also when obj is not an object). */
const json_t *json_member(const json_t *obj, const char *key);

/* Name of a type for messages ("string", "object", ...). */
const char *json_type_name(json_type_t t);

#endif /* BOLECTL_JSON_H */
