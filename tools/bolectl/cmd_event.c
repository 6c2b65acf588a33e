/* cmd_event.c — `bolectl event`: job fairs (issue 4, docs/EVENTS.md).
 *
 *   bolectl event create ID --slots N --slot-minutes M --starts MS --ends MS
 *                           [--name NAME] [--max-interviews N] [--zone Z]
 *   bolectl event register ID [--talent T]... [--booth NEED[=CAP]]...
 *                           [--by-filter [--talent-zone Z]... [--need-zone Z]...]
 *   bolectl event run ID [--mode optimal|stable] [--candidates K]
 *                           [--min-score S] [--keep-bonus B]
 *   bolectl event schedule ID
 *   bolectl event agenda ID (--talent T | --booth NEED)
 *
 * Text output is a summary and a table of interviews (slot, start, talent,
 * booth, score); --json prints the answer's message as JSON (pbjson).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bolectl.h"
#include "pbjson.h"

#define MAX_LIST 1000

const char bolectl_event_help[] =
    "usage: bolectl [global options] event create ID --slots N --slot-minutes M\n"
    "                     --starts MS --ends MS [--name NAME] [--max-interviews N] [--zone Z]\n"
    "       bolectl event register ID [--talent T]... [--booth NEED[=CAP]]...\n"
    "                     [--by-filter [--talent-zone Z]... [--need-zone Z]...]\n"
    "       bolectl event run ID [--mode optimal|stable] [--candidates K]\n"
    "                     [--min-score S] [--keep-bonus B]\n"
    "       bolectl event schedule ID\n"
    "       bolectl event agenda ID (--talent T | --booth NEED)\n"
    "\n"
    "Job fairs. create: an event with N interview slots of M minutes from\n"
    "--starts (Unix ms) to --ends; each talent gets at most --max-interviews\n"
    "(default 3). register: talents and booths (CAP interviews; default the\n"
    "slot count), or with --by-filter every available talent / open need in the\n"
    "given zones (none given: everyone). run: assign and schedule, store and\n"
    "print the result (summary, interviews by slot, changes since the last run,\n"
    "unmatched talents). schedule: the stored result. agenda: one talent's or\n"
    "one booth's interviews. For CSV files of the same, use\n"
    "`bole-batch --server ENDPOINT --event ID --fetch --out DIR`.\n";

int bolectl_cmd_event(const bolectl_cmd_t *cmd, bolectl_opts_t *o, int argc, char **argv);

static int s_usage(void)
{
    fputs(bolectl_event_help, stderr);
    return EXIT_USAGE;
}

/* Parses a whole integer in [lo, hi]; returns 0 or -1. */
static int s_int(const char *v, long long lo, long long hi, long long *out)
{
    char *end = NULL;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (!*v || *end || errno || x < lo || x > hi)
        return -1;
    *out = x;
    return 0;
}

static int s_bad(const char *opt, const char *want)
{
    fprintf(stderr, "bolectl event: %s wants %s\n", opt, want);
    return EXIT_USAGE;
}

static const char *s_time(int64_t ms, char *buf, size_t len)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (ms <= 0 || !gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M", &tm))
        snprintf(buf, len, "-");
    return buf;
}

static void s_table(const char *title, Bole__Interview *const *iv, size_t n)
{
    char tb[32];
    printf("%s (%zu):\n", title, n);
    if (!n)
        return;
    printf("  %4s  %-16s  %-24s  %-24s  %6s\n", "SLOT", "STARTS (UTC)", "TALENT", "BOOTH",
           "SCORE");
    for (size_t i = 0; i < n; i++)
        printf("  %4u  %-16s  %-24s  %-24s  %6.3f\n", iv[i]->slot,
               s_time(iv[i]->starts_at, tb, sizeof tb), iv[i]->talent_id, iv[i]->need_id,
               (double)iv[i]->score);
}

static void s_print_schedule(const Bole__EventSchedule *s, int agenda)
{
    char tb[32];
    const char *mode = s->mode == BOLE__ASSIGNMENT_MODE__ASSIGNMENT_STABLE ? "stable" : "optimal";
    printf("event %s  mode %s  computed %s UTC\n", s->event_id, mode,
           s_time(s->computed_at, tb, sizeof tb));
    uint32_t placed = s->talents_registered >= s->talents_unassigned
                          ? s->talents_registered - s->talents_unassigned
                          : 0;
    printf("  talents placed %u/%u, seats filled %u/%u, total score %.3f, slots needed %u, "
           "blocking pairs %u\n",
           placed, s->talents_registered, s->seats_filled, s->seats_total, s->total_score,
           s->slots_needed, s->blocking_pairs);
    if (agenda)
        printf("  (figures above are the whole event's; the lists below are filtered)\n");
    s_table("interviews", s->interviews, s->n_interviews);
    if (s->n_unscheduled)
        s_table("assigned but beyond the event's slots", s->unscheduled, s->n_unscheduled);
    if (s->n_added || s->n_removed) {
        s_table("added since the previous run", s->added, s->n_added);
        s_table("removed since the previous run", s->removed, s->n_removed);
    }
    if (s->n_unassigned_talent_ids) {
        printf("unmatched talents (%zu):\n", s->n_unassigned_talent_ids);
        for (size_t i = 0; i < s->n_unassigned_talent_ids; i++)
            printf("  %-24s  %s\n", s->unassigned_talent_ids[i],
                   i < s->n_unassigned_reasons ? s->unassigned_reasons[i] : "");
    }
}

/* Sends req; prints the answer's body `msg` as JSON, or via `text`. */
static int s_send(bolectl_opts_t *o, Bole__Request *req, int agenda)
{
    Bole__Response *r = NULL;
    int rc = bolectl_call(o, req, &r);
    if (rc != EXIT_OK_)
        return rc;
    const ProtobufCMessage *body = NULL;
    if (r->body_case == BOLE__RESPONSE__BODY_SCHEDULE && r->schedule)
        body = &r->schedule->base;
    else if (r->body_case == BOLE__RESPONSE__BODY_EVENT && r->event)
        body = &r->event->base;
    else if (r->body_case == BOLE__RESPONSE__BODY_REGISTER_FOR_EVENT && r->register_for_event)
        body = &r->register_for_event->base;
    if (!body) {
        fprintf(stderr, "bolectl: %s answered without the expected body\n", o->server);
        bole_response_free(r);
        return EXIT_STATUS;
    }
    if (o->json) {
        pbjson_print(stdout, body);
        printf("\n");
    } else if (r->body_case == BOLE__RESPONSE__BODY_SCHEDULE) {
        s_print_schedule(r->schedule, agenda);
    } else if (r->body_case == BOLE__RESPONSE__BODY_EVENT) {
        const Bole__MatchingEvent *e = r->event;
        char a[32], b[32];
        printf("event %s created (internal id %" PRId64 "): %s, %u slots of %u min, "
               "%s - %s UTC, at most %u interviews per talent\n",
               e->external_id, e->internal_id, e->name, e->slot_count, e->slot_minutes,
               s_time(e->starts_at, a, sizeof a), s_time(e->ends_at, b, sizeof b),
               e->max_interviews_per_talent);
    } else {
        printf("registered %u new talents and %u new booths\n",
               r->register_for_event->talents_registered,
               r->register_for_event->booths_registered);
    }
    bole_response_free(r);
    return EXIT_OK_;
}

static int s_create(bolectl_opts_t *o, const char *id, int argc, char **argv)
{
    Bole__MatchingEvent e = BOLE__MATCHING_EVENT__INIT;
    e.external_id = (char *)id;
    e.name = (char *)id;
    long long v = 0;
    for (int i = 3; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!val)
            return s_usage();
        i++;
        if (strcmp(a, "--name") == 0)
            e.name = (char *)val;
        else if (strcmp(a, "--zone") == 0)
            e.zone = (char *)val;
        else if (strcmp(a, "--slots") == 0 && s_int(val, 0, UINT32_MAX, &v) == 0)
            e.slot_count = (uint32_t)v;
        else if (strcmp(a, "--slot-minutes") == 0 && s_int(val, 0, UINT32_MAX, &v) == 0)
            e.slot_minutes = (uint32_t)v;
        else if (strcmp(a, "--max-interviews") == 0 && s_int(val, 0, UINT32_MAX, &v) == 0)
            e.max_interviews_per_talent = (uint32_t)v;
        else if (strcmp(a, "--starts") == 0 && s_int(val, INT64_MIN, INT64_MAX, &v) == 0)
            e.starts_at = v;
        else if (strcmp(a, "--ends") == 0 && s_int(val, INT64_MIN, INT64_MAX, &v) == 0)
            e.ends_at = v;
        else
            return s_bad(a, "a known option with a whole number where one is due");
    }
    /* Range checks are the daemon's: it answers INVALID_ARGUMENT with the reason. */
    Bole__CreateEventRequest b = BOLE__CREATE_EVENT_REQUEST__INIT;
    b.event = &e;
    Bole__Request req = BOLE__REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_CREATE_EVENT;
    req.create_event = &b;
    return s_send(o, &req, 0);
}

static int s_register(bolectl_opts_t *o, const char *id, int argc, char **argv)
{
    static char *talents[MAX_LIST], *tz[MAX_LIST], *nz[MAX_LIST];
    static Bole__Booth booths[MAX_LIST];
    static Bole__Booth *bp[MAX_LIST];
    size_t nt = 0, nb = 0, ntz = 0, nnz = 0;
    Bole__RegisterForEventRequest b = BOLE__REGISTER_FOR_EVENT_REQUEST__INIT;
    for (int i = 3; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--by-filter") == 0) {
            b.by_filter = 1;
            continue;
        }
        if (i + 1 >= argc)
            return s_usage();
        char *val = argv[++i];
        if (nt == MAX_LIST || nb == MAX_LIST || ntz == MAX_LIST || nnz == MAX_LIST)
            return s_bad(a, "at most 1000 items per call");
        if (strcmp(a, "--talent") == 0) {
            talents[nt++] = val;
        } else if (strcmp(a, "--booth") == 0) {
            bole__booth__init(&booths[nb]);
            char *eq = strrchr(val, '=');
            long long cap = 0;
            if (eq) {
                if (s_int(eq + 1, 0, UINT32_MAX, &cap) != 0)
                    return s_bad(a, "NEED or NEED=CAPACITY (a whole number)");
                *eq = '\0';
            }
            booths[nb].need_id = val;
            booths[nb].capacity = (uint32_t)cap;
            bp[nb] = &booths[nb];
            nb++;
        } else if (strcmp(a, "--talent-zone") == 0) {
            tz[ntz++] = val;
        } else if (strcmp(a, "--need-zone") == 0) {
            nz[nnz++] = val;
        } else {
            return s_usage();
        }
    }
    if ((ntz || nnz) && !b.by_filter)
        return s_bad("--talent-zone/--need-zone", "--by-filter");
    if (!nt && !nb && !b.by_filter)
        return s_bad("register", "--talent, --booth or --by-filter");
    Bole__MatchFilter tf = BOLE__MATCH_FILTER__INIT, nf = BOLE__MATCH_FILTER__INIT;
    tf.zones = tz;
    tf.n_zones = ntz;
    nf.zones = nz;
    nf.n_zones = nnz;
    b.event_id = (char *)id;
    b.talent_ids = talents;
    b.n_talent_ids = nt;
    b.booths = bp;
    b.n_booths = nb;
    if (b.by_filter) {
        b.talent_filter = &tf;
        b.need_filter = &nf;
    }
    Bole__Request req = BOLE__REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_REGISTER_FOR_EVENT;
    req.register_for_event = &b;
    return s_send(o, &req, 0);
}

static int s_run(bolectl_opts_t *o, const char *verb, const char *id, int argc, char **argv)
{
    Bole__RunEventMatchingRequest b = BOLE__RUN_EVENT_MATCHING_REQUEST__INIT;
    b.event_id = (char *)id;
    int agenda = strcmp(verb, "agenda") == 0;
    b.read_only = agenda;
    for (int i = 3; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc)
            return s_usage();
        char *val = argv[++i];
        long long v = 0;
        char *end = NULL;
        if (agenda && strcmp(a, "--talent") == 0) {
            b.talent_id = val;
        } else if (agenda && strcmp(a, "--booth") == 0) {
            b.need_id = val;
        } else if (!agenda && strcmp(a, "--mode") == 0) {
            if (strcmp(val, "optimal") == 0)
                b.mode = BOLE__ASSIGNMENT_MODE__ASSIGNMENT_OPTIMAL;
            else if (strcmp(val, "stable") == 0)
                b.mode = BOLE__ASSIGNMENT_MODE__ASSIGNMENT_STABLE;
            else
                return s_bad(a, "optimal or stable");
        } else if (!agenda && strcmp(a, "--candidates") == 0) {
            if (s_int(val, 0, UINT32_MAX, &v) != 0)
                return s_bad(a, "a whole number");
            b.candidates_per_talent = (uint32_t)v;
        } else if (!agenda && (strcmp(a, "--min-score") == 0 || strcmp(a, "--keep-bonus") == 0)) {
            float f = strtof(val, &end);
            if (!*val || *end || !isfinite(f))
                return s_bad(a, "a finite number");
            if (a[2] == 'm')
                b.min_score = f;
            else
                b.keep_bonus = f;
        } else {
            return s_usage();
        }
    }
    if (agenda && !b.talent_id[0] == !b.need_id[0]) /* INIT sets "", not NULL. */
        return s_bad("agenda", "exactly one of --talent and --booth");
    Bole__Request req = BOLE__REQUEST__INIT;
    req.body_case = BOLE__REQUEST__BODY_RUN_EVENT_MATCHING;
    req.run_event_matching = &b;
    if (!agenda && o->timeout_ms < 300000)
        o->timeout_ms = 300000; /* A big event takes seconds to assign. */
    return s_send(o, &req, agenda);
}

int bolectl_cmd_event(const bolectl_cmd_t *cmd, bolectl_opts_t *o, int argc, char **argv)
{
    (void)cmd;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(bolectl_event_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK_;
    }
    if (argc < 3 || argv[2][0] == '-')
        return s_usage();
    const char *verb = argv[1], *id = argv[2];
    if (strcmp(verb, "create") == 0)
        return s_create(o, id, argc, argv);
    if (strcmp(verb, "register") == 0)
        return s_register(o, id, argc, argv);
    if (strcmp(verb, "run") == 0 || strcmp(verb, "agenda") == 0)
        return s_run(o, verb, id, argc, argv);
    if (strcmp(verb, "schedule") == 0 && argc == 3) {
        Bole__IdRequest b = BOLE__ID_REQUEST__INIT;
        b.id = (char *)id;
        Bole__Request req = BOLE__REQUEST__INIT;
        req.body_case = BOLE__REQUEST__BODY_GET_EVENT_SCHEDULE;
        req.get_event_schedule = &b;
        return s_send(o, &req, 0);
    }
    return s_usage();
}
