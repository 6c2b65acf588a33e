/* bolectl — command-line client for boled.
 *
 *   bolectl [--server ENDPOINT] [--timeout MS] [--json] COMMAND [--help]
 *
 * Human-readable output by default, one JSON object per command with --json.
 * Exit status: 0 OK, 1 the daemon answered with a non-OK status, 2 usage
 * error, 3 transport failure or no answer within the timeout.
 *
 * Subcommands are rows of s_commands[]: a later issue adds one function and
 * one row. A command function gets its row, the parsed global options and
 * its own argv (argv[0] is the command name) and returns the exit status.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int s_cmd_health(const struct bolectl_cmd *cmd, bolectl_opts_t *o, int argc, char **argv);
static int s_cmd_stats(const struct bolectl_cmd *cmd, bolectl_opts_t *o, int argc, char **argv);

static const bolectl_cmd_t s_commands[] = {
    { "health", "liveness and build information",
      "usage: bolectl [global options] health\n"
      "\n"
      "Ask boled whether it is serving; print its status, version, uptime,\n"
      "FAISS build, model version and API version.\n",
      s_cmd_health },
    { "stats", "counters and per-method latencies",
      "usage: bolectl [global options] stats\n"
      "\n"
      "Print stored record counts, request and error totals, and for each\n"
      "method: requests, errors, p50 and p99 latency in milliseconds.\n",
      s_cmd_stats },
};
#define S_NCOMMANDS (sizeof s_commands / sizeof s_commands[0])

static void s_usage(FILE *f)
{
    fprintf(f,
            "usage: bolectl [--server ENDPOINT] [--timeout MS] [--json] COMMAND [--help]\n"
            "\n"
            "Talk to a running boled.\n"
            "\n"
            "global options:\n"
            "  --server ENDPOINT  request endpoint (default %s)\n"
            "  --timeout MS       reply timeout in milliseconds (default 2000)\n"
            "  --json             print one JSON object instead of text\n"
            "  --help, -h         this help; `bolectl COMMAND --help` for a command\n"
            "\n"
            "commands:\n",
            BOLE_DEFAULT_ENDPOINT);
    for (size_t i = 0; i < S_NCOMMANDS; i++)
        fprintf(f, "  %-10s %s\n", s_commands[i].name, s_commands[i].summary);
    fprintf(f,
            "\n"
            "exit status: 0 OK, 1 error status from boled, 2 usage error,\n"
            "3 no answer (transport failure or timeout).\n");
}

/* ---- JSON output ------------------------------------------------------- */

/* Print `s` as a JSON string literal (quotes included). */
static void s_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        switch (*p) {
        case '"':  fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);  /* UTF-8 passes through as-is. */
        }
    }
    fputc('"', f);
}

/* Print a double as a JSON number (null for NaN and infinities). */
static void s_json_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.6g", v);
    else
        fputs("null", f);
}

/* ---- calling the daemon ------------------------------------------------ */

/* Send `req`; on success *out holds an OK response. Prints the failure and
 * returns its exit status otherwise. */
static int s_call(const bolectl_opts_t *o, Bole__Request *req, Bole__Response **out)
{
    bole_client_t *c = bole_client_new(o->server, o->timeout_ms);
    int rc;

    *out = NULL;
    if (c == NULL) {
        fprintf(stderr, "bolectl: cannot connect to %s (bad endpoint?)\n", o->server);
        return EXIT_TRANSPORT;
    }
    rc = bole_client_call(c, req, out);
    bole_client_destroy(&c);
    if (rc == BOLE_ETIMEOUT) {
        fprintf(stderr, "bolectl: no answer from %s within %d ms \xe2\x80\x94 is boled running?\n",
                o->server, o->timeout_ms);
        return EXIT_TRANSPORT;
    }
    if (rc != BOLE_OK) {
        fprintf(stderr, "bolectl: %s: %s\n", o->server, bole_strerror(rc));
        return EXIT_TRANSPORT;
    }
    if ((*out)->status != BOLE__STATUS_CODE__OK) {
        fprintf(stderr, "bolectl: %s: %s\n", bole_status_name((int)(*out)->status),
                (*out)->error && (*out)->error[0] ? (*out)->error : "(no message)");
        bole_response_free(*out);
        *out = NULL;
        return EXIT_STATUS;
    }
    return EXIT_OK_;
}

/* Parse a subcommand's own arguments: --help and the global options (also
 * accepted after the command). Returns -1 to go on, else an exit status. */
static int s_parse_sub(bolectl_opts_t *o, const bolectl_cmd_t *cmd, int argc, char **argv);

static const bolectl_cmd_t *s_find(const char *name)
{
    for (size_t i = 0; i < S_NCOMMANDS; i++)
        if (strcmp(s_commands[i].name, name) == 0)
            return &s_commands[i];
    return NULL;
}

/* ---- health ------------------------------------------------------------ */

static int s_cmd_health(const bolectl_cmd_t *cmd, bolectl_opts_t *o, int argc, char **argv)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__HealthRequest body = BOLE__HEALTH_REQUEST__INIT;
    Bole__Response *resp;
    const Bole__HealthResponse *h;
    int rc = s_parse_sub(o, cmd, argc, argv);

    if (rc >= 0)
        return rc;
    req.body_case = BOLE__REQUEST__BODY_HEALTH;
    req.health = &body;
    rc = s_call(o, &req, &resp);
    if (rc != EXIT_OK_)
        return rc;
    if (resp->body_case != BOLE__RESPONSE__BODY_HEALTH || resp->health == NULL) {
        fprintf(stderr, "bolectl: %s answered health without a health body\n", o->server);
        bole_response_free(resp);
        return EXIT_TRANSPORT;
    }
    h = resp->health;
    if (o->json) {
        printf("{\"status\":");
        s_json_str(stdout, h->status);
        printf(",\"version\":");
        s_json_str(stdout, h->version);
        printf(",\"uptime_ms\":%" PRId64 ",\"faiss_build\":", h->uptime_ms);
        s_json_str(stdout, h->faiss_build);
        printf(",\"model_version\":");
        s_json_str(stdout, h->model_version);
        printf(",\"api_version\":%" PRIu32 "}\n", h->api_version);
    } else {
        printf("status:        %s\n", h->status);
        printf("version:       %s\n", h->version);
        printf("uptime:        %.3f s\n", (double)h->uptime_ms / 1000.0);
        printf("faiss build:   %s\n", h->faiss_build);
        printf("model version: %s\n", h->model_version[0] ? h->model_version : "(none)");
        printf("api version:   %" PRIu32 "\n", h->api_version);
    }
    bole_response_free(resp);
    return EXIT_OK_;
}

/* ---- stats ------------------------------------------------------------- */

static int s_cmd_stats(const bolectl_cmd_t *cmd, bolectl_opts_t *o, int argc, char **argv)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__StatsRequest body = BOLE__STATS_REQUEST__INIT;
    Bole__Response *resp;
    const Bole__StatsResponse *s;
    int rc = s_parse_sub(o, cmd, argc, argv);

    if (rc >= 0)
        return rc;
    req.body_case = BOLE__REQUEST__BODY_STATS;
    req.stats = &body;
    rc = s_call(o, &req, &resp);
    if (rc != EXIT_OK_)
        return rc;
    if (resp->body_case != BOLE__RESPONSE__BODY_STATS || resp->stats == NULL) {
        fprintf(stderr, "bolectl: %s answered stats without a stats body\n", o->server);
        bole_response_free(resp);
        return EXIT_TRANSPORT;
    }
    s = resp->stats;
    if (o->json) {
        printf("{\"uptime_ms\":%" PRId64 ",\"talents\":%" PRIu64 ",\"needs\":%" PRIu64
               ",\"projects\":%" PRIu64 ",\"referrals\":%" PRIu64 ",\"requests\":%" PRIu64
               ",\"errors\":%" PRIu64 ",\"events_published\":%" PRIu64
               ",\"store_seq\":%" PRIu64 ",\"rss_bytes\":%" PRIu64 ",\"methods\":[",
               s->uptime_ms, s->talents, s->needs, s->projects, s->referrals, s->requests,
               s->errors, s->events_published, s->store_seq, s->rss_bytes);
        for (size_t i = 0; i < s->n_methods; i++) {
            const Bole__MethodStats *m = s->methods[i];
            printf("%s{\"method\":", i ? "," : "");
            s_json_str(stdout, m->method);
            printf(",\"requests\":%" PRIu64 ",\"errors\":%" PRIu64 ",\"p50_ms\":",
                   m->requests, m->errors);
            s_json_num(stdout, m->p50_ms);
            printf(",\"p99_ms\":");
            s_json_num(stdout, m->p99_ms);
            printf("}");
        }
        printf("]}\n");
    } else {
        printf("uptime:           %.3f s\n", (double)s->uptime_ms / 1000.0);
        printf("talents:          %" PRIu64 "\n", s->talents);
        printf("needs:            %" PRIu64 "\n", s->needs);
        printf("projects:         %" PRIu64 "\n", s->projects);
        printf("referrals:        %" PRIu64 "\n", s->referrals);
        printf("requests:         %" PRIu64 "\n", s->requests);
        printf("errors:           %" PRIu64 "\n", s->errors);
        printf("events published: %" PRIu64 "\n", s->events_published);
        printf("store seq:        %" PRIu64 "\n", s->store_seq);
        printf("rss:              %.1f MiB\n", (double)s->rss_bytes / (1024.0 * 1024.0));
        if (s->n_methods > 0) {
            printf("\n%-22s %10s %8s %10s %10s\n", "method", "requests", "errors",
                   "p50 ms", "p99 ms");
            for (size_t i = 0; i < s->n_methods; i++) {
                const Bole__MethodStats *m = s->methods[i];
                printf("%-22s %10" PRIu64 " %8" PRIu64 " %10.3f %10.3f\n", m->method,
                       m->requests, m->errors, m->p50_ms, m->p99_ms);
            }
        }
    }
    bole_response_free(resp);
    return EXIT_OK_;
}

/* ---- argument parsing -------------------------------------------------- */

/* Parse a positive int (milliseconds). Returns 0 on success. */
static int s_parse_ms(const char *arg, int *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(arg, &end, 10);
    if (errno != 0 || end == arg || *end != '\0' || v <= 0 || v > INT_MAX)
        return -1;
    *out = (int)v;
    return 0;
}

/* Try to consume one global option at argv[*i]. Returns 1 if consumed, 0 if
 * it is not a global option, or an exit status + 100 on error. */
static int s_global_opt(bolectl_opts_t *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    const char *val = NULL;
    size_t n;

    if (strcmp(a, "--json") == 0) {
        o->json = 1;
        return 1;
    }
    for (int k = 0; k < 2; k++) {
        const char *name = k == 0 ? "--server" : "--timeout";
        n = strlen(name);
        if (strncmp(a, name, n) != 0 || (a[n] != '\0' && a[n] != '='))
            continue;
        if (a[n] == '=') {
            val = a + n + 1;
        } else if (*i + 1 < argc) {
            val = argv[++*i];
        } else {
            fprintf(stderr, "bolectl: %s needs a value\n", name);
            return 100 + EXIT_USAGE;
        }
        if (k == 0) {
            if (val[0] == '\0') {
                fprintf(stderr, "bolectl: --server needs an endpoint\n");
                return 100 + EXIT_USAGE;
            }
            o->server = val;
        } else if (s_parse_ms(val, &o->timeout_ms) != 0) {
            fprintf(stderr, "bolectl: --timeout wants a positive number of milliseconds, not '%s'\n",
                    val);
            return 100 + EXIT_USAGE;
        }
        return 1;
    }
    return 0;
}

static int s_parse_sub(bolectl_opts_t *o, const bolectl_cmd_t *cmd, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        int r;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(cmd->help, stdout);
            return EXIT_OK_;
        }
        r = s_global_opt(o, argc, argv, &i);
        if (r >= 100)
            return r - 100;
        if (r == 0) {
            fprintf(stderr, "bolectl: %s: unexpected argument '%s'\n", cmd->name, argv[i]);
            fputs(cmd->help, stderr);
            return EXIT_USAGE;
        }
    }
    return -1;
}

int main(int argc, char **argv)
{
    bolectl_opts_t o = { BOLE_DEFAULT_ENDPOINT, 2000, 0 };
    const bolectl_cmd_t *cmd;
    int i;

    for (i = 1; i < argc; i++) {
        int r;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            s_usage(stdout);
            return EXIT_OK_;
        }
        if (argv[i][0] != '-')
            break;
        r = s_global_opt(&o, argc, argv, &i);
        if (r >= 100)
            return r - 100;
        if (r == 0) {
            fprintf(stderr, "bolectl: unknown option '%s'\n", argv[i]);
            s_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (i == argc) {
        fprintf(stderr, "bolectl: no command given\n");
        s_usage(stderr);
        return EXIT_USAGE;
    }
    cmd = s_find(argv[i]);
    if (cmd == NULL) {
        fprintf(stderr, "bolectl: unknown command '%s'\n", argv[i]);
        s_usage(stderr);
        return EXIT_USAGE;
    }
    return cmd->fn(cmd, &o, argc - i, argv + i);
}
