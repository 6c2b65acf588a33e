/* bolectl.h — what every bolectl subcommand shares: the global options, the
 * subcommand table row, exit codes and the helpers for calling boled and
 * printing JSON. The table itself is s_commands[] in bolectl.c; a
 * subcommand in its own file (cmd_<name>.c) defines its function here-
 * declared and adds one row there.
 */
#ifndef BOLECTL_H
#define BOLECTL_H

#include <stdio.h>

#include "bole/client.h"

enum {
    EXIT_OK_ = 0,         /* Success. */
    EXIT_STATUS = 1,      /* Daemon answered with a non-OK status. */
    EXIT_USAGE = 2,       /* Bad command line. */
    EXIT_TRANSPORT = 3,   /* No answer / transport failure. */
};

/* Options shared by every command. */
typedef struct bolectl_opts {
    const char *server;  /* Request endpoint. */
    int timeout_ms;      /* Reply timeout. */
    int json;            /* Print JSON instead of text. */
    const char *server_key_file; /* --server-key: the server's public key file (CURVE). */
    const char *key_prefix;      /* --key: this client's PREFIX.key / PREFIX.pub (CURVE). */
} bolectl_opts_t;

struct bolectl_cmd;
typedef int (*bolectl_cmd_fn)(const struct bolectl_cmd *cmd, bolectl_opts_t *o,
                              int argc, char **argv);

/* One subcommand. */
typedef struct bolectl_cmd {
    const char    *name;     /* As typed on the command line. */
    const char    *summary;  /* One line for the command list. */
    const char    *help;     /* Full help text (usage line first). */
    bolectl_cmd_fn fn;       /* Runs the command; returns the exit status. */
} bolectl_cmd_t;

/* A client for o->server with o's timeout, and CURVE keys when --server-key
 * and --key were given. Prints why and returns NULL on failure. */
bole_client_t *bolectl_client_new(const bolectl_opts_t *o);

/* Send req; on success *out holds an OK response (free it with
 * bole_response_free). Prints the failure and returns its exit status
 * otherwise. */
int bolectl_call(const bolectl_opts_t *o, Bole__Request *req, Bole__Response **out);

/* Parse a subcommand's own arguments when it takes none besides --help and
 * the global options. Returns -1 to go on, else an exit status. */
int bolectl_parse_sub(bolectl_opts_t *o, const bolectl_cmd_t *cmd, int argc, char **argv);

/* JSON output helpers: a string literal (quotes included), a number (null
 * for NaN and infinities). */
void bolectl_json_str(FILE *f, const char *s);
void bolectl_json_num(FILE *f, double v);

/* keygen (cmd_keygen.c) */
int bolectl_cmd_keygen(const bolectl_cmd_t *cmd, bolectl_opts_t *o, int argc, char **argv);

/* event (cmd_event.c): job fairs */
extern const char bolectl_event_help[];
int bolectl_cmd_event(const bolectl_cmd_t *cmd, bolectl_opts_t *o, int argc, char **argv);

#endif
