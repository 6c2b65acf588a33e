/* batch_io.h — bole-batch's file formats: CSV records (RFC 4180 quoted
 * fields) in and out, and the output CSVs shared by the offline and the
 * --server modes. Stands alone: no daemon or client header, so both
 * bole-batch.c (bolecore) and batch_server.c (boleclient) include it.
 */
#ifndef BOLE_BATCH_IO_H
#define BOLE_BATCH_IO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Splits one CSV record in place into at most `max` fields (OUT f[], *n).
 * A field is either bare (no '"' inside) or quoted: "..." with "" for a
 * quote; commas inside quotes belong to the field. Quoted fields may not
 * span lines. Returns 0, or -1 with a static message in *why (unterminated
 * quote, text after a closing quote, a bare field containing '"', or more
 * than `max` fields). `line` must have no trailing newline. */
int batch_csv_split(char *line, char **f, size_t max, size_t *n, const char **why);

/* Writes `s` as one CSV field: quoted (and its quotes doubled) when it holds
 * a comma, a quote, CR or LF; as is otherwise. */
void batch_csv_put(FILE *f, const char *s);

/* One assigned interview for the output files. Strings are borrowed. */
typedef struct batch_row {
    const char *talent;  /* Talent id. */
    const char *need;    /* Booth's need id. */
    double score;        /* Pair score. */
    uint32_t slot;       /* 0-based slot (>= the event's slot count: does not fit). */
} batch_row_t;

/* Writes DIR/<mode>_assignments.csv (rows in the given order),
 * <mode>_agenda_talents.csv (by talent, then slot), <mode>_agenda_booths.csv
 * (by need, then slot) and <mode>_unmatched.csv (ids[i], reasons[i]).
 * Sorts a copy, not `rows`. Returns 0, or -1 after printing why (files
 * written so far stay). */
int batch_write_outputs(const char *dir, const char *mode, const batch_row_t *rows, size_t n,
                        const char *const *unmatched_ids, const char *const *reasons,
                        size_t n_unmatched);

#endif /* BOLE_BATCH_IO_H */
