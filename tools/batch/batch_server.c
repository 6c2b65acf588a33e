/* batch_server.c — bole-batch --server (see batch_server.h). One call:
 * run_event_matching (computes, stores, answers the whole schedule) or
 * get_event_schedule (--fetch: the stored one); the answer's interviews,
 * unscheduled interviews and unassigned talents become the same files as
 * the offline mode. */
#define _POSIX_C_SOURCE 200809L
#include "batch_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "batch_io.h"
#include "bole/client.h"

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void s_summary(const char *mode, const Bole__EventSchedule *s, double secs)
{
    size_t n = s->n_interviews + s->n_unscheduled;
    uint32_t T = s->talents_registered, placed = T - s->talents_unassigned;
    if (s->talents_unassigned > T)
        placed = 0;
    printf("event %s: %u talents, %u booths, %u seats; %u candidate pairs, %u registrations "
           "skipped; daemon answered in %.3f s\n",
           s->event_id, T, s->booths_registered, s->seats_total, s->candidate_pairs,
           s->skipped_registrations, secs);
    printf("[%s] interviews %zu, total score %.2f, mean %.4f\n", mode, n, s->total_score,
           n ? s->total_score / (double)n : 0.0);
    printf("[%s] talents placed %u/%u (%.1f%%), seats filled %u/%u (%.1f%%), slots needed %u,"
           " blocking pairs %u\n",
           mode, placed, T, T ? 100.0 * placed / T : 0.0, s->seats_filled, s->seats_total,
           s->seats_total ? 100.0 * s->seats_filled / s->seats_total : 0.0, s->slots_needed,
           s->blocking_pairs);
    if (s->n_unscheduled)
        printf("[%s] %zu interviews do not fit the event's slots (listed with their slot)\n",
               mode, s->n_unscheduled);
    if (s->n_added || s->n_removed)
        printf("[%s] changes since the previous run: %zu added, %zu removed\n", mode,
               s->n_added, s->n_removed);
    for (size_t i = 0; i < s->n_unassigned_talent_ids && i < 10; i++)
        printf("[%s] unmatched %s: %s\n", mode, s->unassigned_talent_ids[i],
               i < s->n_unassigned_reasons ? s->unassigned_reasons[i] : "");
}

int batch_server_run(const batch_server_opts_t *o)
{
    bole_client_t *c = bole_client_new(o->endpoint, o->timeout_ms);
    if (!c) {
        fprintf(stderr, "bole-batch: cannot connect to %s\n", o->endpoint);
        return 3;
    }
    Bole__Request req = BOLE__REQUEST__INIT;
    Bole__RunEventMatchingRequest run = BOLE__RUN_EVENT_MATCHING_REQUEST__INIT;
    Bole__IdRequest id = BOLE__ID_REQUEST__INIT;
    if (o->fetch) {
        id.id = (char *)o->event_id;
        req.body_case = BOLE__REQUEST__BODY_GET_EVENT_SCHEDULE;
        req.get_event_schedule = &id;
    } else {
        run.event_id = (char *)o->event_id;
        run.mode = o->stable ? BOLE__ASSIGNMENT_MODE__ASSIGNMENT_STABLE
                             : BOLE__ASSIGNMENT_MODE__ASSIGNMENT_OPTIMAL;
        run.candidates_per_talent = o->candidates;
        run.min_score = o->min_score;
        req.body_case = BOLE__REQUEST__BODY_RUN_EVENT_MATCHING;
        req.run_event_matching = &run;
    }
    if (!o->quiet)
        fprintf(stderr, "  %s event %s on %s...\n", o->fetch ? "fetching" : "running",
                o->event_id, o->endpoint);
    Bole__Response *r = NULL;
    double t0 = s_now();
    int err = bole_client_call(c, &req, &r);
    double secs = s_now() - t0;
    bole_client_destroy(&c);
    if (err != BOLE_OK) {
        fprintf(stderr, "bole-batch: %s: %s%s\n", o->endpoint, bole_strerror(err),
                err == BOLE_ETIMEOUT ? " (is boled running? raise --timeout for big events)"
                                     : "");
        return 3;
    }
    if (r->status != BOLE__STATUS_CODE__OK) {
        fprintf(stderr, "bole-batch: %s: %s\n", bole_status_name((int)r->status),
                r->error && *r->error ? r->error : "(no message)");
        bole_response_free(r);
        return 1;
    }
    const Bole__EventSchedule *s = r->schedule;
    if (r->body_case != BOLE__RESPONSE__BODY_SCHEDULE || !s) {
        fprintf(stderr, "bole-batch: %s answered without a schedule\n", o->endpoint);
        bole_response_free(r);
        return 1;
    }
    const char *mode = s->mode == BOLE__ASSIGNMENT_MODE__ASSIGNMENT_STABLE ? "stable" : "optimal";
    s_summary(mode, s, secs);
    int rc = 0;
    if (o->out_dir) {
        size_t n = s->n_interviews + s->n_unscheduled;
        batch_row_t *rows = malloc((n + 1) * sizeof *rows);
        if (!rows) {
            fprintf(stderr, "bole-batch: out of memory\n");
            bole_response_free(r);
            return 1;
        }
        for (size_t i = 0; i < n; i++) {
            const Bole__Interview *iv =
                i < s->n_interviews ? s->interviews[i] : s->unscheduled[i - s->n_interviews];
            rows[i] = (batch_row_t){iv->talent_id, iv->need_id, iv->score, iv->slot};
        }
        size_t nu = s->n_unassigned_talent_ids;
        const char **reasons = calloc(nu + 1, sizeof *reasons);
        if (!reasons) {
            free(rows);
            bole_response_free(r);
            return 1;
        }
        for (size_t i = 0; i < nu; i++)
            reasons[i] = i < s->n_unassigned_reasons ? s->unassigned_reasons[i] : "";
        if (batch_write_outputs(o->out_dir, mode, rows, n,
                                (const char *const *)s->unassigned_talent_ids, reasons, nu) != 0)
            rc = 1;
        free(reasons);
        free(rows);
    }
    bole_response_free(r);
    return rc;
}
