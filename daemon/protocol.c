/*
 * protocol.c - see protocol.h.
 *
 * Validation walks the protobuf-c descriptors, so every message of the
 * contract gets the same generic checks without a hand-written validator
 * per message; handlers add the field-specific rules (required ids, ranges).
 */
#include "protocol.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bytebuf.h"

int bole_utf8_valid(const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (i + need >= len)
            return 0; /* Truncated sequence. */
        for (size_t k = 1; k <= need; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += need + 1;
    }
    return 1;
}

/* Reads the number of values a field holds: 0/1 for singular ones, the
 * count for repeated ones, 0 for an unselected oneof member. */
static size_t s_field_count(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f)
{
    const char *base = (const char *)msg;
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        return *(const size_t *)(base + f->quantifier_offset);
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
        uint32_t which = *(const uint32_t *)(base + f->quantifier_offset);
        return which == f->id ? 1 : 0;
    }
    return 1;
}

/* Address of value i of a field (the array element for repeated fields). */
static const void *s_field_value(const ProtobufCMessage *msg,
                                 const ProtobufCFieldDescriptor *f, size_t i, size_t size)
{
    const char *base = (const char *)msg;
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        const char *array = *(const char *const *)(base + f->offset);
        return array + i * size;
    }
    return base + f->offset;
}

static void s_path(char *out, size_t outlen, const char *path, const char *name,
                   const ProtobufCFieldDescriptor *f, size_t i)
{
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        snprintf(out, outlen, "%s%s%s[%zu]", path, *path ? "." : "", name, i);
    else
        snprintf(out, outlen, "%s%s%s", path, *path ? "." : "", name);
}

bole_status_t bole_protocol_validate(const ProtobufCMessage *msg, const char *path,
                                     char *err, size_t errlen)
{
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    if (msg->n_unknown_fields > 0) {
        snprintf(err, errlen, "%s: unknown field number %u in %s", *path ? path : "request",
                 msg->unknown_fields[0].tag, desc->name);
        return BOLE_INVALID_ARGUMENT;
    }
    for (unsigned j = 0; j < desc->n_fields; j++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[j];
        size_t n = s_field_count(msg, f);
        if (n > BOLE_MAX_REPEATED) {
            snprintf(err, errlen, "%s%s%s: %zu values, at most %d allowed", path,
                     *path ? "." : "", f->name, n, BOLE_MAX_REPEATED);
            return BOLE_INVALID_ARGUMENT;
        }
        for (size_t i = 0; i < n; i++) {
            char where[512];
            switch (f->type) {
            case PROTOBUF_C_TYPE_STRING: {
                const char *s = *(const char *const *)s_field_value(msg, f, i, sizeof(char *));
                size_t len = s ? strlen(s) : 0;
                if (len > BOLE_MAX_STRING_BYTES) {
                    s_path(where, sizeof where, path, f->name, f, i);
                    snprintf(err, errlen, "%s: %zu bytes, at most %d allowed", where, len,
                             BOLE_MAX_STRING_BYTES);
                    return BOLE_INVALID_ARGUMENT;
                }
                if (s && !bole_utf8_valid(s, len)) {
                    s_path(where, sizeof where, path, f->name, f, i);
                    snprintf(err, errlen, "%s: not valid UTF-8", where);
                    return BOLE_INVALID_ARGUMENT;
                }
                break;
            }
            case PROTOBUF_C_TYPE_FLOAT: {
                float v = *(const float *)s_field_value(msg, f, i, sizeof(float));
                if (!isfinite(v)) {
                    s_path(where, sizeof where, path, f->name, f, i);
                    snprintf(err, errlen, "%s: must be a finite number (got %g)", where,
                             (double)v);
                    return BOLE_INVALID_ARGUMENT;
                }
                break;
            }
            case PROTOBUF_C_TYPE_DOUBLE: {
                double v = *(const double *)s_field_value(msg, f, i, sizeof(double));
                if (!isfinite(v)) {
                    s_path(where, sizeof where, path, f->name, f, i);
                    snprintf(err, errlen, "%s: must be a finite number (got %g)", where, v);
                    return BOLE_INVALID_ARGUMENT;
                }
                break;
            }
            case PROTOBUF_C_TYPE_ENUM: {
                int v = *(const int *)s_field_value(msg, f, i, sizeof(int));
                if (!protobuf_c_enum_descriptor_get_value(f->descriptor, v)) {
                    s_path(where, sizeof where, path, f->name, f, i);
                    snprintf(err, errlen, "%s: unknown %s value %d", where,
                             ((const ProtobufCEnumDescriptor *)f->descriptor)->name, v);
                    return BOLE_INVALID_ARGUMENT;
                }
                break;
            }
            case PROTOBUF_C_TYPE_MESSAGE: {
                const ProtobufCMessage *sub =
                    *(const ProtobufCMessage *const *)s_field_value(msg, f, i, sizeof(void *));
                if (!sub)
                    break;
                s_path(where, sizeof where, path, f->name, f, i);
                bole_status_t st = bole_protocol_validate(sub, where, err, errlen);
                if (st != BOLE_OK)
                    return st;
                break;
            }
            default:
                break;
            }
        }
    }
    return BOLE_OK;
}

int bole_protocol_peek(const void *buf, size_t len, uint64_t *id, int *body_case)
{
    const uint8_t *p = buf, *end = p + len;
    *id = 0;
    *body_case = 0;
    while (p < end) {
        uint64_t key, v;
        if (bole_varint_read(&p, end, &key) != 0)
            return -1;
        uint64_t field = key >> 3;
        switch (key & 7) {
        case 0: /* varint */
            if (bole_varint_read(&p, end, &v) != 0)
                return -1;
            if (field == 1)
                *id = v;
            break;
        case 1: /* 64-bit */
            if (end - p < 8)
                return -1;
            p += 8;
            break;
        case 2: { /* length-delimited: a string or a nested message */
            if (bole_varint_read(&p, end, &v) != 0 || v > (uint64_t)(end - p))
                return -1;
            p += v;
            const ProtobufCFieldDescriptor *f =
                field <= INT32_MAX ? protobuf_c_message_descriptor_get_field(
                                         &bole__request__descriptor, (unsigned)field)
                                   : NULL;
            if (f && (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
                *body_case = (int)field;
            break;
        }
        case 5: /* 32-bit */
            if (end - p < 4)
                return -1;
            p += 4;
            break;
        default:
            return -1;
        }
    }
    return 0;
}

bole_status_t bole_protocol_decode(const void *buf, size_t len, Bole__Request **out,
                                   uint64_t *id, char *err, size_t errlen)
{
    *out = NULL;
    *id = 0;
    if (len == 0) {
        snprintf(err, errlen, "empty request: expected one frame holding a bole.Request");
        return BOLE_INVALID_ARGUMENT;
    }
    Bole__Request *req = bole__request__unpack(NULL, len, buf);
    if (!req) {
        snprintf(err, errlen, "cannot decode %zu bytes as a bole.Request (malformed protobuf)",
                 len);
        return BOLE_INVALID_ARGUMENT;
    }
    *id = req->id;
    bole_status_t st = BOLE_OK;
    if (req->api_version != BOLE__API_VERSION__API_VERSION_1) {
        snprintf(err, errlen, "unsupported api_version %d: this server speaks api_version 1",
                 (int)req->api_version);
        st = BOLE_INVALID_ARGUMENT;
    } else if (req->base.n_unknown_fields > 0) {
        /* An unknown field in the envelope is a method this build lacks. */
        snprintf(err, errlen, "unknown method: Request field number %u is not part of "
                 "api_version 1 as served here", req->base.unknown_fields[0].tag);
        st = BOLE_UNIMPLEMENTED;
    } else if (req->body_case == BOLE__REQUEST__BODY__NOT_SET) {
        snprintf(err, errlen, "request names no method (the body oneof is empty)");
        st = BOLE_INVALID_ARGUMENT;
    } else {
        st = bole_protocol_validate(&req->base, "", err, errlen);
    }
    if (st != BOLE_OK) {
        bole__request__free_unpacked(req, NULL);
        return st;
    }
    *out = req;
    return BOLE_OK;
}

void bole_protocol_free_request(Bole__Request **req)
{
    if (!req || !*req)
        return;
    bole__request__free_unpacked(*req, NULL);
    *req = NULL;
}

const char *bole_protocol_method_name(int body_case)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field(&bole__request__descriptor, (unsigned)body_case);
    if (!f || !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
        return NULL;
    return f->name;
}
