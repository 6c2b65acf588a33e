/* pbjson.c — descriptor-driven protobuf-c <-> JSON (see pbjson.h). */
#define _POSIX_C_SOURCE 200809L
#include "pbjson.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Size of one element of a field of type `t`. */
static size_t s_elem_size(const ProtobufCFieldDescriptor *fd)
{
    switch (fd->type) {
    case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32: case PROTOBUF_C_TYPE_ENUM:
        return 4;
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
        return 8;
    case PROTOBUF_C_TYPE_FLOAT:  return sizeof(float);
    case PROTOBUF_C_TYPE_DOUBLE: return sizeof(double);
    case PROTOBUF_C_TYPE_BOOL:   return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING: return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES:  return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE: return sizeof(ProtobufCMessage *);
    }
    return 0;
}

/* ---- JSON -> message --------------------------------------------------- */

/* Set one scalar element at `dst` from JSON `v`. `path` names it. */
static int s_scalar(void *dst, const ProtobufCFieldDescriptor *fd, const json_t *v,
                    const char *path, char *err, size_t errlen)
{
    double d = v->num;

    switch (fd->type) {
    case PROTOBUF_C_TYPE_STRING: {
        char *s;
        if (v->type != JSON_STRING)
            goto type;
        if (strlen(v->str) != v->len) {
            snprintf(err, errlen, "%s: a string must not contain \\u0000", path);
            return -1;
        }
        s = strdup(v->str);
        if (s == NULL) {
            snprintf(err, errlen, "%s: out of memory", path);
            return -1;
        }
        *(char **)dst = s;
        return 0;
    }
    case PROTOBUF_C_TYPE_BOOL:
        if (v->type != JSON_BOOL)
            goto type;
        *(protobuf_c_boolean *)dst = v->b != 0;
        return 0;
    case PROTOBUF_C_TYPE_FLOAT:
        if (v->type != JSON_NUMBER)
            goto type;
        if (fabs(d) > 3.4e38) {
            snprintf(err, errlen, "%s: %g is out of float range", path, d);
            return -1;
        }
        *(float *)dst = (float)d;
        return 0;
    case PROTOBUF_C_TYPE_DOUBLE:
        if (v->type != JSON_NUMBER)
            goto type;
        *(double *)dst = d;
        return 0;
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumDescriptor *ed = fd->descriptor;
        const ProtobufCEnumValue *ev = NULL;
        if (v->type == JSON_STRING)
            ev = protobuf_c_enum_descriptor_get_value_by_name(ed, v->str);
        else if (v->type == JSON_NUMBER && d == floor(d) && fabs(d) < 2147483648.0)
            ev = protobuf_c_enum_descriptor_get_value(ed, (int)d);
        else
            goto type;
        if (ev == NULL) {
            snprintf(err, errlen, "%s: not a %s value", path, ed->name);
            return -1;
        }
        *(int *)dst = ev->value;
        return 0;
    }
    case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
        if (v->type != JSON_NUMBER || d != floor(d) || d < 0 || d > 4294967295.0) {
            snprintf(err, errlen, "%s: expected an integer 0-4294967295", path);
            return -1;
        }
        *(uint32_t *)dst = (uint32_t)d;
        return 0;
    case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32:
        if (v->type != JSON_NUMBER || d != floor(d) || d < -2147483648.0 || d > 2147483647.0) {
            snprintf(err, errlen, "%s: expected a 32-bit integer", path);
            return -1;
        }
        *(int32_t *)dst = (int32_t)d;
        return 0;
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
        if (v->type != JSON_NUMBER || d != floor(d) || fabs(d) > 9007199254740992.0) {
            snprintf(err, errlen, "%s: expected an integer (|n| <= 2^53)", path);
            return -1;
        }
        *(int64_t *)dst = (int64_t)d;
        return 0;
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
        if (v->type != JSON_NUMBER || d != floor(d) || d < 0 || d > 9007199254740992.0) {
            snprintf(err, errlen, "%s: expected an integer 0-2^53", path);
            return -1;
        }
        *(uint64_t *)dst = (uint64_t)d;
        return 0;
    case PROTOBUF_C_TYPE_MESSAGE: {
        char sub[256];
        ProtobufCMessage *m = NULL;
        if (v->type != JSON_OBJECT)
            goto type;
        if (pbjson_from_json(&m, fd->descriptor, v, sub, sizeof sub) != 0) {
            snprintf(err, errlen, "%s.%s", path, sub);
            return -1;
        }
        *(ProtobufCMessage **)dst = m;
        return 0;
    }
    case PROTOBUF_C_TYPE_BYTES:
        break;
    }
    snprintf(err, errlen, "%s: this field cannot be set from JSON", path);
    return -1;
type:
    snprintf(err, errlen, "%s: expected %s, got %s", path,
             fd->type == PROTOBUF_C_TYPE_STRING ? "a string"
             : fd->type == PROTOBUF_C_TYPE_BOOL ? "true or false"
             : fd->type == PROTOBUF_C_TYPE_MESSAGE ? "an object"
             : fd->type == PROTOBUF_C_TYPE_ENUM ? "an enum name or number" : "a number",
             json_type_name(v->type));
    return -1;
}

int pbjson_from_json(ProtobufCMessage **out, const ProtobufCMessageDescriptor *desc,
                     const json_t *obj, char *err, size_t errlen)
{
    ProtobufCMessage *m;

    *out = NULL;
    if (obj == NULL || obj->type != JSON_OBJECT) {
        snprintf(err, errlen, "expected a JSON object, got %s",
                 obj ? json_type_name(obj->type) : "nothing");
        return -1;
    }
    m = calloc(1, desc->sizeof_message);
    if (m == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    desc->message_init(m);
    for (size_t i = 0; i < obj->n; i++) {
        const char *key = obj->keys[i];
        const json_t *v = obj->items[i];
        const ProtobufCFieldDescriptor *fd =
            protobuf_c_message_descriptor_get_field_by_name(desc, key);
        char *base = (char *)m;

        if (fd == NULL) {
            snprintf(err, errlen, "%s: unknown field", key);
            goto err;
        }
        if (v->type == JSON_NULL)
            continue;
        if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t es = s_elem_size(fd);
            char *arr;
            if (v->type != JSON_ARRAY) {
                snprintf(err, errlen, "%s: expected an array, got %s", key,
                         json_type_name(v->type));
                goto err;
            }
            if (v->n == 0)
                continue;
            arr = calloc(v->n, es);
            if (arr == NULL) {
                snprintf(err, errlen, "%s: out of memory", key);
                goto err;
            }
            *(void **)(base + fd->offset) = arr;
            for (size_t k = 0; k < v->n; k++) {
                char path[128];
                snprintf(path, sizeof path, "%s[%zu]", key, k);
                if (s_scalar(arr + k * es, fd, v->items[k], path, err, errlen) != 0)
                    goto err;
                /* Count as we go so a failure frees exactly what was set. */
                *(size_t *)(base + fd->quantifier_offset) = k + 1;
            }
        } else {
            if (s_scalar(base + fd->offset, fd, v, key, err, errlen) != 0)
                goto err;
            if (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
                *(uint32_t *)(base + fd->quantifier_offset) = fd->id;
            else if (fd->label == PROTOBUF_C_LABEL_OPTIONAL && fd->quantifier_offset)
                *(protobuf_c_boolean *)(base + fd->quantifier_offset) = 1;
        }
    }
    *out = m;
    return 0;
err:
    protobuf_c_message_free_unpacked(m, NULL);
    return -1;
}

/* ---- message -> JSON / text -------------------------------------------- */

void pbjson_print_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        switch (*p) {
        case '"':  fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

/* Print one element; `json` selects quoting of strings and enums. */
static void s_elem(FILE *f, const ProtobufCFieldDescriptor *fd, const void *p, int json,
                   int indent)
{
    switch (fd->type) {
    case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32:
        fprintf(f, "%" PRId32, *(const int32_t *)p); break;
    case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
        fprintf(f, "%" PRIu32, *(const uint32_t *)p); break;
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
        fprintf(f, "%" PRId64, *(const int64_t *)p); break;
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
        fprintf(f, "%" PRIu64, *(const uint64_t *)p); break;
    case PROTOBUF_C_TYPE_FLOAT: {
        float v = *(const float *)p;
        if (isfinite(v)) fprintf(f, "%.7g", (double)v); else fputs(json ? "null" : "nan", f);
        break;
    }
    case PROTOBUF_C_TYPE_DOUBLE: {
        double v = *(const double *)p;
        if (isfinite(v)) fprintf(f, "%.15g", v); else fputs(json ? "null" : "nan", f);
        break;
    }
    case PROTOBUF_C_TYPE_BOOL:
        fputs(*(const protobuf_c_boolean *)p ? "true" : "false", f); break;
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumValue *ev =
            protobuf_c_enum_descriptor_get_value(fd->descriptor, *(const int *)p);
        if (ev == NULL)
            fprintf(f, "%d", *(const int *)p);
        else if (json)
            pbjson_print_str(f, ev->name);
        else
            fputs(ev->name, f);
        break;
    }
    case PROTOBUF_C_TYPE_STRING:
        if (json)
            pbjson_print_str(f, *(char *const *)p);
        else
            fputs(*(char *const *)p ? *(char *const *)p : "", f);
        break;
    case PROTOBUF_C_TYPE_BYTES:
        fprintf(f, json ? "\"(%zu bytes)\"" : "(%zu bytes)",
                ((const ProtobufCBinaryData *)p)->len);
        break;
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *m = *(ProtobufCMessage *const *)p;
        if (json) {
            if (m) pbjson_print(f, m); else fputs("null", f);
        } else if (m) {
            fputc('\n', f);
            pbjson_print_text(f, m, indent + 2);
        }
        break;
    }
    }
}

/* Is the field present (for a oneof: the set case)? */
static int s_present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *fd)
{
    const char *base = (const char *)m;

    if (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        return *(const uint32_t *)(base + fd->quantifier_offset) == fd->id;
    return 1;
}

void pbjson_print(FILE *f, const ProtobufCMessage *msg)
{
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    const char *base = (const char *)msg;
    int first = 1;

    fputc('{', f);
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &d->fields[i];
        if (!s_present(msg, fd))
            continue;
        if (!first)
            fputc(',', f);
        first = 0;
        pbjson_print_str(f, fd->name);
        fputc(':', f);
        if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(base + fd->quantifier_offset);
            const char *arr = *(char *const *)(base + fd->offset);
            size_t es = s_elem_size(fd);
            fputc('[', f);
            for (size_t k = 0; k < n; k++) {
                if (k)
                    fputc(',', f);
                s_elem(f, fd, arr + k * es, 1, 0);
            }
            fputc(']', f);
        } else {
            s_elem(f, fd, base + fd->offset, 1, 0);
        }
    }
    fputc('}', f);
}

/* Is a singular field at its default (zero/empty)? */
static int s_empty(const ProtobufCFieldDescriptor *fd, const void *p)
{
    switch (fd->type) {
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p;
        return s == NULL || s[0] == '\0';
    }
    case PROTOBUF_C_TYPE_MESSAGE: return *(ProtobufCMessage *const *)p == NULL;
    case PROTOBUF_C_TYPE_FLOAT:   return *(const float *)p == 0.0f;
    case PROTOBUF_C_TYPE_DOUBLE:  return *(const double *)p == 0.0;
    case PROTOBUF_C_TYPE_BYTES:   return ((const ProtobufCBinaryData *)p)->len == 0;
    default: {
        size_t es = s_elem_size(fd);
        static const char zero[8];
        return memcmp(p, zero, es) == 0;
    }
    }
}

void pbjson_print_text(FILE *f, const ProtobufCMessage *msg, int indent)
{
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    const char *base = (const char *)msg;

    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &d->fields[i];
        if (!s_present(msg, fd))
            continue;
        if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(base + fd->quantifier_offset);
            const char *arr = *(char *const *)(base + fd->offset);
            size_t es = s_elem_size(fd);
            if (n == 0)
                continue;
            if (fd->type == PROTOBUF_C_TYPE_MESSAGE) {
                for (size_t k = 0; k < n; k++) {
                    fprintf(f, "%*s%s[%zu]:", indent, "", fd->name, k);
                    s_elem(f, fd, arr + k * es, 0, indent);
                }
            } else if (fd->type == PROTOBUF_C_TYPE_FLOAT && n > 8) {
                fprintf(f, "%*s%s: (%zu values) ", indent, "", fd->name, n);
                for (size_t k = 0; k < 4; k++) {
                    s_elem(f, fd, arr + k * es, 0, indent);
                    fputc(' ', f);
                }
                fputs("...\n", f);
            } else {
                fprintf(f, "%*s%s: ", indent, "", fd->name);
                for (size_t k = 0; k < n; k++) {
                    if (k)
                        fputs(", ", f);
                    s_elem(f, fd, arr + k * es, 0, indent);
                }
                fputc('\n', f);
            }
        } else if (!s_empty(fd, base + fd->offset)) {
            fprintf(f, "%*s%s:", indent, "", fd->name);
            if (fd->type != PROTOBUF_C_TYPE_MESSAGE)
                fputc(' ', f);
            s_elem(f, fd, base + fd->offset, 0, indent);
            if (fd->type != PROTOBUF_C_TYPE_MESSAGE)
                fputc('\n', f);
        }
    }
}
