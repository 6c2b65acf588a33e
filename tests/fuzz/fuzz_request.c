/*
 * fuzz_request.c - libFuzzer harness for the request decoder and the generic
 * validator: any byte string must decode to a clean status, never crash,
 * leak or read out of bounds. Accepted requests are re-packed and must
 * decode again to the same bytes (the round trip is stable).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Bole__Request *req = NULL;
    uint64_t id = 0;
    char err[1024];
    bole_status_t st = bole_protocol_decode(data, size, &req, &id, err, sizeof err);
    if (st != BOLE_OK) {
        if (req != NULL || err[0] == '\0')
            abort(); /* A failure must leave nothing behind and say why. */
        return 0;
    }
    size_t len = bole__request__get_packed_size(req);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        abort();
    bole__request__pack(req, buf);
    Bole__Request *again = NULL;
    if (bole_protocol_decode(buf, len, &again, &id, err, sizeof err) != BOLE_OK)
        abort();
    size_t len2 = bole__request__get_packed_size(again);
    uint8_t *buf2 = malloc(len2 ? len2 : 1);
    if (!buf2)
        abort();
    bole__request__pack(again, buf2);
    if (len2 != len || memcmp(buf, buf2, len) != 0)
        abort();
    free(buf2);
    free(buf);
    bole_protocol_free_request(&again);
    bole_protocol_free_request(&req);
    return 0;
}
