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
#include <sys/types.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bole/client.h"
#include "bolectl.h"
#include "json.h"
#include "pbjson.h"

static int s_cmd_health(const struct bolectl_cmd *cmd, bolectl_opts_t *o, int argc, char **argv);
static int s_cmd_stats(const struct bolectl_cmd *cmd, bolectl_opts_t *o, int argc, char **argv);
static int s_cmd_put(const struct bolectl_cmd *cmd, bolectl_opts_t *o, int argc, char **argv);
static int s_cmd_idop(const struct bolectl_cmd *cmd, bolectl_opts_t *o, int argc, char **argv);
static int s_cmd_match(const struct bolectl_cmd *cmd, bolectl_opts_t *o, int argc, char **argv);

/* watch (cmd_watch.c) */
extern const char bolectl_watch_help[];
int bolectl_cmd_watch(const bolectl_cmd_t *cmd, bolectl_opts_t *o, int argc, char **argv);
/* team (cmd_team.c) */
extern const char bolectl_team_help[];
int bolectl_cmd_team(const bolectl_cmd_t *cmd, bolectl_opts_t *o, int argc, char **argv);

/* referrals (cmd_referrals.c) */
int bolectl_cmd_referrals(const bolectl_cmd_t *cmd, bolectl_opts_t *o, int argc, char **argv);

static const bolectl_cmd_t s_commands[] = {
    { "referrals", "Bole Award: leaderboard, statement, verify, show",
      "usage: bolectl [global options] referrals leaderboard [--period P] [--zone Z]\n"
      "                 [--kind institution|individual] [--limit N]\n"
      "       bolectl referrals statement REFERRER [--period P]\n"
      "       bolectl referrals verify\n"
      "       bolectl referrals show R-ID\n"
      "\n"
      "P is YYYY, YYYY-Qn or YYYY-MM (default: all time). verify exits 1 when\n"
      "the ledger's hash chain is broken and names the first bad entry.\n",
      bolectl_cmd_referrals },
    { "health", "liveness and build information",
      "usage: bolectl [global options] health\n"
      "\n"
      "Ask boled whether it is serving; print its status, version, uptime,\n"
      "FAISS build, model version and API version.\n",
      s_cmd_health },
    { "keygen", "make a CURVE key pair for a client",
      "usage: bolectl keygen PREFIX\n"
      "\n"
      "Write a new CURVE key pair: PREFIX.key (secret, mode 0600) and PREFIX.pub\n"
      "(public), and print the public key. Give the public key to the boled\n"
      "operator for the allow-list (--auth FILE: 'name role key [zones]'); then\n"
      "call with --server-key SERVER.pub --key PREFIX. Refuses to overwrite.\n",
      bolectl_cmd_keygen },
    { "stats", "counters and per-method latencies",
      "usage: bolectl [global options] stats\n"
      "\n"
      "Print stored record counts, request and error totals, and for each\n"
      "method: requests, errors, p50 and p99 latency in milliseconds.\n",
      s_cmd_stats },
    { "put", "import talents or needs from a JSON-lines file",
      "usage: bolectl [global options] put talents|needs FILE.jsonl\n"
      "\n"
      "Import one JSON object per line (blank lines are skipped), with the\n"
      "field names of proto/bole.proto, e.g.\n"
      "  {\"external_id\":\"T1\",\"zone\":\"Binhai\",\"occupation\":\"Data Scientist\",\n"
      "   \"skills\":[{\"name\":\"Python\",\"level\":4}],\"education\":\"EDUCATION_MASTER\"}\n"
      "Enums take their names or numbers. The whole file is checked first: if\n"
      "any line is not valid, every bad line is reported as FILE:LINE and\n"
      "nothing is sent. Then the records go in bulk puts of 1,000 (each one\n"
      "all or nothing), with a progress line on stderr for long files. If\n"
      "boled refuses items of a bulk put, they are reported with their line\n"
      "numbers, that bulk put and later ones are not stored (earlier ones are)\n"
      "and the exit status is 1. FILE may be - for standard input.\n",
      s_cmd_put },
    { "get", "print one talent or need",
      "usage: bolectl [global options] get talent|need ID\n"
      "\n"
      "Print the stored record with external id ID (all fields with --json).\n",
      s_cmd_idop },
    { "delete", "delete one talent or need",
      "usage: bolectl [global options] delete talent|need ID\n"
      "\n"
      "Delete the record with external id ID (profile and vector).\n",
      s_cmd_idop },
    { "close", "close a need",
      "usage: bolectl [global options] close need ID\n"
      "\n"
      "Close need ID: it is no longer matched by default.\n",
      s_cmd_idop },
    { "match", "rank talents for a need, or needs for a talent",
      "usage: bolectl [global options] match need|talent ID [options]\n"
      "\n"
      "Rank talents for need ID (match need) or needs for talent ID (match\n"
      "talent) and print rank, id, score, similarity, title and zone.\n"
      "\n"
      "options:\n"
      "  --k N                  results wanted, 1-1000 (default 10)\n"
      "  --zone Z               only candidates in zone Z (repeatable)\n"
      "  --industry I           only candidates with industry I (repeatable)\n"
      "  --category NAME        talent candidates holding this category, e.g.\n"
      "                         CATEGORY_HIGH_LEVEL (repeatable)\n"
      "  --exclude ID           never return ID (repeatable)\n"
      "  --min-experience Y     talent candidates with at least Y years\n"
      "  --organisation O       need candidates of organisation O (repeatable)\n"
      "  --include-closed       also closed or expired needs\n"
      "  --include-unavailable  also unavailable talents\n"
      "  --explain              per-result feature contributions and notes\n",
      s_cmd_match },
    { "watch", "follow the live match stream (catches up after restarts)",
      bolectl_watch_help, bolectl_cmd_watch },
    { "team", "form teams for a project; accept, withdraw, dissolve",
      bolectl_team_help, bolectl_cmd_team },
    { "event", "job fairs: create, register, run, schedule, agenda",
      bolectl_event_help, bolectl_cmd_event },
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
            "  --server-key FILE  the server's public key (CURVE; with --key)\n"
            "  --key PREFIX       this client's key pair PREFIX.key/.pub (bolectl keygen)\n"
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
void bolectl_json_str(FILE *f, const char *s)
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
void bolectl_json_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.6g", v);
    else
        fputs("null", f);
}

/* ---- calling the daemon ------------------------------------------------ */

/* Reads the first line of a key file (40 characters of Z85). */
static int s_read_key(const char *path, char out[41])
{
    FILE *f = fopen(path, "r");
    char line[128] = "";
    if (f == NULL) {
        fprintf(stderr, "bolectl: cannot read key file %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (fgets(line, sizeof line, f) == NULL)
        line[0] = '\0';
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    if (strlen(line) != 40) {
        fprintf(stderr, "bolectl: %s does not hold a 40-character Z85 key\n", path);
        return -1;
    }
    memcpy(out, line, 41);
    return 0;
}

bole_client_t *bolectl_client_new(const bolectl_opts_t *o)
{
    bole_client_t *c = bole_client_new(o->server, o->timeout_ms);
    if (c == NULL) {
        fprintf(stderr, "bolectl: cannot connect to %s (bad endpoint?)\n", o->server);
        return NULL;
    }
    if (o->server_key_file == NULL && o->key_prefix == NULL)
        return c;
    char server[41], pub[41], sec[41], path[4096];
    if (o->server_key_file == NULL || o->key_prefix == NULL) {
        fprintf(stderr, "bolectl: CURVE needs both --server-key FILE and --key PREFIX\n");
        bole_client_destroy(&c);
        return NULL;
    }
    int ok = s_read_key(o->server_key_file, server) == 0;
    snprintf(path, sizeof path, "%s.pub", o->key_prefix);
    ok = ok && s_read_key(path, pub) == 0;
    snprintf(path, sizeof path, "%s.key", o->key_prefix);
    ok = ok && s_read_key(path, sec) == 0;
    if (!ok || bole_client_set_curve(c, server, pub, sec) != BOLE_OK) {
        if (ok)
            fprintf(stderr, "bolectl: cannot set up CURVE with these keys\n");
        bole_client_destroy(&c);
        return NULL;
    }
    return c;
}

/* Send `req`; on success *out holds an OK response. Prints the failure and
 * returns its exit status otherwise. */
int bolectl_call(const bolectl_opts_t *o, Bole__Request *req, Bole__Response **out)
{
    bole_client_t *c = bolectl_client_new(o);
    int rc;

    *out = NULL;
    if (c == NULL)
        return EXIT_TRANSPORT;
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
int bolectl_parse_sub(bolectl_opts_t *o, const bolectl_cmd_t *cmd, int argc, char **argv);

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
    int rc = bolectl_parse_sub(o, cmd, argc, argv);

    if (rc >= 0)
        return rc;
    req.body_case = BOLE__REQUEST__BODY_HEALTH;
    req.health = &body;
    rc = bolectl_call(o, &req, &resp);
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
        bolectl_json_str(stdout, h->status);
        printf(",\"version\":");
        bolectl_json_str(stdout, h->version);
        printf(",\"uptime_ms\":%" PRId64 ",\"faiss_build\":", h->uptime_ms);
        bolectl_json_str(stdout, h->faiss_build);
        printf(",\"model_version\":");
        bolectl_json_str(stdout, h->model_version);
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
    int rc = bolectl_parse_sub(o, cmd, argc, argv);

    if (rc >= 0)
        return rc;
    req.body_case = BOLE__REQUEST__BODY_STATS;
    req.stats = &body;
    rc = bolectl_call(o, &req, &resp);
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
            bolectl_json_str(stdout, m->method);
            printf(",\"requests\":%" PRIu64 ",\"errors\":%" PRIu64 ",\"p50_ms\":",
                   m->requests, m->errors);
            bolectl_json_num(stdout, m->p50_ms);
            printf(",\"p99_ms\":");
            bolectl_json_num(stdout, m->p99_ms);
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
    for (int k = 0; k < 4; k++) {
        static const char *const names[] = {"--server", "--timeout", "--server-key", "--key"};
        const char *name = names[k];
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
        } else if (k == 1) {
            if (s_parse_ms(val, &o->timeout_ms) != 0) {
                fprintf(stderr,
                        "bolectl: --timeout wants a positive number of milliseconds, not '%s'\n",
                        val);
                return 100 + EXIT_USAGE;
            }
        } else if (k == 2) {
            o->server_key_file = val;
        } else {
            o->key_prefix = val;
        }
        return 1;
    }
    return 0;
}

int bolectl_parse_sub(bolectl_opts_t *o, const bolectl_cmd_t *cmd, int argc, char **argv)
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

/* ---- shared helpers for the record commands ---------------------------- */

/* Parse a non-negative number (integer if `integer`). Returns 0 on success. */
static int s_parse_num(const char *arg, double lo, double hi, int integer, double *out)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(arg, &end);
    if (errno != 0 || end == arg || *end != '\0' || !isfinite(v) || v < lo || v > hi
        || (integer && v != floor(v)))
        return -1;
    *out = v;
    return 0;
}

/* The kind word after the command: 1 talent(s), 2 need(s), 0 otherwise. */
static int s_kind(const char *w)
{
    if (strcmp(w, "talent") == 0 || strcmp(w, "talents") == 0)
        return 1;
    if (strcmp(w, "need") == 0 || strcmp(w, "needs") == 0)
        return 2;
    return 0;
}

/* Check a response body case; prints and returns EXIT_TRANSPORT on mismatch. */
static int s_body(const bolectl_opts_t *o, Bole__Response *resp, Bole__Response__BodyCase want,
                  const void *body)
{
    if (resp->body_case == want && body != NULL)
        return EXIT_OK_;
    fprintf(stderr, "bolectl: %s answered without the expected body\n", o->server);
    return EXIT_TRANSPORT;
}

/* ---- put --------------------------------------------------------------- */

#define PUT_CHUNK 1000

/* One parsed line. */
typedef struct put_item {
    ProtobufCMessage *msg;  /* Bole__Talent or Bole__Need. Owned. */
    long line;              /* 1-based line in the file. */
} put_item_t;

/* Read the next non-blank line. Returns its length, 0 at EOF, -1 on error. */
static ssize_t s_next_line(FILE *f, char **buf, size_t *cap, long *lineno)
{
    for (;;) {
        ssize_t n = getline(buf, cap, f);
        if (n < 0)
            return ferror(f) ? -1 : 0;
        (*lineno)++;
        while (n > 0 && ((*buf)[n - 1] == '\n' || (*buf)[n - 1] == '\r'))
            (*buf)[--n] = '\0';
        for (ssize_t i = 0; i < n; i++)
            if ((*buf)[i] != ' ' && (*buf)[i] != '\t')
                return n;
    }
}

/* Parse one line into a message. Returns 0, or -1 with `err` set. */
static int s_parse_line(int kind, const char *line, size_t len, ProtobufCMessage **out,
                        char *err, size_t errlen)
{
    json_t *j = NULL;
    int rc;

    if (json_parse(&j, line, len, err, errlen) != 0)
        return -1;
    rc = pbjson_from_json(out, kind == 1 ? &bole__talent__descriptor : &bole__need__descriptor,
                          j, err, errlen);
    json_destroy(&j);
    return rc;
}

static void s_free_items(put_item_t *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        protobuf_c_message_free_unpacked(items[i].msg, NULL);
        items[i].msg = NULL;
    }
}

/* Send one bulk put. Adds to *created / *replaced; prints refused items.
 * Returns an exit status. */
static int s_put_chunk(bolectl_opts_t *o, bole_client_t *c, int kind, const char *file,
                       put_item_t *items, size_t n, uint64_t *created, uint64_t *replaced)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__PutTalentsRequest bt = BOLE__PUT_TALENTS_REQUEST__INIT;
    Bole__PutNeedsRequest bn = BOLE__PUT_NEEDS_REQUEST__INIT;
    Bole__Response *resp = NULL;
    const Bole__BulkPutResponse *b;
    void **msgs = malloc(n * sizeof *msgs);
    int rc;

    if (msgs == NULL) {
        fprintf(stderr, "bolectl: out of memory\n");
        return EXIT_STATUS;
    }
    for (size_t i = 0; i < n; i++)
        msgs[i] = items[i].msg;
    if (kind == 1) {
        bt.talents = (Bole__Talent **)msgs;
        bt.n_talents = n;
        req.body_case = BOLE__REQUEST__BODY_PUT_TALENTS;
        req.put_talents = &bt;
    } else {
        bn.needs = (Bole__Need **)msgs;
        bn.n_needs = n;
        req.body_case = BOLE__REQUEST__BODY_PUT_NEEDS;
        req.put_needs = &bn;
    }
    rc = bole_client_call(c, &req, &resp);
    free(msgs);
    if (rc != BOLE_OK) {
        fprintf(stderr, "bolectl: %s: %s (lines %ld-%ld may or may not be stored)\n", o->server,
                bole_strerror(rc), items[0].line, items[n - 1].line);
        return EXIT_TRANSPORT;
    }
    b = kind == 1 ? resp->put_talents : resp->put_needs;
    if (resp->status != BOLE__STATUS_CODE__OK) {
        fprintf(stderr, "bolectl: %s: %s; lines %ld-%ld not stored\n",
                bole_status_name((int)resp->status), resp->error[0] ? resp->error : "(no message)",
                items[0].line, items[n - 1].line);
        for (size_t i = 0; b != NULL && i < b->n_errors; i++) {
            const Bole__ItemError *e = b->errors[i];
            long line = e->index < n ? items[e->index].line : -1;
            fprintf(stderr, "%s:%ld: %s: %s\n", file, line, bole_status_name((int)e->status),
                    e->error);
        }
        bole_response_free(resp);
        return EXIT_STATUS;
    }
    for (size_t i = 0; b != NULL && i < b->n_results; i++) {
        if (b->results[i]->created)
            (*created)++;
        else
            (*replaced)++;
    }
    bole_response_free(resp);
    return EXIT_OK_;
}

static int s_cmd_put(const bolectl_cmd_t *cmd, bolectl_opts_t *o, int argc, char **argv)
{
    const char *pos[2] = { NULL, NULL };
    int npos = 0, kind, rc = EXIT_OK_;
    FILE *f;
    char *line = NULL, err[512];
    size_t cap = 0, nitems = 0;
    long lineno = 0, bad = 0, records = 0;
    ssize_t n;
    put_item_t *items = NULL;
    uint64_t created = 0, replaced = 0;
    bole_client_t *c = NULL;

    for (int i = 1; i < argc; i++) {
        int r;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(cmd->help, stdout);
            return EXIT_OK_;
        }
        r = s_global_opt(o, argc, argv, &i);
        if (r >= 100)
            return r - 100;
        if (r == 1)
            continue;
        if (npos < 2 && (argv[i][0] != '-' || strcmp(argv[i], "-") == 0)) {
            pos[npos++] = argv[i];
            continue;
        }
        fprintf(stderr, "bolectl: put: unexpected argument '%s'\n", argv[i]);
        fputs(cmd->help, stderr);
        return EXIT_USAGE;
    }
    kind = npos == 2 ? s_kind(pos[0]) : 0;
    if (kind == 0) {
        fputs(cmd->help, stderr);
        return EXIT_USAGE;
    }
    f = strcmp(pos[1], "-") == 0 ? stdin : fopen(pos[1], "r");
    if (f == NULL) {
        fprintf(stderr, "bolectl: put: cannot open %s: %s\n", pos[1], strerror(errno));
        return EXIT_USAGE;
    }

    /* Pass 1: every line must parse. Standard input cannot be read twice,
     * so it is held in memory. */
    FILE *mem = NULL;
    char *membuf = NULL;
    size_t memlen = 0;
    if (f == stdin) {
        mem = open_memstream(&membuf, &memlen);
        if (mem == NULL) {
            fprintf(stderr, "bolectl: out of memory\n");
            return EXIT_STATUS;
        }
    }
    while ((n = s_next_line(f, &line, &cap, &lineno)) > 0) {
        ProtobufCMessage *m = NULL;
        if (mem)
            fprintf(mem, "%s\n", line);
        records++;
        if (s_parse_line(kind, line, (size_t)n, &m, err, sizeof err) != 0) {
            if (bad < 100)
                fprintf(stderr, "%s:%ld: %s\n", pos[1], lineno, err);
            bad++;
            continue;
        }
        protobuf_c_message_free_unpacked(m, NULL);
    }
    if (mem)
        fprintf(mem, "\n");
    if (n < 0) {
        fprintf(stderr, "bolectl: put: reading %s: %s\n", pos[1], strerror(errno));
        rc = EXIT_USAGE;
        goto out;
    }
    if (bad > 0) {
        fprintf(stderr, "bolectl: put: %ld of %ld lines invalid; nothing sent\n", bad, records);
        rc = EXIT_STATUS;
        goto out;
    }
    if (records == 0) {
        fprintf(stderr, "bolectl: put: %s holds no records\n", pos[1]);
        rc = EXIT_STATUS;
        goto out;
    }

    /* Pass 2: send in chunks. */
    if (mem) {
        fclose(mem);
        mem = NULL;
        f = fmemopen(membuf, memlen, "r");
    } else {
        rewind(f);
    }
    c = bolectl_client_new(o);
    if (c != NULL)
        bole_client_set_timeout(c, o->timeout_ms < 30000 ? 30000 : o->timeout_ms);
    items = calloc(PUT_CHUNK, sizeof *items);
    if (f == NULL || c == NULL || items == NULL) {
        fprintf(stderr, "bolectl: put: cannot set up (out of memory or bad endpoint)\n");
        rc = EXIT_TRANSPORT;
        goto out;
    }
    lineno = 0;
    for (;;) {
        n = s_next_line(f, &line, &cap, &lineno);
        if (n > 0) {
            if (s_parse_line(kind, line, (size_t)n, &items[nitems].msg, err, sizeof err) != 0) {
                fprintf(stderr, "%s:%ld: %s (file changed while reading?)\n", pos[1], lineno,
                        err);
                rc = EXIT_STATUS;
                break;
            }
            items[nitems++].line = lineno;
        }
        if (nitems > 0 && (nitems == PUT_CHUNK || n <= 0)) {
            rc = s_put_chunk(o, c, kind, pos[1], items, nitems, &created, &replaced);
            s_free_items(items, nitems);
            nitems = 0;
            if (rc != EXIT_OK_)
                break;
            if (records > PUT_CHUNK)
                fprintf(stderr, "bolectl: put %s: %" PRIu64 "/%ld records\n", pos[0],
                        created + replaced, records);
        }
        if (n <= 0)
            break;
    }
    if (rc == EXIT_OK_) {
        const char *what = kind == 1 ? "talents" : "needs";
        if (o->json)
            printf("{\"kind\":\"%s\",\"put\":%" PRIu64 ",\"created\":%" PRIu64
                   ",\"replaced\":%" PRIu64 "}\n", what, created + replaced, created, replaced);
        else
            printf("put %" PRIu64 " %s from %s (%" PRIu64 " created, %" PRIu64 " replaced)\n",
                   created + replaced, what, pos[1], created, replaced);
    } else if (created + replaced > 0) {
        fprintf(stderr, "bolectl: put: %" PRIu64 " records before the failure were stored\n",
                created + replaced);
    }
out:
    s_free_items(items, nitems);
    free(items);
    bole_client_destroy(&c);
    free(line);
    if (mem)
        fclose(mem);
    if (f != NULL && f != stdin)
        fclose(f);
    free(membuf);
    return rc;
}

/* ---- get / delete / close ---------------------------------------------- */

static int s_cmd_idop(const bolectl_cmd_t *cmd, bolectl_opts_t *o, int argc, char **argv)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__IdRequest body = BOLE__ID_REQUEST__INIT;
    Bole__Response *resp;
    const char *pos[2] = { NULL, NULL };
    int npos = 0, kind, rc;
    const char *verb = cmd->name;

    for (int i = 1; i < argc; i++) {
        int r;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(cmd->help, stdout);
            return EXIT_OK_;
        }
        r = s_global_opt(o, argc, argv, &i);
        if (r >= 100)
            return r - 100;
        if (r == 1)
            continue;
        if (npos < 2) {
            pos[npos++] = argv[i];
            continue;
        }
        fprintf(stderr, "bolectl: %s: unexpected argument '%s'\n", verb, argv[i]);
        fputs(cmd->help, stderr);
        return EXIT_USAGE;
    }
    kind = npos == 2 ? s_kind(pos[0]) : 0;
    if (kind == 0 || (strcmp(verb, "close") == 0 && kind != 2)) {
        fputs(cmd->help, stderr);
        return EXIT_USAGE;
    }
    body.id = (char *)pos[1];
    if (strcmp(verb, "get") == 0) {
        req.body_case = kind == 1 ? BOLE__REQUEST__BODY_GET_TALENT : BOLE__REQUEST__BODY_GET_NEED;
    } else if (strcmp(verb, "delete") == 0) {
        req.body_case = kind == 1 ? BOLE__REQUEST__BODY_DELETE_TALENT
                                  : BOLE__REQUEST__BODY_DELETE_NEED;
    } else {
        req.body_case = BOLE__REQUEST__BODY_CLOSE_NEED;
    }
    /* Every IdRequest case shares the one union slot. */
    req.get_talent = &body;
    rc = bolectl_call(o, &req, &resp);
    if (rc != EXIT_OK_)
        return rc;
    if (strcmp(verb, "get") == 0) {
        const ProtobufCMessage *m = kind == 1 ? (const ProtobufCMessage *)resp->talent
                                              : (const ProtobufCMessage *)resp->need;
        rc = s_body(o, resp, kind == 1 ? BOLE__RESPONSE__BODY_TALENT : BOLE__RESPONSE__BODY_NEED,
                    m);
        if (rc == EXIT_OK_) {
            if (o->json) {
                pbjson_print(stdout, m);
                fputc('\n', stdout);
            } else {
                pbjson_print_text(stdout, m, 0);
            }
        }
    } else if (o->json) {
        printf("{\"%s\":", verb);
        pbjson_print_str(stdout, pos[1]);
        printf(",\"kind\":\"%s\",\"status\":\"OK\"}\n", kind == 1 ? "talent" : "need");
    } else {
        printf("%s %s %s\n", strcmp(verb, "get") == 0 ? "got"
                             : strcmp(verb, "delete") == 0 ? "deleted" : "closed",
               kind == 1 ? "talent" : "need", pos[1]);
    }
    bole_response_free(resp);
    return rc;
}

/* ---- match ------------------------------------------------------------- */

/* Append `s` to a growable string list. Returns 0 on success. */
static int s_push(char ***list, size_t *n, char *s)
{
    char **nl = realloc(*list, (*n + 1) * sizeof *nl);

    if (nl == NULL)
        return -1;
    nl[(*n)++] = s;
    *list = nl;
    return 0;
}

static void s_print_match_text(const Bole__MatchResponse *m, int kind, int explain)
{
    printf("%4s  %-24s %7s %7s  %-28s %s\n", "rank", kind == 2 ? "talent" : "need", "score",
           "sim", "title", "zone");
    for (size_t i = 0; i < m->n_results; i++) {
        const Bole__MatchResult *r = m->results[i];
        printf("%4u  %-24s %7.4f %7.4f  %-28s %s\n", r->rank,
               kind == 2 ? r->talent_id : r->need_id, (double)r->score, (double)r->similarity,
               r->title, r->zone);
        if (explain && r->explanation != NULL) {
            const Bole__Explanation *e = r->explanation;
            for (size_t k = 0; k < e->n_contributions; k++) {
                const Bole__Contribution *c = e->contributions[k];
                printf("        %-26s value %6.3f x weight %6.3f = %7.4f\n", c->feature,
                       (double)c->value, (double)c->weight, (double)c->contribution);
            }
            if (e->n_matched_skills) {
                printf("        matched skills: ");
                for (size_t k = 0; k < e->n_matched_skills; k++)
                    printf("%s%s", k ? ", " : "", e->matched_skills[k]);
                printf("\n");
            }
            for (size_t k = 0; k < e->n_notes; k++)
                printf("        note: %s\n", e->notes[k]);
        }
    }
    printf("(%zu results, %u candidates considered, %s, weights %s)\n", m->n_results,
           m->candidates_considered, m->exact ? "exact" : "approximate", m->weights_version);
}

static int s_cmd_match(const bolectl_cmd_t *cmd, bolectl_opts_t *o, int argc, char **argv)
{
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__MatchForNeedRequest mn = BOLE__MATCH_FOR_NEED_REQUEST__INIT;
    Bole__MatchForTalentRequest mt = BOLE__MATCH_FOR_TALENT_REQUEST__INIT;
    Bole__MatchFilter f = BOLE__MATCH_FILTER__INIT;
    Bole__TalentCategory *cats = NULL;
    Bole__Response *resp = NULL;
    const char *pos[2] = { NULL, NULL };
    int npos = 0, kind, rc = EXIT_USAGE, explain = 0;
    uint32_t k = 10;
    double v;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        int r;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(cmd->help, stdout);
            rc = EXIT_OK_;
            goto out;
        }
        r = s_global_opt(o, argc, argv, &i);
        if (r >= 100) {
            rc = r - 100;
            goto out;
        }
        if (r == 1)
            continue;
        if (strcmp(a, "--explain") == 0) {
            explain = 1;
        } else if (strcmp(a, "--include-closed") == 0) {
            f.include_closed = 1;
        } else if (strcmp(a, "--include-unavailable") == 0) {
            f.include_unavailable = 1;
        } else if (a[0] == '-' && a[1] == '-' && val == NULL) {
            fprintf(stderr, "bolectl: match: %s needs a value\n", a);
            goto usage;
        } else if (strcmp(a, "--k") == 0) {
            if (s_parse_num(val, 1, 1000, 1, &v) != 0) {
                fprintf(stderr, "bolectl: match: --k wants a whole number 1-1000, not '%s'\n", val);
                goto usage;
            }
            k = (uint32_t)v;
            i++;
        } else if (strcmp(a, "--min-experience") == 0) {
            if (s_parse_num(val, 0, 80, 0, &v) != 0) {
                fprintf(stderr, "bolectl: match: --min-experience wants 0-80, not '%s'\n", val);
                goto usage;
            }
            f.min_experience_years = (float)v;
            i++;
        } else if (strcmp(a, "--zone") == 0 || strcmp(a, "--industry") == 0
                   || strcmp(a, "--exclude") == 0 || strcmp(a, "--organisation") == 0) {
            int ok = strcmp(a, "--zone") == 0 ? s_push(&f.zones, &f.n_zones, (char *)val)
                   : strcmp(a, "--industry") == 0
                       ? s_push(&f.industries, &f.n_industries, (char *)val)
                   : strcmp(a, "--exclude") == 0
                       ? s_push(&f.exclude_ids, &f.n_exclude_ids, (char *)val)
                       : s_push(&f.organisations, &f.n_organisations, (char *)val);
            if (ok != 0) {
                fprintf(stderr, "bolectl: out of memory\n");
                rc = EXIT_STATUS;
                goto out;
            }
            i++;
        } else if (strcmp(a, "--category") == 0) {
            const ProtobufCEnumValue *ev =
                protobuf_c_enum_descriptor_get_value_by_name(&bole__talent_category__descriptor,
                                                             val);
            Bole__TalentCategory *nc;
            if (ev == NULL || ev->value == 0) {
                fprintf(stderr, "bolectl: match: unknown category '%s'\n", val);
                goto usage;
            }
            nc = realloc(cats, (f.n_categories + 1) * sizeof *nc);
            if (nc == NULL) {
                rc = EXIT_STATUS;
                goto out;
            }
            cats = nc;
            cats[f.n_categories++] = (Bole__TalentCategory)ev->value;
            i++;
        } else if (a[0] != '-' && npos < 2) {
            pos[npos++] = a;
        } else {
            fprintf(stderr, "bolectl: match: unexpected argument '%s'\n", a);
            goto usage;
        }
    }
    f.categories = cats;
    kind = npos == 2 ? s_kind(pos[0]) : 0;
    if (kind == 0)
        goto usage;
    if (kind == 2) {
        mn.subject_case = BOLE__MATCH_FOR_NEED_REQUEST__SUBJECT_NEED_ID;
        mn.need_id = (char *)pos[1];
        mn.k = k;
        mn.filter = &f;
        mn.explain = explain;
        req.body_case = BOLE__REQUEST__BODY_MATCH_FOR_NEED;
        req.match_for_need = &mn;
    } else {
        mt.subject_case = BOLE__MATCH_FOR_TALENT_REQUEST__SUBJECT_TALENT_ID;
        mt.talent_id = (char *)pos[1];
        mt.k = k;
        mt.filter = &f;
        mt.explain = explain;
        req.body_case = BOLE__REQUEST__BODY_MATCH_FOR_TALENT;
        req.match_for_talent = &mt;
    }
    rc = bolectl_call(o, &req, &resp);
    if (rc != EXIT_OK_)
        goto out;
    rc = s_body(o, resp, BOLE__RESPONSE__BODY_MATCH, resp->match);
    if (rc != EXIT_OK_)
        goto out;
    if (o->json) {
        pbjson_print(stdout, (const ProtobufCMessage *)resp->match);
        fputc('\n', stdout);
    } else {
        s_print_match_text(resp->match, kind, explain);
    }
    goto out;
usage:
    fputs(cmd->help, stderr);
    rc = EXIT_USAGE;
out:
    bole_response_free(resp);
    free(f.zones);
    free(f.industries);
    free(f.exclude_ids);
    free(f.organisations);
    free(cats);
    return rc;
}

int main(int argc, char **argv)
{
    bolectl_opts_t o = { BOLE_DEFAULT_ENDPOINT, 2000, 0, NULL, NULL };
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
