/*
 * replay.c - runs a fuzz harness over every file of its saved corpus, so the
 * normal (non-clang) test run re-checks every input the fuzzer ever kept.
 *
 *   fuzz_request_replay [--require-every-request-type] CORPUS_DIR
 *
 * With --require-every-request-type it also decodes each input and fails
 * unless every Request body type of the contract has at least one input
 * that decodes cleanly, naming the types that have none: the fuzzer then
 * starts from every request type (seeds from fuzz_seeds, tests/fuzz/seeds.c).
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_CASES 256

/* Which body field number a cleanly decoded input carries, or 0. */
static unsigned s_body_case(const uint8_t *data, size_t size)
{
    Bole__Request *req = NULL;
    uint64_t id = 0;
    char err[256];
    unsigned body = 0;

    if (bole_protocol_decode(data, size, &req, &id, err, sizeof err) == BOLE_OK) {
        body = (unsigned)req->body_case;
        bole_protocol_free_request(&req);
    }
    return body;
}

/* Every oneof message field of Request without an input; returns how many. */
static int s_report_missing(const unsigned char *seen)
{
    const ProtobufCMessageDescriptor *rd = &bole__request__descriptor;
    int missing = 0;

    for (unsigned i = 0; i < rd->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &rd->fields[i];
        if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
            continue;
        if (f->id < MAX_CASES && seen[f->id])
            continue;
        fprintf(stderr, "no corpus input decodes to request type %s (field %u)\n",
                f->name, f->id);
        missing++;
    }
    return missing;
}

int main(int argc, char **argv)
{
    unsigned char seen[MAX_CASES] = {0};
    int every_type = 0;
    int files = 0;
    int arg = 1;

    if (argc == 3 && strcmp(argv[1], "--require-every-request-type") == 0) {
        every_type = 1;
        arg = 2;
    }
    if (argc != arg + 1) {
        fprintf(stderr, "usage: %s [--require-every-request-type] CORPUS_DIR\n", argv[0]);
        return 2;
    }
    DIR *dir = opendir(argv[arg]);
    if (!dir) {
        perror(argv[arg]);
        return 1;
    }
    uint8_t *buf = malloc(1 << 22);
    if (buf == NULL) {
        closedir(dir);
        return 1;
    }
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", argv[arg], e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        size_t n = fread(buf, 1, 1 << 22, f);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, n);
        if (every_type) {
            unsigned body = s_body_case(buf, n);
            if (body > 0 && body < MAX_CASES)
                seen[body] = 1;
        }
        files++;
    }
    closedir(dir);
    free(buf);
    printf("replayed %d corpus files\n", files);
    if (files == 0)
        return 1;
    if (every_type && s_report_missing(seen) > 0)
        return 1;
    return 0;
}
