/*
 * bole-report - writes a self-contained HTML report of supply and demand
 * (inline SVG charts, readable offline) from a running boled's Trends.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

static void s_usage(FILE *out)
{
    fputs("usage: bole-report [--server ENDPOINT] [--out FILE] [--window day|week|month]\n"
          "                   [--from MS] [--to MS] [--top N]\n"
          "\n"
          "Writes one HTML page (no scripts, no external files) with supply vs demand\n"
          "over time for the top skills and industries, shortage/surplus/mover tables\n"
          "and a per-zone view, from the Trends answers of a running boled.\n"
          "\n"
          "  --server ENDPOINT  boled request endpoint (default " BOLE_DEFAULT_ENDPOINT ")\n"
          "  --out FILE         write here (default: standard output)\n"
          "  --window W         day, week (default) or month\n"
          "  --from MS --to MS  range in Unix ms (default: the last 12 periods to now)\n"
          "  --top N            keys per chart group and table (default 8)\n"
          "  --help             this text\n", out);
}

static int s_int64(const char *flag, const char *v, long long *out)
{
    char *end = NULL;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || !end || *end || x < 0) {
        fprintf(stderr, "bole-report: %s wants a number >= 0, not '%s'\n", flag, v);
        return -1;
    }
    *out = x;
    return 0;
}

int main(int argc, char **argv)
{
    const char *server = BOLE_DEFAULT_ENDPOINT, *path = NULL;
    report_options_t o = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            s_usage(stdout);
            return 0;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "bole-report: '%s' needs a value (see --help)\n", a);
            return 2;
        }
        const char *v = argv[++i];
        long long x = 0;
        if (strcmp(a, "--server") == 0) {
            server = v;
        } else if (strcmp(a, "--out") == 0) {
            path = v;
        } else if (strcmp(a, "--window") == 0) {
            o.window = strcmp(v, "day") == 0 ? 1 : strcmp(v, "week") == 0 ? 2
                     : strcmp(v, "month") == 0 ? 3 : -1;
            if (o.window < 0) {
                fprintf(stderr, "bole-report: --window is day, week or month, not '%s'\n", v);
                return 2;
            }
        } else if (strcmp(a, "--from") == 0 || strcmp(a, "--to") == 0 ||
                   strcmp(a, "--top") == 0) {
            if (s_int64(a, v, &x) != 0)
                return 2;
            if (a[2] == 'f')
                o.from = x;
            else if (a[3] == 'o' && a[4] == '\0')
                o.to = x;
            else
                o.top = x > 200 ? 200 : (unsigned)x;
        } else {
            fprintf(stderr, "bole-report: unknown option '%s' (see --help)\n", a);
            return 2;
        }
    }
    bole_client_t *c = bole_client_new(server, 10000);
    if (!c) {
        fprintf(stderr, "bole-report: bad endpoint '%s'\n", server);
        return 2;
    }
    FILE *out = path ? fopen(path, "w") : stdout;
    if (!out) {
        fprintf(stderr, "bole-report: cannot write %s: %s\n", path, strerror(errno));
        bole_client_destroy(&c);
        return 1;
    }
    int rc = report_write(c, &o, out);
    if (path && fclose(out) != 0)
        rc = -1;
    bole_client_destroy(&c);
    if (rc != 0 && path)
        remove(path);
    return rc == 0 ? 0 : 1;
}
