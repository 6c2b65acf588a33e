/*
 * report.h - bole-report's core: fetch Trends from a running boled and
 * write one self-contained HTML page (inline SVG, no scripts, no external
 * resources). Every number shown also sits in a data-* attribute, so a test
 * can compare the page with the Trends answer.
 */
#ifndef BOLE_REPORT_H
#define BOLE_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "bole/client.h"

typedef struct {
    int window;         /* bole.TrendWindow (0: week). */
    int64_t from, to;   /* Unix ms (0: the daemon's defaults). */
    unsigned top;       /* Keys per chart group and table (0: 8). */
} report_options_t;

/* Asks for Trends of one dimension (caller frees with bole_response_free).
 * Returns NULL and prints why on failure. */
Bole__Response *report_fetch(bole_client_t *c, int dimension, const report_options_t *o);

/* Fetches skill, industry and zone trends and writes the page to out.
 * Returns 0, or -1 after printing why. */
int report_write(bole_client_t *c, const report_options_t *o, FILE *out);

#endif
