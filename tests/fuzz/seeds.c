/*
 * seeds.c - writes one seed input per Request body type into a corpus
 * folder, so the fuzzer starts from every request type the contract has
 * (the committed corpus in corpus/request was made with it; rerun it when
 * the contract gains a method). Each seed is a Request with an id, API
 * version 1 and an empty body of that type; its file is named after the
 * type ("type_put_talent").
 *
 *   fuzz_seeds CORPUS_DIR
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bole.pb-c.h"

int main(int argc, char **argv)
{
    const ProtobufCMessageDescriptor *rd = &bole__request__descriptor;
    int written = 0;

    if (argc != 2 || strcmp(argv[1], "--help") == 0) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return argc == 2 ? 0 : 2;
    }
    for (unsigned i = 0; i < rd->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &rd->fields[i];
        if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
            || f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        const ProtobufCMessageDescriptor *bd = f->descriptor;
        Bole__Request req = BOLE__REQUEST__INIT;
        ProtobufCMessage *body = calloc(1, bd->sizeof_message);
        if (body == NULL)
            return 1;
        bd->message_init(body);
        req.id = 1 + written;
        req.api_version = BOLE__API_VERSION__API_VERSION_1;
        /* The oneof's case word sits at quantifier_offset; the pointer at offset. */
        *(uint32_t *)((char *)&req + f->quantifier_offset) = f->id;
        *(ProtobufCMessage **)((char *)&req + f->offset) = body;

        size_t len = bole__request__get_packed_size(&req);
        uint8_t *buf = malloc(len);
        if (buf == NULL)
            return 1;
        bole__request__pack(&req, buf);
        char path[4096];
        snprintf(path, sizeof path, "%s/type_%s", argv[1], f->name);
        FILE *out = fopen(path, "wb");
        if (out == NULL || fwrite(buf, 1, len, out) != len || fclose(out) != 0) {
            perror(path);
            return 1;
        }
        free(buf);
        free(body);
        written++;
    }
    printf("wrote %d seeds\n", written);
    return written > 0 ? 0 : 1;
}
