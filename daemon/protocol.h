/*
 * protocol.h - the wire format: decoding and validating requests, naming
 * methods, encoding responses. Every protobuf-c unpack in the daemon happens
 * here and is paired with its free here.
 */
#ifndef BOLE_PROTOCOL_H
#define BOLE_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#include "bole.pb-c.h"
#include "status.h"

/* Largest oneof field number of Request; sizes per-method tables. */
#define BOLE_METHOD_SLOTS 128

/* Generic bounds every request obeys; handlers apply tighter ones per field. */
#define BOLE_MAX_STRING_BYTES   65536
#define BOLE_MAX_REPEATED       100000

/*
 * Reads only the envelope of a request frame, without decoding it: the
 * correlation id (field 1) and the method (the last member of the body
 * oneof, as a decoder would keep it). Cheap (it skips every nested message),
 * so the server thread can route a large bulk put to another thread for the
 * real decode (bole_protocol_decode), which must then find the same method.
 * Returns 0 and sets *id and *body_case (0 when no method is named), or -1
 * when the frame is not well-formed protobuf at the top level.
 */
int bole_protocol_peek(const void *buf, size_t len, uint64_t *id /* OUT */,
                       int *body_case /* OUT */);

/*
 * Decodes one request frame and runs the generic checks (known API version,
 * no unknown fields, valid UTF-8, finite floats, known enum values, bounded
 * strings and lists). On BOLE_OK *out owns the request (free it with
 * bole_protocol_free_request). On failure *out is NULL, err says why, and
 * *id gets the correlation id if the envelope could be read (else 0).
 */
bole_status_t bole_protocol_decode(const void *buf, size_t len,
                                   Bole__Request **out /* OUT */, uint64_t *id /* OUT */,
                                   char *err, size_t errlen);

void bole_protocol_free_request(Bole__Request **req);

/*
 * Checks any decoded message (and everything nested in it) against the
 * generic rules. path names the message in errors, e.g. "put_talent".
 */
bole_status_t bole_protocol_validate(const ProtobufCMessage *msg, const char *path,
                                     char *err, size_t errlen);

/* Strict UTF-8 check (no overlongs, surrogates or code points > U+10FFFF). */
int bole_utf8_valid(const char *text, size_t len);

/* The method's name (the Request oneof field name), or NULL if unknown. */
const char *bole_protocol_method_name(int body_case);

#endif
