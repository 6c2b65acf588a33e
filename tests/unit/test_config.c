/*
 * test_config.c - the option table: defaults, bounds, choices, config files.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config.h"

int main(void)
{
    bole_config_t c;
    char err[512];
    bole_config_defaults(&c);
    CHECK_EQ_STR(c.listen, "tcp://127.0.0.1:5555");
    CHECK_EQ_STR(c.events, "tcp://127.0.0.1:5556");
    CHECK_EQ_STR(c.synchronous, "full");
    CHECK_EQ_INT(c.max_message_size, 2097152);

    CHECK_EQ_INT(bole_config_set(&c, "listen", "ipc:///tmp/x", err, sizeof err), 0);
    CHECK_EQ_STR(c.listen, "ipc:///tmp/x");
    CHECK_EQ_INT(bole_config_set(&c, "nope", "1", err, sizeof err), -1);
    CHECK_CONTAINS(err, "unknown option");
    CHECK_EQ_INT(bole_config_set(&c, "log-level", "loud", err, sizeof err), -1);
    CHECK_CONTAINS(err, "debug info warn error");
    CHECK_EQ_INT(bole_config_set(&c, "max-message-size", "12x", err, sizeof err), -1);
    CHECK_EQ_INT(bole_config_set(&c, "max-message-size", "10", err, sizeof err), -1);
    CHECK_CONTAINS(err, "between");
    CHECK_EQ_INT(c.max_message_size, 2097152); /* unchanged by failures */

    char path[] = "/tmp/bole-test-config-XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("# comment\n  db = /tmp/a.db  \nsynchronous=normal # trailing\n\n", f);
    fclose(f);
    CHECK_EQ_INT(bole_config_load_file(&c, path, err, sizeof err), 0);
    CHECK_EQ_STR(c.db, "/tmp/a.db");
    CHECK_EQ_STR(c.synchronous, "normal");

    /* A bad line names file and line and changes nothing. */
    f = fopen(path, "w");
    fputs("db = /tmp/b.db\nsynchronous = sometimes\n", f);
    fclose(f);
    CHECK_EQ_INT(bole_config_load_file(&c, path, err, sizeof err), -1);
    CHECK_CONTAINS(err, ":2:");
    CHECK_EQ_STR(c.db, "/tmp/a.db");
    unlink(path);
    CHECK_EQ_INT(bole_config_load_file(&c, "/nonexistent.conf", err, sizeof err), -1);
    return check_summary();
}
