/*
 * event.c - job fairs: CreateEvent, RegisterForEvent, RunEventMatching and
 * GetEventSchedule.
 *
 * A run builds a sparse candidate graph (for each registered talent, its
 * best candidates_per_talent registered booths by the full rank score),
 * assigns with assign.c (optimal b-matching or stable deferred acceptance),
 * schedules the pairs into exactly Delta slots (edge colouring), stores the
 * whole result and answers it (or one talent's / booth's part of it).
 * Re-runs favour previous pairs by a small score bonus (keep_bonus), so late
 * registrations move as few existing interviews as the optimum allows; the
 * answer lists the pairs added and removed. Rules: docs/EVENTS.md.
 */
#include "handlers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assign.h"
#include "catalog.h"
#include "feedback.h"
#include "index.h"
#include "rank.h"
#include "scope.h"
#include "validate.h"
#include "weights.h"

#define DEFAULT_MAX_INTERVIEWS  3
#define MAX_INTERVIEWS          100
#define MAX_SLOTS               10000
#define DEFAULT_CANDIDATES      50
#define MAX_CANDIDATES          1000
#define DEFAULT_KEEP_BONUS      0.05f
#define EXACT_BOOTHS            4000    /* Score every booth per talent below this. */
#define MAX_FILTER_VALUES       64

/* ---- small helpers -------------------------------------------------------- */

static bole_status_t s_oom(bole_call_t *call)
{
    snprintf(call->err, call->errlen, "out of memory");
    return BOLE_INTERNAL;
}

/* protobuf-c allocations from the call's arena (freed with the response). */
static void *s_pb_alloc(void *data, size_t size)
{
    return bole_arena_alloc(data, size ? size : 1);
}
static void s_pb_free(void *data, void *p)
{
    (void)data;
    (void)p;
}

static bole_status_t s_load_event(bole_call_t *call, const char *id, bole_store_event_t *ev)
{
    bole_status_t st = bole_validate_id(id, "event_id", call->err, call->errlen);
    if (st != BOLE_OK)
        return st;
    st = bole_store_event_get(call->store, id, ev, call->err, call->errlen);
    /* An event belongs to its zone: scoped keys reach their zones' events only. */
    if (st == BOLE_OK && (st = bole_scope_zone(call, ev->zone, "event", id)) != BOLE_OK)
        bole_store_event_free(ev);
    return st;
}

/* ---- create_event --------------------------------------------------------- */

bole_status_t bole_handle_create_event(bole_call_t *call)
{
    const Bole__MatchingEvent *e = call->request->create_event->event;
    if (!e) {
        snprintf(call->err, call->errlen, "create_event: event is required");
        return BOLE_INVALID_ARGUMENT;
    }
    bole_status_t st = bole_validate_id(e->external_id, "event.external_id", call->err,
                                        call->errlen);
    if (st == BOLE_OK)
        st = bole_scope_zone(call, e->zone, "event", e->external_id);
    if (st != BOLE_OK)
        return st;
    size_t name_len = e->name ? strlen(e->name) : 0;
    if (name_len == 0 || name_len > BOLE_MAX_NAME_BYTES) {
        snprintf(call->err, call->errlen, "event.name: 1-%d bytes required (got %zu)",
                 BOLE_MAX_NAME_BYTES, name_len);
        return BOLE_INVALID_ARGUMENT;
    }
    if (e->zone && strlen(e->zone) > BOLE_MAX_NAME_BYTES) {
        snprintf(call->err, call->errlen, "event.zone: at most %d bytes", BOLE_MAX_NAME_BYTES);
        return BOLE_INVALID_ARGUMENT;
    }
    if (e->slot_minutes == 0 || e->slot_minutes > 24 * 60) {
        snprintf(call->err, call->errlen, "event.slot_minutes: must be 1-1440 (got %u)",
                 e->slot_minutes);
        return BOLE_INVALID_ARGUMENT;
    }
    if (e->slot_count == 0 || e->slot_count > MAX_SLOTS) {
        snprintf(call->err, call->errlen, "event.slot_count: must be 1-%d (got %u): an event "
                 "needs interview slots", MAX_SLOTS, e->slot_count);
        return BOLE_INVALID_ARGUMENT;
    }
    if (e->ends_at <= e->starts_at) {
        snprintf(call->err, call->errlen, "event.ends_at (%lld) must be after starts_at (%lld)",
                 (long long)e->ends_at, (long long)e->starts_at);
        return BOLE_INVALID_ARGUMENT;
    }
    if (e->max_interviews_per_talent > MAX_INTERVIEWS) {
        snprintf(call->err, call->errlen, "event.max_interviews_per_talent: at most %d (got %u)",
                 MAX_INTERVIEWS, e->max_interviews_per_talent);
        return BOLE_INVALID_ARGUMENT;
    }
    bole_store_event_t ev = {
        .external_id = e->external_id,
        .name = e->name,
        .starts_at = e->starts_at,
        .ends_at = e->ends_at,
        .slot_minutes = e->slot_minutes,
        .slot_count = e->slot_count,
        .max_interviews = e->max_interviews_per_talent ? e->max_interviews_per_talent
                                                       : DEFAULT_MAX_INTERVIEWS,
        .zone = e->zone ? e->zone : "",
        .created_at = bole_now_ms(),
    };
    st = bole_store_event_create(call->store, &ev, call->err, call->errlen);
    if (st != BOLE_OK)
        return st;
    Bole__MatchingEvent *out = ARENA_NEW(call->arena, Bole__MatchingEvent);
    if (!out)
        return s_oom(call);
    bole__matching_event__init(out);
    out->external_id = bole_arena_strdup(call->arena, e->external_id);
    out->internal_id = ev.id;
    out->name = bole_arena_strdup(call->arena, e->name);
    out->starts_at = e->starts_at;
    out->ends_at = e->ends_at;
    out->slot_minutes = e->slot_minutes;
    out->slot_count = e->slot_count;
    out->max_interviews_per_talent = ev.max_interviews;
    out->zone = bole_arena_strdup(call->arena, ev.zone);
    if (!out->external_id || !out->name || !out->zone)
        return s_oom(call);
    call->response->body_case = BOLE__RESPONSE__BODY_EVENT;
    call->response->event = out;
    return BOLE_OK;
}

/* ---- register_for_event ---------------------------------------------------- */

typedef struct {
    uint32_t v[MAX_FILTER_VALUES];
    size_t n;
    int given;
} names_t;

static bole_status_t s_names(bole_call_t *call, char **items, size_t n, names_t *out,
                             const char *what)
{
    if (n > MAX_FILTER_VALUES) {
        snprintf(call->err, call->errlen, "%s: at most %d values", what, MAX_FILTER_VALUES);
        return BOLE_INVALID_ARGUMENT;
    }
    bole_intern_t *names = bole_catalog_names(call->daemon->catalog);
    out->n = 0;
    out->given = n > 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t id = bole_intern_find(names, items[i]);
        if (id != BOLE_INTERN_NONE)
            out->v[out->n++] = id;
    }
    return BOLE_OK;
}

static int s_has(const names_t *n, uint32_t v)
{
    for (size_t i = 0; i < n->n; i++)
        if (n->v[i] == v)
            return 1;
    return 0;
}

typedef struct {
    bole_call_t *call;
    int64_t *ids;
    size_t n, cap;
} idlist_t;

static int s_collect_id(void *ctx, const bole_store_record_t *record)
{
    idlist_t *l = ctx;
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 1024;
        int64_t *ni = bole_arena_array(l->call->arena, nc, sizeof *ni);
        if (!ni)
            return 1;
        if (l->n)
            memcpy(ni, l->ids, l->n * sizeof *ni);
        l->ids = ni;
        l->cap = nc;
    }
    l->ids[l->n++] = record->id;
    return 0;
}

/* Registers every talent / open need passing the filters (by_filter). */
static bole_status_t s_register_by_filter(bole_call_t *call, const bole_store_event_t *ev,
                                          const Bole__RegisterForEventRequest *r,
                                          uint32_t *talents_added, uint32_t *booths_added)
{
    bole_daemon_t *d = call->daemon;
    bole_status_t st;
    const Bole__MatchFilter *tf = r->talent_filter, *nf = r->need_filter;
    if (tf && (st = bole_validate_filter(tf, call->err, call->errlen)) != BOLE_OK)
        return st;
    if (nf && (st = bole_validate_filter(nf, call->err, call->errlen)) != BOLE_OK)
        return st;
    names_t tz = {0}, ti = {0}, nz = {0}, ni = {0}, no = {0};
    if (tf && ((st = s_names(call, tf->zones, tf->n_zones, &tz, "talent_filter.zones")) != BOLE_OK ||
               (st = s_names(call, tf->industries, tf->n_industries, &ti,
                             "talent_filter.industries")) != BOLE_OK))
        return st;
    if (nf && ((st = s_names(call, nf->zones, nf->n_zones, &nz, "need_filter.zones")) != BOLE_OK ||
               (st = s_names(call, nf->industries, nf->n_industries, &ni,
                             "need_filter.industries")) != BOLE_OK ||
               (st = s_names(call, nf->organisations, nf->n_organisations, &no,
                             "need_filter.organisations")) != BOLE_OK))
        return st;
    idlist_t tl = {call, NULL, 0, 0}, nl = {call, NULL, 0, 0};
    st = bole_store_scan(call->store, BOLE_ENTITY_TALENT, 0, s_collect_id, &tl, call->err,
                         call->errlen);
    if (st == BOLE_OK)
        st = bole_store_scan(call->store, BOLE_ENTITY_NEED, 0, s_collect_id, &nl, call->err,
                             call->errlen);
    if (st != BOLE_OK)
        return st;
    int64_t now = bole_now_ms();
    /* Names first under the lock, writes after it (SQLite work holds no lock). */
    char **tnames = bole_arena_array(call->arena, tl.n + 1, sizeof *tnames);
    char **nnames = bole_arena_array(call->arena, nl.n + 1, sizeof *nnames);
    if (!tnames || !nnames)
        return s_oom(call);
    size_t nt = 0, nn = 0;
    bole_category_mask_t cats = 0;
    if (tf)
        for (size_t i = 0; i < tf->n_categories; i++)
            if (tf->categories[i] > 0 && tf->categories[i] < 32)
                cats |= 1u << tf->categories[i];
    bole_catalog_read_lock(d->catalog);
    for (size_t i = 0; i < tl.n; i++) {
        const bole_talent_rec_t *t = bole_catalog_talent(d->catalog, tl.ids[i]);
        if (!t)
            continue;
        if (!(tf && tf->include_unavailable) &&
            t->availability == BOLE__AVAILABILITY__AVAILABILITY_UNAVAILABLE)
            continue;
        if (tz.given && !s_has(&tz, t->zone))
            continue;
        if (ti.given) {
            int hit = 0;
            for (size_t k = 0; k < t->n_industries && !hit; k++)
                hit = s_has(&ti, t->industries[k]);
            if (!hit)
                continue;
        }
        if (cats && !(t->categories & cats))
            continue;
        if (tf && t->experience_years < tf->min_experience_years)
            continue;
        tnames[nt++] = bole_arena_strdup(call->arena, t->external_id);
    }
    for (size_t i = 0; i < nl.n; i++) {
        const bole_need_rec_t *n = bole_catalog_need(d->catalog, nl.ids[i]);
        if (!n || !bole_need_is_open(n, now))
            continue;
        if (nz.given && !s_has(&nz, n->zone))
            continue;
        if (ni.given && !s_has(&ni, n->industry))
            continue;
        if (no.given && !s_has(&no, n->organisation))
            continue;
        if (nf && nf->need_kind && n->kind != (int)nf->need_kind)
            continue;
        nnames[nn++] = bole_arena_strdup(call->arena, n->external_id);
    }
    bole_catalog_unlock(d->catalog);
    for (size_t i = 0; i < nt; i++) {
        int added = 0;
        if (!tnames[i])
            return s_oom(call);
        st = bole_store_event_add_talent(call->store, ev->id, tnames[i], &added, call->err,
                                         call->errlen);
        if (st != BOLE_OK)
            return st;
        *talents_added += (uint32_t)added;
    }
    for (size_t i = 0; i < nn; i++) {
        if (!nnames[i])
            return s_oom(call);
        int has = bole_store_event_has_booth(call->store, ev->id, nnames[i]);
        if (has < 0) {
            snprintf(call->err, call->errlen, "reading booths failed");
            return BOLE_INTERNAL;
        }
        if (has)
            continue; /* By filter, an existing booth is kept as it is. */
        st = bole_store_event_add_booth(call->store, ev->id, nnames[i], ev->slot_count,
                                        call->err, call->errlen);
        if (st != BOLE_OK)
            return st;
        (*booths_added)++;
    }
    return BOLE_OK;
}

/* Zone scope of a registration: listed talents and booths must be of the
 * key's zones, and filters may only name them (an empty one means the
 * key's zones): *r then points to a scoped copy (arena). */
static bole_status_t s_scope_registration(bole_call_t *call,
                                          const Bole__RegisterForEventRequest **r)
{
    const Bole__RegisterForEventRequest *q = *r;
    if (!bole_principal_scoped(call->principal))
        return BOLE_OK;
    bole_status_t st = BOLE_OK;
    for (size_t i = 0; i < q->n_talent_ids && st == BOLE_OK; i++)
        st = bole_scope_talent(call, q->talent_ids[i]);
    for (size_t i = 0; i < q->n_booths && st == BOLE_OK; i++)
        st = q->booths[i] ? bole_scope_need(call, q->booths[i]->need_id) : BOLE_OK;
    if (st != BOLE_OK || !q->by_filter)
        return st;
    Bole__RegisterForEventRequest *copy = ARENA_NEW(call->arena, Bole__RegisterForEventRequest);
    Bole__MatchFilter *tf = ARENA_NEW(call->arena, Bole__MatchFilter);
    Bole__MatchFilter *nf = ARENA_NEW(call->arena, Bole__MatchFilter);
    if (!copy || !tf || !nf)
        return s_oom(call);
    *copy = *q;
    if (q->talent_filter)
        *tf = *q->talent_filter;
    else
        bole__match_filter__init(tf);
    if (q->need_filter)
        *nf = *q->need_filter;
    else
        bole__match_filter__init(nf);
    st = bole_scope_zone_filter(call, tf->zones, tf->n_zones, "talent_filter.zones", &tf->zones,
                                &tf->n_zones);
    if (st == BOLE_OK)
        st = bole_scope_zone_filter(call, nf->zones, nf->n_zones, "need_filter.zones",
                                    &nf->zones, &nf->n_zones);
    copy->talent_filter = tf;
    copy->need_filter = nf;
    *r = copy;
    return st;
}

bole_status_t bole_handle_register_for_event(bole_call_t *call)
{
    const Bole__RegisterForEventRequest *r = call->request->register_for_event;
    bole_daemon_t *d = call->daemon;
    bole_store_event_t ev;
    bole_status_t st = s_load_event(call, r->event_id, &ev);
    if (st != BOLE_OK)
        return st;
    if (r->n_talent_ids == 0 && r->n_booths == 0 && !r->by_filter) {
        snprintf(call->err, call->errlen, "register_for_event: give talent_ids, booths or "
                 "by_filter");
        st = BOLE_INVALID_ARGUMENT;
        goto out;
    }
    st = s_scope_registration(call, &r);
    if (st != BOLE_OK)
        goto out;
    /* Check every explicit item before writing any (the savepoint would undo
     * partial writes anyway; checking first gives the clearer message). */
    int64_t now = bole_now_ms();
    bole_catalog_read_lock(d->catalog);
    for (size_t i = 0; i < r->n_talent_ids && st == BOLE_OK; i++) {
        char what[48];
        snprintf(what, sizeof what, "talent_ids[%zu]", i);
        st = bole_validate_id(r->talent_ids[i], what, call->err, call->errlen);
        if (st == BOLE_OK && !bole_catalog_talent_id(d->catalog, r->talent_ids[i])) {
            snprintf(call->err, call->errlen, "%s: no talent with id '%s'", what,
                     r->talent_ids[i]);
            st = BOLE_NOT_FOUND;
        }
    }
    for (size_t i = 0; i < r->n_booths && st == BOLE_OK; i++) {
        char what[48];
        snprintf(what, sizeof what, "booths[%zu].need_id", i);
        const Bole__Booth *b = r->booths[i];
        st = bole_validate_id(b ? b->need_id : NULL, what, call->err, call->errlen);
        if (st != BOLE_OK)
            break;
        int64_t id = bole_catalog_need_id(d->catalog, b->need_id);
        const bole_need_rec_t *n = id ? bole_catalog_need(d->catalog, id) : NULL;
        if (!n) {
            snprintf(call->err, call->errlen, "%s: no need with id '%s'", what, b->need_id);
            st = BOLE_NOT_FOUND;
        } else if (!bole_need_is_open(n, now)) {
            snprintf(call->err, call->errlen, "%s: need '%s' is closed or expired", what,
                     b->need_id);
            st = BOLE_FAILED_PRECONDITION;
        } else if (b->capacity > ev.slot_count) {
            snprintf(call->err, call->errlen, "booths[%zu].capacity: %u exceeds the event's "
                     "%u slots (a booth holds one interview per slot; 0 means all slots)",
                     i, b->capacity, ev.slot_count);
            st = BOLE_INVALID_ARGUMENT;
        }
        for (size_t j = 0; j < i && st == BOLE_OK; j++)
            if (strcmp(r->booths[j]->need_id, b->need_id) == 0) {
                snprintf(call->err, call->errlen, "%s: need '%s' is listed twice", what,
                         b->need_id);
                st = BOLE_ALREADY_EXISTS;
            }
    }
    bole_catalog_unlock(d->catalog);
    if (st != BOLE_OK)
        goto out;
    uint32_t talents_added = 0, booths_added = 0;
    for (size_t i = 0; i < r->n_booths && st == BOLE_OK; i++) {
        const Bole__Booth *b = r->booths[i];
        int has = bole_store_event_has_booth(call->store, ev.id, b->need_id);
        if (has != 0) {
            if (has > 0)
                snprintf(call->err, call->errlen, "booths[%zu]: need '%s' is already "
                         "registered at event '%s'", i, b->need_id, ev.external_id);
            else
                snprintf(call->err, call->errlen, "reading booths failed");
            st = has > 0 ? BOLE_ALREADY_EXISTS : BOLE_INTERNAL;
            break;
        }
        st = bole_store_event_add_booth(call->store, ev.id, b->need_id,
                                        b->capacity ? b->capacity : ev.slot_count, call->err,
                                        call->errlen);
        booths_added += st == BOLE_OK;
    }
    for (size_t i = 0; i < r->n_talent_ids && st == BOLE_OK; i++) {
        int added = 0;
        st = bole_store_event_add_talent(call->store, ev.id, r->talent_ids[i], &added, call->err,
                                         call->errlen);
        talents_added += (uint32_t)added;
    }
    if (st == BOLE_OK && r->by_filter)
        st = s_register_by_filter(call, &ev, r, &talents_added, &booths_added);
    if (st != BOLE_OK)
        goto out;
    Bole__RegisterForEventResponse *resp = ARENA_NEW(call->arena, Bole__RegisterForEventResponse);
    if (!resp) {
        st = s_oom(call);
        goto out;
    }
    bole__register_for_event_response__init(resp);
    resp->talents_registered = talents_added;
    resp->booths_registered = booths_added;
    call->response->body_case = BOLE__RESPONSE__BODY_REGISTER_FOR_EVENT;
    call->response->register_for_event = resp;
out:
    bole_store_event_free(&ev);
    return st;
}

/* ---- stored schedules and filtering --------------------------------------- */

/* Reads the stored schedule (arena memory); BOLE_NOT_FOUND if none. */
static bole_status_t s_stored_schedule(bole_call_t *call, int64_t event_id,
                                       Bole__EventSchedule **out)
{
    void *blob = NULL;
    size_t len = 0;
    *out = NULL;
    bole_status_t st = bole_store_event_get_schedule(call->store, event_id, &blob, &len,
                                                     call->err, call->errlen);
    if (st != BOLE_OK)
        return st;
    ProtobufCAllocator alloc = {s_pb_alloc, s_pb_free, call->arena};
    *out = bole__event_schedule__unpack(&alloc, len, blob);
    free(blob);
    if (!*out) {
        snprintf(call->err, call->errlen, "stored schedule is unreadable");
        return BOLE_INTERNAL;
    }
    return BOLE_OK;
}

static int s_keep(const Bole__Interview *iv, const char *talent, const char *need)
{
    return (!talent || strcmp(iv->talent_id, talent) == 0) &&
           (!need || strcmp(iv->need_id, need) == 0);
}

static void s_filter_list(Bole__Interview **list, size_t *n, const char *talent,
                          const char *need)
{
    size_t k = 0;
    for (size_t i = 0; i < *n; i++)
        if (s_keep(list[i], talent, need))
            list[k++] = list[i];
    *n = k;
}

/* Narrows a schedule to one talent's agenda and/or one booth's; the
 * summary figures stay those of the whole event. */
static void s_filter_schedule(Bole__EventSchedule *s, const char *talent, const char *need)
{
    if (!talent && !need)
        return;
    s_filter_list(s->interviews, &s->n_interviews, talent, need);
    s_filter_list(s->unscheduled, &s->n_unscheduled, talent, need);
    s_filter_list(s->added, &s->n_added, talent, need);
    s_filter_list(s->removed, &s->n_removed, talent, need);
    size_t k = 0;
    for (size_t i = 0; i < s->n_unassigned_talent_ids; i++)
        if (talent && !need && strcmp(s->unassigned_talent_ids[i], talent) == 0) {
            s->unassigned_talent_ids[k] = s->unassigned_talent_ids[i];
            if (i < s->n_unassigned_reasons)
                s->unassigned_reasons[k] = s->unassigned_reasons[i];
            k++;
        }
    s->n_unassigned_talent_ids = k;
    s->n_unassigned_reasons = k;
}

static const char *s_opt_id(const char *id)
{
    return id && *id ? id : NULL;
}

bole_status_t bole_handle_get_event_schedule(bole_call_t *call)
{
    const Bole__IdRequest *r = call->request->get_event_schedule;
    bole_store_event_t ev;
    bole_status_t st = s_load_event(call, r->id, &ev);
    if (st != BOLE_OK)
        return st;
    Bole__EventSchedule *s = NULL;
    st = s_stored_schedule(call, ev.id, &s);
    bole_store_event_free(&ev);
    if (st != BOLE_OK)
        return st;
    call->response->body_case = BOLE__RESPONSE__BODY_SCHEDULE;
    call->response->schedule = s;
    return BOLE_OK;
}

/* ---- run_event_matching ---------------------------------------------------- */

typedef struct {
    bole_call_t *call;
    char **ids;
    uint32_t *caps;
    size_t n, cap;
} members_t;

static int s_collect_member(void *ctx, const char *id, uint32_t capacity)
{
    members_t *m = ctx;
    if (m->n == m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 256;
        char **ni = bole_arena_array(m->call->arena, nc, sizeof *ni);
        uint32_t *nk = bole_arena_array(m->call->arena, nc, sizeof *nk);
        if (!ni || !nk)
            return 1;
        if (m->n) {
            memcpy(ni, m->ids, m->n * sizeof *ni);
            memcpy(nk, m->caps, m->n * sizeof *nk);
        }
        m->ids = ni;
        m->caps = nk;
        m->cap = nc;
    }
    m->ids[m->n] = bole_arena_strdup(m->call->arena, id);
    m->caps[m->n] = capacity;
    return m->ids[m->n++] ? 0 : 1;
}

typedef struct {
    uint32_t booth;
    float score;
} cand_t;

/* Keeps the best k candidates in a min-heap on score (h[0] the worst). */
static void s_cand_offer(cand_t *h, size_t *n, size_t k, uint32_t booth, float score)
{
    if (*n < k) {
        size_t i = (*n)++;
        while (i > 0 && h[(i - 1) / 2].score > score) {
            h[i] = h[(i - 1) / 2];
            i = (i - 1) / 2;
        }
        h[i] = (cand_t){booth, score};
        return;
    }
    if (k == 0 || score <= h[0].score)
        return;
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n)
            break;
        if (c + 1 < *n && h[c + 1].score < h[c].score)
            c++;
        if (h[c].score >= score)
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = (cand_t){booth, score};
}

typedef struct {
    const int64_t *ids;     /* Sorted need ids of the booths. */
    size_t n;
} booth_set_t;

static int s_cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int s_in_booths(void *ctx, int64_t id)
{
    const booth_set_t *s = ctx;
    return bsearch(&id, s->ids, s->n, sizeof id, s_cmp_i64) != NULL;
}

static int s_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Index of id in a sorted member list, or -1. */
static long s_member_index(const members_t *m, const char *id)
{
    char *const *hit = bsearch(&id, m->ids, m->n, sizeof *m->ids, s_cmp_str);
    return hit ? (long)(hit - m->ids) : -1;
}

static int s_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

typedef struct {
    uint32_t talent, booth, slot;
    float score;
} pair_t;

static int s_cmp_pair(const void *a, const void *b)
{
    const pair_t *x = a, *y = b;
    if (x->talent != y->talent)
        return x->talent < y->talent ? -1 : 1;
    if (x->slot != y->slot)
        return x->slot < y->slot ? -1 : 1;
    return x->booth < y->booth ? -1 : x->booth > y->booth;
}

static Bole__Interview *s_interview(bole_call_t *call, const char *talent, const char *need,
                                    float score, uint32_t slot, int64_t starts_at)
{
    Bole__Interview *iv = ARENA_NEW(call->arena, Bole__Interview);
    if (!iv)
        return NULL;
    bole__interview__init(iv);
    iv->talent_id = (char *)talent;
    iv->need_id = (char *)need;
    iv->score = score;
    iv->slot = slot;
    iv->starts_at = starts_at;
    return iv;
}

/* Feature logging (issue 6): every assigned pair of a run, with its
 * feature values, under the run's request id and source SOURCE_EVENT. It
 * goes into the writer's transaction, so the log commits (or not) together
 * with the schedule. position = the pair's place in its talent's agenda
 * (1-based, by slot); pairs are sorted by talent then slot. */
static bole_status_t s_log_pairs(bole_call_t *call, const bole_weights_t *w,
                                 const char *request_id, const members_t *tm,
                                 const members_t *bm, const int64_t *tid, const int64_t *bid,
                                 const pair_t *pairs, size_t n, int64_t now)
{
    bole_daemon_t *d = call->daemon;
    bole_arena_t *a = call->arena;
    bole_store_served_t *rows = bole_arena_array(a, n + 1, sizeof *rows);
    float *values = bole_arena_array(a, n * BOLE_RANK_N_FEATURES + 1, sizeof *values);
    float *query = bole_arena_array(a, (size_t)d->dim, sizeof *query);
    int64_t *ids = bole_arena_array(a, n + 1, sizeof *ids);
    float *sims = bole_arena_array(a, n + 1, sizeof *sims);
    if (!rows || !values || !query || !ids || !sims)
        return s_oom(call);
    const char *version = bole_weights_version(w);
    uint32_t position = 0;
    bole_catalog_read_lock(d->catalog);
    for (size_t i = 0; i < n; i++) {
        const pair_t *p = &pairs[i];
        if (i == 0 || pairs[i - 1].talent != p->talent) {
            /* The similarities of this talent's pairs, in one index call. */
            size_t j = i;
            for (; j < n && pairs[j].talent == p->talent; j++)
                ids[j - i] = bid[pairs[j].booth];
            if (bole_index_get(d->talent_index, tid[p->talent], query) != 0 ||
                bole_index_score_ids(d->need_index, query, ids, j - i, sims + i) != 0)
                for (size_t k = i; k < j; k++)
                    sims[k] = 0;
            position = 0;
        }
        const bole_talent_rec_t *t = bole_catalog_talent(d->catalog, tid[p->talent]);
        const bole_need_rec_t *nd = bole_catalog_need(d->catalog, bid[p->booth]);
        float *v = values + i * BOLE_RANK_N_FEATURES;
        if (t && nd)
            bole_rank_features(w, t, nd, isfinite(sims[i]) ? sims[i] : 0, now,
                               BOLE_RANK_NEEDS_FOR_TALENT, v);
        else
            memset(v, 0, BOLE_RANK_N_FEATURES * sizeof *v);
        rows[i] = (bole_store_served_t){request_id, BOLE__FEEDBACK_SOURCE__SOURCE_EVENT, version,
                                        tm->ids[p->talent], bm->ids[p->booth], ++position,
                                        p->score, v, BOLE_RANK_N_FEATURES, now};
    }
    bole_catalog_unlock(d->catalog);
    return bole_store_feature_log_append(call->store, rows, n, call->err, call->errlen);
}

bole_status_t bole_handle_run_event_matching(bole_call_t *call)
{
    const Bole__RunEventMatchingRequest *r = call->request->run_event_matching;
    bole_daemon_t *d = call->daemon;
    bole_arena_t *a = call->arena;
    const char *only_talent = s_opt_id(r->talent_id), *only_need = s_opt_id(r->need_id);
    bole_status_t st;
    if ((only_talent && (st = bole_validate_id(only_talent, "talent_id", call->err,
                                               call->errlen)) != BOLE_OK) ||
        (only_need && (st = bole_validate_id(only_need, "need_id", call->err, call->errlen)) !=
                          BOLE_OK))
        return st;
    uint32_t cpt = r->candidates_per_talent ? r->candidates_per_talent : DEFAULT_CANDIDATES;
    if (cpt > MAX_CANDIDATES) {
        snprintf(call->err, call->errlen, "candidates_per_talent: at most %d (got %u)",
                 MAX_CANDIDATES, cpt);
        return BOLE_INVALID_ARGUMENT;
    }
    if (!isfinite(r->min_score) || !isfinite(r->keep_bonus)) {
        snprintf(call->err, call->errlen, "min_score and keep_bonus must be finite");
        return BOLE_INVALID_ARGUMENT;
    }
    int mode = r->mode == BOLE__ASSIGNMENT_MODE__ASSIGNMENT_STABLE
                   ? BOLE__ASSIGNMENT_MODE__ASSIGNMENT_STABLE
                   : BOLE__ASSIGNMENT_MODE__ASSIGNMENT_OPTIMAL;
    float bonus = r->keep_bonus == 0 ? DEFAULT_KEEP_BONUS : r->keep_bonus < 0 ? 0 : r->keep_bonus;
    bole_store_event_t ev;
    st = s_load_event(call, r->event_id, &ev);
    if (st != BOLE_OK)
        return st;
    Bole__EventSchedule *prev = NULL;
    if (r->read_only) {
        st = s_stored_schedule(call, ev.id, &prev);
        if (st == BOLE_OK) {
            s_filter_schedule(prev, only_talent, only_need);
            call->response->body_case = BOLE__RESPONSE__BODY_SCHEDULE;
            call->response->schedule = prev;
        }
        goto out;
    }
    st = s_stored_schedule(call, ev.id, &prev);
    if (st == BOLE_NOT_FOUND)
        st = BOLE_OK, prev = NULL;
    if (st != BOLE_OK)
        goto out;

    /* Registrations, in external id order. */
    members_t tm = {call, NULL, NULL, 0, 0}, bm = {call, NULL, NULL, 0, 0};
    st = bole_store_event_members(call->store, ev.id, 0, s_collect_member, &tm, call->err,
                                  call->errlen);
    if (st == BOLE_OK)
        st = bole_store_event_members(call->store, ev.id, 1, s_collect_member, &bm, call->err,
                                      call->errlen);
    if (st != BOLE_OK)
        goto out;
    size_t T = tm.n, B = bm.n;
    int64_t now = bole_now_ms();
    const bole_weights_t *w = call->models->weights;
    int64_t *tid = bole_arena_array(a, T + 1, sizeof *tid);
    int64_t *bid = bole_arena_array(a, B + 1, sizeof *bid);
    int64_t *bid_sorted = bole_arena_array(a, B + 1, sizeof *bid_sorted);
    uint32_t *tcap = bole_arena_array(a, T + 1, sizeof *tcap);
    uint32_t *bcap = bole_arena_array(a, B + 1, sizeof *bcap);
    uint32_t *n_cands = bole_arena_array(a, T + 1, sizeof *n_cands);
    float *query = bole_arena_array(a, (size_t)d->dim, sizeof *query);
    size_t pool_k = (size_t)cpt * 4 > 200 ? (size_t)cpt * 4 : 200;
    int exact = B <= EXACT_BOOTHS || B <= pool_k;
    float *sims = bole_arena_array(a, (exact ? B : pool_k) + 1, sizeof *sims);
    int64_t *hits = bole_arena_array(a, pool_k + 1, sizeof *hits);
    cand_t *heap = bole_arena_array(a, cpt + 1, sizeof *heap);
    bole_assign_edge_t *edges = bole_arena_array(a, T * cpt + 1, sizeof *edges);
    if (!tid || !bid || !bid_sorted || !tcap || !bcap || !n_cands || !query || !sims || !hits ||
        !heap || !edges) {
        st = s_oom(call);
        goto out;
    }
    uint32_t skipped = 0;
    size_t n_edges = 0;
    bole_catalog_read_lock(d->catalog);
    for (size_t b = 0; b < B; b++) {
        bid[b] = bole_catalog_need_id(d->catalog, bm.ids[b]);
        const bole_need_rec_t *n = bid[b] ? bole_catalog_need(d->catalog, bid[b]) : NULL;
        bcap[b] = bm.caps[b];
        if (!n || !bole_need_is_open(n, now)) {
            bid[b] = 0; /* Deleted or closed since it registered. */
            bcap[b] = 0;
            skipped++;
        }
        bid_sorted[b] = bid[b];
    }
    qsort(bid_sorted, B, sizeof *bid_sorted, s_cmp_i64);
    booth_set_t set = {bid_sorted, B};
    /* need id -> booth index, through the sorted copy. */
    uint32_t *booth_of = bole_arena_array(a, B + 1, sizeof *booth_of);
    if (!booth_of) {
        bole_catalog_unlock(d->catalog);
        st = s_oom(call);
        goto out;
    }
    for (size_t b = 0; b < B; b++) {
        if (!bid[b])
            continue;
        int64_t *hit = bsearch(&bid[b], bid_sorted, B, sizeof *bid_sorted, s_cmp_i64);
        booth_of[hit - bid_sorted] = (uint32_t)b;
    }
    for (size_t t = 0; t < T; t++) {
        tid[t] = bole_catalog_talent_id(d->catalog, tm.ids[t]);
        const bole_talent_rec_t *rec = tid[t] ? bole_catalog_talent(d->catalog, tid[t]) : NULL;
        tcap[t] = ev.max_interviews;
        n_cands[t] = 0;
        if (!rec || bole_index_get(d->talent_index, tid[t], query) != 0) {
            tcap[t] = 0;
            tid[t] = 0;
            skipped++;
            continue;
        }
        size_t nh = 0;
        if (exact) {
            bole_index_score_ids(d->need_index, query, bid, B, sims);
            for (size_t b = 0; b < B; b++) {
                if (!bid[b] || !isfinite(sims[b]))
                    continue;
                const bole_need_rec_t *n = bole_catalog_need(d->catalog, bid[b]);
                float s = bole_rank_score(w, rec, n, sims[b], now, BOLE_RANK_NEEDS_FOR_TALENT,
                                          NULL);
                if (s != BOLE_RANK_EXCLUDED && s >= r->min_score && s > 0)
                    s_cand_offer(heap, &nh, cpt, (uint32_t)b, s);
            }
        } else {
            size_t got = 0;
            if (bole_index_search(d->need_index, query, pool_k, s_in_booths, &set, hits, sims,
                                  &got, NULL) != 0)
                got = 0;
            for (size_t i = 0; i < got; i++) {
                int64_t *hit = bsearch(&hits[i], bid_sorted, B, sizeof *bid_sorted, s_cmp_i64);
                if (!hit)
                    continue;
                uint32_t b = booth_of[hit - bid_sorted];
                const bole_need_rec_t *n = bole_catalog_need(d->catalog, hits[i]);
                if (!n)
                    continue;
                float s = bole_rank_score(w, rec, n, sims[i], now, BOLE_RANK_NEEDS_FOR_TALENT,
                                          NULL);
                if (s != BOLE_RANK_EXCLUDED && s >= r->min_score && s > 0)
                    s_cand_offer(heap, &nh, cpt, b, s);
            }
        }
        for (size_t i = 0; i < nh; i++)
            edges[n_edges++] = (bole_assign_edge_t){(uint32_t)t, heap[i].booth, heap[i].score};
        n_cands[t] = (uint32_t)nh;
    }
    bole_catalog_unlock(d->catalog);

    /* Previous pairs (talent index << 32 | booth index), sorted. */
    size_t n_prev = 0;
    uint64_t *prev_pairs = NULL;
    if (prev) {
        size_t total = prev->n_interviews + prev->n_unscheduled;
        prev_pairs = bole_arena_array(a, total + 1, sizeof *prev_pairs);
        if (!prev_pairs) {
            st = s_oom(call);
            goto out;
        }
        for (size_t i = 0; i < total; i++) {
            const Bole__Interview *iv = i < prev->n_interviews
                                            ? prev->interviews[i]
                                            : prev->unscheduled[i - prev->n_interviews];
            long ti = s_member_index(&tm, iv->talent_id), bi = s_member_index(&bm, iv->need_id);
            if (ti >= 0 && bi >= 0)
                prev_pairs[n_prev++] = (uint64_t)ti << 32 | (uint64_t)bi;
        }
        qsort(prev_pairs, n_prev, sizeof *prev_pairs, s_cmp_u64);
    }
    /* The algorithms see score + bonus for kept pairs; answers report the
     * true score. */
    bole_assign_edge_t *biased = bole_arena_array(a, n_edges + 1, sizeof *biased);
    uint8_t *chosen = bole_arena_array(a, n_edges + 1, 1);
    if (!biased || !chosen) {
        st = s_oom(call);
        goto out;
    }
    for (size_t e = 0; e < n_edges; e++) {
        biased[e] = edges[e];
        uint64_t key = (uint64_t)edges[e].talent << 32 | edges[e].booth;
        if (bonus > 0 && n_prev && bsearch(&key, prev_pairs, n_prev, sizeof key, s_cmp_u64))
            biased[e].score += bonus;
    }
    bole_assign_problem_t prob = {T, B, tcap, bcap, biased, n_edges};
    int rc = mode == BOLE__ASSIGNMENT_MODE__ASSIGNMENT_STABLE ? bole_assign_stable(&prob, chosen)
                                                             : bole_assign_optimal(&prob, chosen);
    if (rc != 0) {
        st = s_oom(call);
        goto out;
    }
    bole_assign_problem_t truth = {T, B, tcap, bcap, edges, n_edges};
    size_t blocking = bole_assign_blocking_pairs(&truth, chosen);

    /* Schedule the chosen pairs. */
    size_t n_pairs = 0;
    for (size_t e = 0; e < n_edges; e++)
        n_pairs += chosen[e];
    pair_t *pairs = bole_arena_array(a, n_pairs + 1, sizeof *pairs);
    uint32_t *pt = bole_arena_array(a, n_pairs + 1, sizeof *pt);
    uint32_t *pb = bole_arena_array(a, n_pairs + 1, sizeof *pb);
    uint32_t *slot = bole_arena_array(a, n_pairs + 1, sizeof *slot);
    float *ps = bole_arena_array(a, n_pairs + 1, sizeof *ps);
    uint32_t *placed = bole_arena_array(a, T + 1, sizeof *placed);
    if (!pairs || !pt || !pb || !slot || !ps || !placed) {
        st = s_oom(call);
        goto out;
    }
    size_t k = 0;
    double total = 0;
    for (size_t e = 0; e < n_edges; e++)
        if (chosen[e]) {
            pt[k] = edges[e].talent;
            pb[k] = edges[e].booth;
            ps[k] = edges[e].score;
            total += edges[e].score;
            placed[edges[e].talent]++;
            k++;
        }
    uint32_t n_slots = 0;
    if (bole_assign_schedule(T, B, n_pairs, pt, pb, ps, slot, &n_slots) != 0) {
        snprintf(call->err, call->errlen, "scheduling failed (out of memory)");
        st = BOLE_INTERNAL;
        goto out;
    }
    for (size_t i = 0; i < n_pairs; i++)
        pairs[i] = (pair_t){pt[i], pb[i], slot[i], ps[i]};
    qsort(pairs, n_pairs, sizeof *pairs, s_cmp_pair);

    Bole__EventSchedule *s = ARENA_NEW(a, Bole__EventSchedule);
    if (!s) {
        st = s_oom(call);
        goto out;
    }
    bole__event_schedule__init(s);
    s->event_id = bole_arena_strdup(a, ev.external_id);
    s->request_id = bole_feedback_request_id(d, a);
    s->mode = mode;
    s->computed_at = now;
    s->total_score = total;
    s->blocking_pairs = blocking == SIZE_MAX ? 0 : (uint32_t)blocking;
    s->slots_needed = n_slots;
    s->talents_registered = (uint32_t)T;
    s->booths_registered = (uint32_t)B;
    s->seats_filled = (uint32_t)n_pairs;
    s->candidate_pairs = (uint32_t)n_edges;
    s->skipped_registrations = skipped;
    for (size_t b = 0; b < B; b++)
        s->seats_total += bcap[b];
    s->interviews = bole_arena_array(a, n_pairs + 1, sizeof *s->interviews);
    s->unscheduled = bole_arena_array(a, n_pairs + 1, sizeof *s->unscheduled);
    s->added = bole_arena_array(a, n_pairs + 1, sizeof *s->added);
    s->removed = bole_arena_array(a, n_prev + 1, sizeof *s->removed);
    s->unassigned_talent_ids = bole_arena_array(a, T + 1, sizeof(char *));
    s->unassigned_reasons = bole_arena_array(a, T + 1, sizeof(char *));
    uint64_t *now_pairs = bole_arena_array(a, n_pairs + 1, sizeof *now_pairs);
    if (!s->event_id || !s->request_id || !s->interviews || !s->unscheduled || !s->added || !s->removed ||
        !s->unassigned_talent_ids || !s->unassigned_reasons || !now_pairs) {
        st = s_oom(call);
        goto out;
    }
    int64_t slot_ms = (int64_t)ev.slot_minutes * 60000;
    for (size_t i = 0; i < n_pairs; i++) {
        const pair_t *p = &pairs[i];
        int fits = p->slot < ev.slot_count;
        Bole__Interview *iv = s_interview(call, tm.ids[p->talent], bm.ids[p->booth], p->score,
                                          p->slot, fits ? ev.starts_at + p->slot * slot_ms : 0);
        if (!iv) {
            st = s_oom(call);
            goto out;
        }
        if (fits)
            s->interviews[s->n_interviews++] = iv;
        else
            s->unscheduled[s->n_unscheduled++] = iv;
        uint64_t key = (uint64_t)p->talent << 32 | p->booth;
        now_pairs[i] = key;
        if (prev && !bsearch(&key, prev_pairs, n_prev, sizeof key, s_cmp_u64))
            s->added[s->n_added++] = iv;
    }
    qsort(now_pairs, n_pairs, sizeof *now_pairs, s_cmp_u64);
    if (prev) {
        for (size_t i = 0; i < prev->n_interviews + prev->n_unscheduled; i++) {
            Bole__Interview *iv = i < prev->n_interviews
                                      ? prev->interviews[i]
                                      : prev->unscheduled[i - prev->n_interviews];
            long ti = s_member_index(&tm, iv->talent_id), bi = s_member_index(&bm, iv->need_id);
            uint64_t key = (uint64_t)ti << 32 | (uint64_t)bi;
            if (ti < 0 || bi < 0 ||
                !bsearch(&key, now_pairs, n_pairs, sizeof key, s_cmp_u64))
                s->removed[s->n_removed++] = iv;
        }
    }
    for (size_t t = 0; t < T; t++) {
        if (placed[t])
            continue;
        s->talents_unassigned++;
        const char *why = !tid[t] ? "talent no longer exists"
                          : n_cands[t] == 0 ? "no registered booth scores above min_score"
                          : mode == BOLE__ASSIGNMENT_MODE__ASSIGNMENT_STABLE
                              ? "every candidate booth filled with higher-scored talents"
                              : "the optimum gave every candidate booth's seats to others";
        s->unassigned_talent_ids[s->n_unassigned_talent_ids++] = tm.ids[t];
        s->unassigned_reasons[s->n_unassigned_reasons++] = (char *)why;
    }
    /* Store the whole schedule, then answer (maybe a part of) it. */
    size_t len = bole__event_schedule__get_packed_size(s);
    uint8_t *blob = bole_arena_alloc(a, len + 1);
    if (!blob) {
        st = s_oom(call);
        goto out;
    }
    bole__event_schedule__pack(s, blob);
    st = s_log_pairs(call, w, s->request_id, &tm, &bm, tid, bid, pairs, n_pairs, now);
    if (st != BOLE_OK)
        goto out;
    st = bole_store_event_put_schedule(call->store, ev.id, blob, len, now, call->err,
                                       call->errlen);
    if (st != BOLE_OK)
        goto out;
    s_filter_schedule(s, only_talent, only_need);
    call->response->body_case = BOLE__RESPONSE__BODY_SCHEDULE;
    call->response->schedule = s;
out:
    bole_store_event_free(&ev);
    return st;
}
