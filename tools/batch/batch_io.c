/* batch_io.c — CSV reading and writing for bole-batch (see batch_io.h). */
#define _POSIX_C_SOURCE 200809L
#include "batch_io.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int batch_csv_split(char *line, char **f, size_t max, size_t *n, const char **why)
{
    char *p = line;
    *n = 0;
    for (;;) {
        if (*n == max) {
            *why = "too many fields";
            return -1;
        }
        if (*p == '"') {
            /* Quoted: unescape in place ("" -> "), then expect ',' or end. */
            char *w = ++p;
            f[(*n)++] = w;
            for (;;) {
                if (*p == '\0') {
                    *why = "unterminated quoted field";
                    return -1;
                }
                if (*p == '"') {
                    if (p[1] == '"') {
                        *w++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                *w++ = *p++;
            }
            if (*p != ',' && *p != '\0') {
                *w = '\0';
                *why = "text after a closing quote";
                return -1;
            }
            char end = *p;
            *w = '\0';
            if (end == '\0')
                return 0;
            p++;
            continue;
        }
        f[(*n)++] = p;
        char *q = p + strcspn(p, ",\"");
        if (*q == '"') {
            *why = "a quote inside an unquoted field (quote the whole field)";
            return -1;
        }
        if (*q == '\0')
            return 0;
        *q = '\0';
        p = q + 1;
    }
}

void batch_csv_put(FILE *f, const char *s)
{
    if (!s[strcspn(s, ",\"\r\n")]) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static FILE *s_open(const char *dir, const char *mode, const char *name, const char *header)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s_%s", dir, mode, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "bole-batch: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    fputs(header, f);
    return f;
}

static int s_cmp_talent(const void *x, const void *y)
{
    const batch_row_t *p = x, *q = y;
    int c = strcmp(p->talent, q->talent);
    return c ? c : p->slot < q->slot ? -1 : p->slot > q->slot;
}

static int s_cmp_need(const void *x, const void *y)
{
    const batch_row_t *p = x, *q = y;
    int c = strcmp(p->need, q->need);
    return c ? c : p->slot < q->slot ? -1 : p->slot > q->slot;
}

/* One line "a,slot,b,score" of an agenda. */
static void s_agenda_line(FILE *f, const char *a, uint32_t slot, const char *b, double score)
{
    batch_csv_put(f, a);
    fprintf(f, ",%u,", slot);
    batch_csv_put(f, b);
    fprintf(f, ",%.6f\n", score);
}

static int s_close(FILE *f, const char *what)
{
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        fprintf(stderr, "bole-batch: writing %s failed\n", what);
        return -1;
    }
    return 0;
}

int batch_write_outputs(const char *dir, const char *mode, const batch_row_t *rows, size_t n,
                        const char *const *unmatched_ids, const char *const *reasons,
                        size_t n_unmatched)
{
    batch_row_t *sorted = malloc((n + 1) * sizeof *sorted);
    if (!sorted) {
        fprintf(stderr, "bole-batch: out of memory\n");
        return -1;
    }
    int rc = -1;
    FILE *f = s_open(dir, mode, "assignments.csv", "talent_id,need_id,score,slot\n");
    if (!f)
        goto out;
    for (size_t i = 0; i < n; i++) {
        batch_csv_put(f, rows[i].talent);
        fputc(',', f);
        batch_csv_put(f, rows[i].need);
        fprintf(f, ",%.6f,%u\n", rows[i].score, rows[i].slot);
    }
    if (s_close(f, "assignments.csv") != 0)
        goto out;
    if (n)
        memcpy(sorted, rows, n * sizeof *rows);
    qsort(sorted, n, sizeof *sorted, s_cmp_talent);
    f = s_open(dir, mode, "agenda_talents.csv", "talent_id,slot,need_id,score\n");
    if (!f)
        goto out;
    for (size_t i = 0; i < n; i++)
        s_agenda_line(f, sorted[i].talent, sorted[i].slot, sorted[i].need, sorted[i].score);
    if (s_close(f, "agenda_talents.csv") != 0)
        goto out;
    qsort(sorted, n, sizeof *sorted, s_cmp_need);
    f = s_open(dir, mode, "agenda_booths.csv", "need_id,slot,talent_id,score\n");
    if (!f)
        goto out;
    for (size_t i = 0; i < n; i++)
        s_agenda_line(f, sorted[i].need, sorted[i].slot, sorted[i].talent, sorted[i].score);
    if (s_close(f, "agenda_booths.csv") != 0)
        goto out;
    f = s_open(dir, mode, "unmatched.csv", "talent_id,reason\n");
    if (!f)
        goto out;
    for (size_t i = 0; i < n_unmatched; i++) {
        batch_csv_put(f, unmatched_ids[i]);
        fputc(',', f);
        batch_csv_put(f, reasons[i] ? reasons[i] : "");
        fputc('\n', f);
    }
    rc = s_close(f, "unmatched.csv");
out:
    free(sorted);
    return rc;
}
