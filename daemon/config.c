/*
 * config.c - see config.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { OPT_STRING, OPT_LONG, OPT_CHOICE, OPT_FLAG } opt_kind_t;

typedef struct {
    const char *name;       /* Long name, also the config-file key. */
    opt_kind_t kind;
    size_t offset;          /* Field in bole_config_t. */
    size_t size;            /* Buffer size for strings. */
    long min, max;          /* Bounds for OPT_LONG. */
    const char *choices;    /* Space-separated list for OPT_CHOICE. */
    const char *fallback;   /* Default, as text. */
    const char *help;
} option_t;

#define STR_OPT(n, field, def, help) \
    {n, OPT_STRING, offsetof(bole_config_t, field), \
     sizeof(((bole_config_t *)0)->field), 0, 0, NULL, def, help}
#define CHOICE_OPT(n, field, choices, def, help) \
    {n, OPT_CHOICE, offsetof(bole_config_t, field), \
     sizeof(((bole_config_t *)0)->field), 0, 0, choices, def, help}
#define LONG_OPT(n, field, lo, hi, def, help) \
    {n, OPT_LONG, offsetof(bole_config_t, field), sizeof(long), lo, hi, NULL, def, help}

#define FLAG_OPT(n, field, help) \
    {n, OPT_FLAG, offsetof(bole_config_t, field), sizeof(long), 0, 1, NULL, "0", help}

static const option_t s_options[] = {
    STR_OPT("listen", listen, "tcp://127.0.0.1:5555", "ZeroMQ endpoint for requests (ROUTER)"),
    STR_OPT("events", events, "tcp://127.0.0.1:5556", "ZeroMQ endpoint for events (PUB)"),
    STR_OPT("db", db, "var/bole.db", "SQLite database file (created if missing)"),
    STR_OPT("model", model_dir, "models", "model folder: bole.model, weights.conf, award rules"),
    CHOICE_OPT("log-level", log_level, "debug info warn error", "info", "log verbosity"),
    CHOICE_OPT("synchronous", synchronous, "full normal", "full",
               "full: an acknowledged write survives a power cut; normal: survives a crash only"),
    LONG_OPT("max-message-size", max_message_size, 1024, 256L << 20, "2097152",
             "largest request in bytes; larger ones are dropped by ZeroMQ"),
    LONG_OPT("max-bulk-items", max_bulk_items, 1, 100000, "10000", "items per bulk put"),
    LONG_OPT("max-in-flight", max_in_flight, 1, 1000000, "4096",
             "requests queued or running at once; more are answered RESOURCE_EXHAUSTED"),
    LONG_OPT("max-client-in-flight", max_client_in_flight, 1, 1000000, "256",
             "requests one connection may have queued or running; more are refused"),
    LONG_OPT("busy-bulk-rate", busy_bulk_rate, 0, 100000000, "3000",
             "while reads are being answered, bulk puts are acknowledged at this many "
             "profiles/s at most, so an import leaves CPU to Match (0 = no limit)"),
    STR_OPT("auth", auth, "",
            "allow-list of client keys (name role key [zones]); turns CURVE encryption on"),
    STR_OPT("server-key", server_key, "",
            "server secret key file, created (mode 0600) if missing; default <db>.key"),
    FLAG_OPT("insecure", insecure,
             "allow binding non-loopback endpoints without CURVE (plaintext, no auth)"),
    LONG_OPT("index-nprobe", index_nprobe, 0, 65536, "0",
             "IVF lists probed per search; 0 = calibrated per index tier"),
    LONG_OPT("index-recall-target", index_recall_target, 500, 1000, "980",
             "calibration's recall@200 target, in thousandths (980 = 0.98)"),
};
#define N_OPTIONS (sizeof s_options / sizeof s_options[0])

static const option_t *s_find(const char *name)
{
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (strcmp(s_options[i].name, name) == 0)
            return &s_options[i];
    return NULL;
}

static int s_in_choices(const char *choices, const char *value)
{
    size_t len = strlen(value);
    const char *p = choices;
    while (*p) {
        const char *end = strchr(p, ' ');
        size_t word = end ? (size_t)(end - p) : strlen(p);
        if (word == len && strncmp(p, value, len) == 0)
            return 1;
        if (!end)
            break;
        p = end + 1;
    }
    return 0;
}

int bole_config_set(bole_config_t *config, const char *name, const char *value,
                    char *err, size_t errlen)
{
    const option_t *opt = s_find(name);
    if (!opt) {
        snprintf(err, errlen, "unknown option '%s'", name);
        return -1;
    }
    char *field = (char *)config + opt->offset;
    switch (opt->kind) {
    case OPT_STRING:
        if (value[0] == '\0') {
            snprintf(err, errlen, "option '%s' needs a value", name);
            return -1;
        }
        if (strlen(value) >= opt->size) {
            snprintf(err, errlen, "option '%s' is longer than %zu bytes", name,
                     opt->size - 1);
            return -1;
        }
        memcpy(field, value, strlen(value) + 1);
        return 0;
    case OPT_CHOICE:
        if (!s_in_choices(opt->choices, value)) {
            snprintf(err, errlen, "option '%s' must be one of: %s (got '%s')", name,
                     opt->choices, value);
            return -1;
        }
        memcpy(field, value, strlen(value) + 1);
        return 0;
    case OPT_FLAG: {
        long v;
        if (strcmp(value, "1") == 0 || strcmp(value, "true") == 0 || strcmp(value, "yes") == 0)
            v = 1;
        else if (strcmp(value, "0") == 0 || strcmp(value, "false") == 0 || strcmp(value, "no") == 0)
            v = 0;
        else {
            snprintf(err, errlen, "option '%s' is on or off: 1/0, true/false, yes/no (got '%s')",
                     name, value);
            return -1;
        }
        memcpy(field, &v, sizeof v);
        return 0;
    }
    case OPT_LONG: {
        char *end = NULL;
        errno = 0;
        long v = strtol(value, &end, 10);
        if (errno || end == value || *end != '\0') {
            snprintf(err, errlen, "option '%s' needs an integer (got '%s')", name, value);
            return -1;
        }
        if (v < opt->min || v > opt->max) {
            snprintf(err, errlen, "option '%s' must be between %ld and %ld (got %ld)",
                     name, opt->min, opt->max, v);
            return -1;
        }
        memcpy(field, &v, sizeof v);
        return 0;
    }
    }
    return -1;
}

void bole_config_defaults(bole_config_t *config)
{
    memset(config, 0, sizeof *config);
    char err[256];
    for (size_t i = 0; i < N_OPTIONS; i++) {
        int rc = bole_config_set(config, s_options[i].name, s_options[i].fallback, err,
                                 sizeof err);
        (void)rc; /* Defaults are within their own bounds by construction. */
    }
}

int bole_config_is_flag(const char *name)
{
    const option_t *opt = s_find(name);
    return opt && opt->kind == OPT_FLAG;
}

static char *s_trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

int bole_config_load_file(bole_config_t *config, const char *path, char *err,
                          size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot open config file %s: %s", path, strerror(errno));
        return -1;
    }
    /* Parse into a copy so a bad line leaves the config unchanged. */
    bole_config_t next = *config;
    char line[4096];
    int lineno = 0, rc = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *text = s_trim(line);
        if (*text == '\0')
            continue;
        char *eq = strchr(text, '=');
        if (!eq) {
            snprintf(err, errlen, "%s:%d: expected 'name = value'", path, lineno);
            rc = -1;
            break;
        }
        *eq = '\0';
        char *name = s_trim(text), *value = s_trim(eq + 1);
        char why[512];
        if (bole_config_set(&next, name, value, why, sizeof why) != 0) {
            snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
            rc = -1;
            break;
        }
    }
    fclose(f);
    if (rc == 0)
        *config = next;
    return rc;
}

void bole_config_print_help(void *stream)
{
    FILE *out = stream;
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const option_t *o = &s_options[i];
        fprintf(out, "  --%-18s %s\n  %-20s   (default: %s", o->name, o->help, "",
                o->fallback[0] ? o->fallback : "none");
        if (o->kind == OPT_CHOICE)
            fprintf(out, "; one of: %s", o->choices);
        fprintf(out, ")\n");
    }
}
