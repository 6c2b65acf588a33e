/* pbjson.h — protobuf-c messages to and from JSON, driven by the message
 * descriptors, so bolectl needs no per-message code. Field names are the
 * .proto names (external_id, experience_years...); enums are written as
 * their names and read from names or numbers. */
#ifndef BOLECTL_PBJSON_H
#define BOLECTL_PBJSON_H

#include <stdio.h>

#include <protobuf-c/protobuf-c.h>

#include "json.h"

/* Build a message of type `desc` from JSON object `obj`. On success *out
 * (OUT) is a heap message owned by the caller (protobuf_c_message_free_unpacked
 * with a NULL allocator releases it) and 0 is returned. On failure *out is
 * NULL, nothing stays allocated, `err` names the field ("skills[2].level:
 * expected an integer 0-4294967295") and -1 is returned. Unknown members
 * are errors; null members are skipped. */
int pbjson_from_json(ProtobufCMessage **out, const ProtobufCMessageDescriptor *desc,
                     const json_t *obj, char *err, size_t errlen);

/* Write `msg` as one JSON object (every field, defaults included; a oneof
 * only for its set case). */
void pbjson_print(FILE *f, const ProtobufCMessage *msg);

/* Write `s` as a JSON string literal. */
void pbjson_print_str(FILE *f, const char *s);

/* Write `msg` as indented "field: value" lines, skipping empty fields. */
void pbjson_print_text(FILE *f, const ProtobufCMessage *msg, int indent);

#endif /* BOLECTL_PBJSON_H */
