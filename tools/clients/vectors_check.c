/* vectors_check.c — the C side of the shared encoding vectors.
 *
 * Reads tests/data/vectors/requests.json, builds each described bole.Request
 * with protobuf-c through bolectl's descriptor-driven JSON reader (pbjson.c),
 * packs it, and compares the bytes with the expected hex that the Python and
 * Java clients check too. Exit 0 when every vector matches, 1 otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bole.pb-c.h"
#include "json.h"
#include "pbjson.h"

/* Reads the whole file; returns a malloc'd NUL-terminated buffer or NULL. */
static char *s_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        if (n >= 0 && fseek(f, 0, SEEK_SET) == 0) {
            buf = malloc((size_t)n + 1);
            if (buf != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n) {
                buf[n] = '\0';
                *len = (size_t)n;
            } else {
                free(buf);
                buf = NULL;
            }
        }
    }
    fclose(f);
    return buf;
}

/* Checks one vector; returns 0 on a match. */
static int s_check(const json_t *v)
{
    const json_t *name = json_member(v, "name");
    const json_t *req = json_member(v, "request");
    const json_t *hex = json_member(v, "hex");
    if (name == NULL || name->type != JSON_STRING || req == NULL || hex == NULL ||
        hex->type != JSON_STRING) {
        printf("FAIL malformed vector\n");
        return 1;
    }
    ProtobufCMessage *msg = NULL;
    char err[256];
    if (pbjson_from_json(&msg, &bole__request__descriptor, req, err, sizeof err) != 0) {
        printf("FAIL %s: cannot build: %s\n", name->str, err);
        return 1;
    }
    size_t n = protobuf_c_message_get_packed_size(msg);
    uint8_t *buf = malloc(n + 1);
    char *got = malloc(2 * n + 1);
    int rc = 1;
    if (buf != NULL && got != NULL) {
        protobuf_c_message_pack(msg, buf);
        for (size_t i = 0; i < n; i++)
            snprintf(got + 2 * i, 3, "%02x", buf[i]);
        got[2 * n] = '\0';
        rc = strcmp(got, hex->str) != 0;
        if (rc)
            printf("FAIL %s\n  expected %s\n  got      %s\n", name->str, hex->str, got);
        else
            printf("ok   %s (%zu bytes)\n", name->str, n);
    }
    free(buf);
    free(got);
    protobuf_c_message_free_unpacked(msg, NULL);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: vectors_check tests/data/vectors/requests.json\n");
        return 2;
    }
    size_t len = 0;
    char *text = s_slurp(argv[1], &len);
    if (text == NULL) {
        fprintf(stderr, "vectors_check: cannot read %s\n", argv[1]);
        return 2;
    }
    json_t *doc = NULL;
    char err[256];
    if (json_parse(&doc, text, len, err, sizeof err) != 0) {
        fprintf(stderr, "vectors_check: %s: %s\n", argv[1], err);
        free(text);
        return 2;
    }
    free(text);
    const json_t *vs = json_member(doc, "vectors");
    int failures = 0;
    size_t count = vs != NULL && vs->type == JSON_ARRAY ? vs->n : 0;
    for (size_t i = 0; i < count; i++)
        failures += s_check(vs->items[i]);
    if (count < 10) {
        printf("FAIL: expected at least 10 vectors, found %zu\n", count);
        failures++;
    }
    printf("%zu vectors, %d failures\n", count, failures);
    json_destroy(&doc);
    return failures ? 1 : 0;
}
