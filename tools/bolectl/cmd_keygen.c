/* cmd_keygen.c — `bolectl keygen PREFIX`: a CURVE key pair for a client. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <zmq.h>

#include "bolectl.h"

/* Creates path with mode and writes text + newline; refuses to overwrite. */
static int s_write_new(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0) {
        fprintf(stderr, "bolectl: cannot create %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t len = strlen(text);
    int ok = write(fd, text, len) == (ssize_t)len && write(fd, "\n", 1) == 1 && fsync(fd) == 0;
    close(fd);
    if (!ok) {
        fprintf(stderr, "bolectl: cannot write %s\n", path);
        unlink(path);
        return -1;
    }
    return 0;
}

int bolectl_cmd_keygen(const bolectl_cmd_t *cmd, bolectl_opts_t *o, int argc, char **argv)
{
    const char *prefix = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(cmd->help, stdout);
            return EXIT_OK_;
        }
        if (strcmp(argv[i], "--json") == 0) {
            o->json = 1;
        } else if (argv[i][0] == '-' || prefix != NULL) {
            fprintf(stderr, "bolectl: keygen: unexpected argument '%s'\n", argv[i]);
            fputs(cmd->help, stderr);
            return EXIT_USAGE;
        } else {
            prefix = argv[i];
        }
    }
    if (prefix == NULL || prefix[0] == '\0') {
        fputs(cmd->help, stderr);
        return EXIT_USAGE;
    }
    char pub[41], sec[41], path[4096];
    if (zmq_curve_keypair(pub, sec) != 0) {
        fprintf(stderr, "bolectl: libzmq cannot make CURVE keys: %s\n", zmq_strerror(zmq_errno()));
        return EXIT_TRANSPORT;
    }
    snprintf(path, sizeof path, "%s.key", prefix);
    if (s_write_new(path, sec, 0600) != 0)
        return EXIT_USAGE;
    snprintf(path, sizeof path, "%s.pub", prefix);
    if (s_write_new(path, pub, 0644) != 0) {
        snprintf(path, sizeof path, "%s.key", prefix);
        unlink(path);
        return EXIT_USAGE;
    }
    if (o->json) {
        fputs("{\"public_key\":", stdout);
        bolectl_json_str(stdout, pub);
        printf(",\"secret_file\":");
        snprintf(path, sizeof path, "%s.key", prefix);
        bolectl_json_str(stdout, path);
        puts("}");
    } else {
        printf("public key: %s\nwritten: %s.key (secret, 0600), %s.pub\n", pub, prefix, prefix);
    }
    return EXIT_OK_;
}
