/* batch_server.h — bole-batch --server: run or fetch an event's schedule in
 * a running boled and write the same CSVs and summary as the offline mode.
 * Kept apart from bole-batch.c because the client header and the daemon's
 * status header both define BOLE_OK. */
#ifndef BOLE_BATCH_SERVER_H
#define BOLE_BATCH_SERVER_H

#include <stdint.h>

/* What to ask the daemon. Strings are borrowed. */
typedef struct batch_server_opts {
    const char *endpoint;   /* boled's request endpoint. */
    const char *event_id;   /* The event's external id. */
    int stable;             /* 1: stable mode, 0: optimal (ignored with fetch). */
    int fetch;              /* 1: read the stored schedule (get_event_schedule). */
    uint32_t candidates;    /* candidates_per_talent (0: the daemon's default). */
    float min_score;        /* Pairs below are not considered. */
    int timeout_ms;         /* Reply timeout. */
    const char *out_dir;    /* Write the CSVs here (NULL: summary only). */
    int quiet;              /* No progress lines on stderr. */
} batch_server_opts_t;

/* Calls the daemon, prints the summary on stdout and writes the CSVs.
 * Returns 0; 1 when the daemon refused (its status and message printed on
 * stderr) or a file could not be written; 3 on no answer / transport
 * failure. Nothing is written unless the daemon answered OK. */
int batch_server_run(const batch_server_opts_t *o);

#endif /* BOLE_BATCH_SERVER_H */
