/*
 * referral.c - the Bole Award: Refer, AdvanceReferral, GetReferral,
 * Leaderboard, ReferrerStatement and VerifyLedger.
 *
 * Writes run on the writer thread inside the group commit: a refused
 * request returns non-OK and its savepoint rolls back, so a refusal changes
 * nothing. Every accepted event is appended to the hash-chained ledger and
 * every point awarded is stored as an itemised line with the rules version
 * that produced it (docs/AWARD.md). Stage changes are published after
 * commit on `referral.<id>` and `referral.referrer.<referrer id>`.
 *
 * The rules file (<model dir>/award_rules.conf) is re-read on the writer
 * thread when its modification time or size changes; a bad file is logged
 * and the previous rules stay in force.
 */
#define _POSIX_C_SOURCE 200809L
#include "handlers.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "award.h"
#include "catalog.h"
#include "ledger.h"
#include "log.h"
#include "scope.h"
#include "validate.h"

#define MAX_NOTE_BYTES 2000
#define DEFAULT_LEADERBOARD 20
#define MAX_LEADERBOARD 1000

/* ---- rules ------------------------------------------------------------------ */

static pthread_mutex_t s_rules_lock = PTHREAD_MUTEX_INITIALIZER;
static bole_award_rules_t *s_rules;     /* Current rules (never freed while in use: see below). */
static bole_award_rules_t *s_old[16];   /* Replaced rules, kept so readers never race a free. */
static size_t s_n_old;
static struct timespec s_mtime;
static off_t s_size;
static ino_t s_ino;

/* Returns the current rules (re-reading the file if it changed), or NULL
 * with err when none could ever be loaded. The pointer stays valid until
 * the process ends (replaced rules are parked, at most a few per run). */
static const bole_award_rules_t *s_rules_get(bole_daemon_t *d, char *err, size_t errlen)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/award_rules.conf", d->config.model_dir);
    struct stat sb;
    pthread_mutex_lock(&s_rules_lock);
    int changed = stat(path, &sb) == 0 &&
                  (!s_rules || sb.st_mtim.tv_sec != s_mtime.tv_sec ||
                   sb.st_mtim.tv_nsec != s_mtime.tv_nsec || sb.st_size != s_size ||
                   sb.st_ino != s_ino);
    if (changed) {
        char why[512];
        bole_award_rules_t *r = bole_award_rules_load(path, why, sizeof why);
        if (!r) {
            log_error("%s (keeping the previous award rules)", why);
            if (!s_rules)
                snprintf(err, errlen, "no award rules: %s", why);
        } else {
            if (s_rules && s_n_old < sizeof s_old / sizeof s_old[0])
                s_old[s_n_old++] = s_rules;
            else
                bole_award_rules_destroy(&s_rules); /* Park list full: rare; see above. */
            if (s_rules == NULL || s_rules != r)
                log_info("award rules %s loaded", bole_award_rules_version(r));
            s_rules = r;
            s_mtime = sb.st_mtim;
            s_size = sb.st_size;
            s_ino = sb.st_ino;
        }
    } else if (!s_rules) {
        snprintf(err, errlen, "no award rules: cannot stat %s", path);
    }
    const bole_award_rules_t *r = s_rules;
    pthread_mutex_unlock(&s_rules_lock);
    return r;
}

void bole_referral_cleanup(void)
{
    pthread_mutex_lock(&s_rules_lock);
    bole_award_rules_destroy(&s_rules);
    for (size_t i = 0; i < s_n_old; i++)
        bole_award_rules_destroy(&s_old[i]);
    s_n_old = 0;
    pthread_mutex_unlock(&s_rules_lock);
}

/* ---- helpers ----------------------------------------------------------------- */

static int64_t s_parse_referral_id(const char *text)
{
    if (!text || text[0] != 'R' || text[1] != '-' || !text[2])
        return 0;
    char *end;
    long long v = strtoll(text + 2, &end, 10);
    return *end || v <= 0 ? 0 : (int64_t)v;
}

static Bole__Referral *s_referral_msg(bole_call_t *call, const bole_store_referral_t *r)
{
    bole_arena_t *a = call->arena;
    Bole__Referral *m = ARENA_NEW(a, Bole__Referral);
    Bole__Referrer *who = ARENA_NEW(a, Bole__Referrer);
    if (!m || !who)
        return NULL;
    bole__referral__init(m);
    bole__referrer__init(who);
    who->id = bole_arena_strdup(a, r->referrer_id);
    who->kind = (Bole__ReferrerKind)r->referrer_kind;
    who->name = bole_arena_strdup(a, r->referrer_name);
    who->zone = bole_arena_strdup(a, r->referrer_zone);
    m->referral_id = bole_arena_printf(a, "R-%" PRId64, r->id);
    m->referrer = who;
    m->talent_id = bole_arena_strdup(a, r->talent_id);
    m->need_id = bole_arena_strdup(a, r->need_id);
    m->stage = (Bole__ReferralStage)r->stage;
    m->duplicate = r->duplicate;
    m->new_talent = r->new_talent;
    m->created_at = r->created_at;
    m->updated_at = r->updated_at;
    m->note = bole_arena_strdup(a, r->note);
    m->points = r->points;
    m->credited_referral_id = r->duplicate ? bole_arena_printf(a, "R-%" PRId64, r->credited_by)
                                           : bole_arena_strdup(a, "");
    if (!who->id || !who->name || !who->zone || !m->referral_id || !m->talent_id ||
        !m->need_id || !m->note || !m->credited_referral_id)
        return NULL;
    return m;
}

typedef struct {
    Bole__Referral *referral;
    char *topic_referral;
    char *topic_referrer;
} publish_t;

static void s_publish(bole_daemon_t *d, void *arg)
{
    publish_t *p = arg;
    Bole__Event ev = BOLE__EVENT__INIT;
    Bole__ReferralEvent body = BOLE__REFERRAL_EVENT__INIT;
    body.referral = p->referral;
    ev.at = p->referral->updated_at;
    ev.body_case = BOLE__EVENT__BODY_REFERRAL;
    ev.referral = &body;
    ev.topic = p->topic_referral;
    bole_daemon_publish(d, p->topic_referral, &ev);
    ev.topic = p->topic_referrer;
    bole_daemon_publish(d, p->topic_referrer, &ev);
}

/* Answers with r (re-read so points are current) and queues its event. */
static bole_status_t s_answer(bole_call_t *call, int64_t id, int publish)
{
    bole_store_referral_t r;
    bole_status_t st = bole_store_referral_get(call->store, id, &r, call->err, call->errlen);
    if (st != BOLE_OK)
        return st;
    Bole__Referral *m = s_referral_msg(call, &r);
    bole_store_referral_free(&r);
    if (!m)
        return BOLE_INTERNAL;
    call->response->body_case = BOLE__RESPONSE__BODY_REFERRAL;
    call->response->referral = m;
    if (!publish)
        return BOLE_OK;
    publish_t *p = ARENA_NEW(call->arena, publish_t);
    if (!p)
        return BOLE_INTERNAL;
    p->referral = m;
    p->topic_referral = bole_arena_printf(call->arena, "referral.%s", m->referral_id);
    p->topic_referrer = bole_arena_printf(call->arena, "referral.referrer.%s", m->referrer->id);
    if (!p->topic_referral || !p->topic_referrer ||
        bole_call_defer(call, s_publish, NULL, p) != 0)
        return BOLE_INTERNAL;
    return BOLE_OK;
}

static bole_status_t s_check_text(bole_call_t *call, const char *text, size_t max,
                                  const char *what)
{
    size_t n = text ? strlen(text) : 0;
    if (n > max) {
        snprintf(call->err, call->errlen, "%s: at most %zu bytes (got %zu)", what, max, n);
        return BOLE_INVALID_ARGUMENT;
    }
    return BOLE_OK;
}

/* Stores the award lines a credited referral earns at its new stage and
 * returns their sum in *points. */
static bole_status_t s_award(bole_call_t *call, const bole_award_rules_t *rules,
                             const bole_store_referral_t *r, int64_t at, double *points)
{
    *points = 0;
    if (!r->credited)
        return BOLE_OK;
    bole_award_context_t ctx = {
        .urgent_need = r->urgent_need,
        .high_level = r->high_level,
        .urgently_needed = r->urgently_needed,
        .new_talent = r->new_talent,
        .institution = r->referrer_kind == BOLE__REFERRER_KIND__REFERRER_INSTITUTION,
    };
    if (r->stage == BOLE_STAGE_LEFT_IN_PROBATION) {
        bole_status_t st = bole_store_award_stage_points(call->store, r->id, BOLE_STAGE_HIRED,
                                                         &ctx.hired_points, call->err,
                                                         call->errlen);
        if (st != BOLE_OK)
            return st;
    }
    bole_award_item_t items[BOLE_AWARD_MAX_ITEMS * 2];
    size_t n = 0;
    if (r->stage == BOLE_STAGE_VERIFIED) /* Submitting earns when the credit is granted. */
        n += bole_award_items(rules, BOLE_STAGE_SUBMITTED, &ctx, items);
    n += bole_award_items(rules, r->stage, &ctx, items + n);
    for (size_t i = 0; i < n; i++) {
        bole_store_award_t a = {
            .referral_id = r->id,
            .referrer_id = r->referrer_id,
            .stage = items[i].stage,
            .rule = items[i].rule,
            .base = items[i].base,
            .multiplier = items[i].multiplier,
            .points = items[i].points,
            .at = at,
            .rules_version = bole_award_rules_version(rules),
        };
        bole_status_t st = bole_store_award_add(call->store, &a, call->err, call->errlen);
        if (st != BOLE_OK)
            return st;
        *points += items[i].points;
    }
    return BOLE_OK;
}

/* ---- zone scope -------------------------------------------------------------- */

typedef struct {
    char zone[256];
} zone_buf_t;

static int s_zone_row(void *ctx, const bole_store_referrer_row_t *row)
{
    zone_buf_t *z = ctx;
    snprintf(z->zone, sizeof z->zone, "%s", row->zone ? row->zone : "");
    return 0;
}

/* A referral belongs to its talent's zone; once the talent is gone (or
 * before it is known), to the referrer's home zone. */
static bole_status_t s_scope_referral(bole_call_t *call, const bole_store_referral_t *r,
                                      const char *shown_id)
{
    if (!bole_principal_scoped(call->principal))
        return BOLE_OK;
    char zone[256];
    if (!bole_scope_talent_zone(call->daemon, r->talent_id, zone, sizeof zone))
        snprintf(zone, sizeof zone, "%s", r->referrer_zone ? r->referrer_zone : "");
    return bole_scope_zone(call, zone, "referral", shown_id);
}

/* Refer through a scoped key: the talent (if known), the need (if given and
 * known), the referrer's given home zone and, for a known referrer, its
 * stored one (a referral rewrites it) must all be of the key's zones. */
static bole_status_t s_scope_refer(bole_call_t *call, const Bole__ReferRequest *q)
{
    if (!bole_principal_scoped(call->principal))
        return BOLE_OK;
    bole_status_t st = bole_scope_talent(call, q->talent_id);
    if (st == BOLE_OK && q->need_id[0])
        st = bole_scope_need(call, q->need_id);
    if (st == BOLE_OK)
        st = bole_scope_zone(call, q->referrer->zone, "referrer", q->referrer->id);
    zone_buf_t stored = {""};
    if (st == BOLE_OK) {
        char why[256];
        bole_status_t got = bole_store_referrer_get(call->store, q->referrer->id, s_zone_row,
                                                    &stored, why, sizeof why);
        if (got == BOLE_OK)
            st = bole_scope_zone(call, stored.zone, "referrer", q->referrer->id);
        else if (got != BOLE_NOT_FOUND) {
            snprintf(call->err, call->errlen, "%s", why);
            st = got;
        }
    }
    return st;
}

/* ---- refer ------------------------------------------------------------------- */

bole_status_t bole_handle_refer(bole_call_t *call)
{
    const Bole__ReferRequest *q = call->request->refer;
    bole_daemon_t *d = call->daemon;
    const Bole__Referrer *who = q->referrer;
    const char *token = call->request->client_token;
    bole_status_t st;
    if (!who) {
        snprintf(call->err, call->errlen, "refer.referrer: required");
        return BOLE_INVALID_ARGUMENT;
    }
    if ((st = bole_validate_id(who->id, "refer.referrer.id", call->err, call->errlen)) ||
        (st = bole_validate_id(q->talent_id, "refer.talent_id", call->err, call->errlen)))
        return st;
    if (q->need_id[0] &&
        (st = bole_validate_id(q->need_id, "refer.need_id", call->err, call->errlen)))
        return st;
    if (who->kind != BOLE__REFERRER_KIND__REFERRER_INSTITUTION &&
        who->kind != BOLE__REFERRER_KIND__REFERRER_INDIVIDUAL) {
        snprintf(call->err, call->errlen, "refer.referrer.kind: must be institution or "
                 "individual");
        return BOLE_INVALID_ARGUMENT;
    }
    if ((st = s_check_text(call, q->note, MAX_NOTE_BYTES, "refer.note")) ||
        (st = s_check_text(call, who->name, BOLE_MAX_NAME_BYTES, "refer.referrer.name")) ||
        (st = s_check_text(call, who->zone, BOLE_MAX_NAME_BYTES, "refer.referrer.zone")) ||
        (st = s_check_text(call, token, BOLE_MAX_ID_BYTES, "client_token")) ||
        (st = s_scope_refer(call, q)))
        return st;
    if (token && token[0]) {
        int64_t id;
        st = bole_store_referral_by_token(call->store, token, &id, call->err, call->errlen);
        if (st == BOLE_OK)
            return s_answer(call, id, 0); /* A retry: same answer, nothing new. */
        if (st != BOLE_NOT_FOUND)
            return st;
    }
    /* Self-referral: the referrer's id is the talent's own portal id. */
    if (strcmp(who->id, q->talent_id) == 0) {
        snprintf(call->err, call->errlen, "refer: self-referral is not allowed (referrer id "
                 "'%s' is the talent's id)", who->id);
        return BOLE_INVALID_ARGUMENT;
    }
    int kind;
    st = bole_store_referrer_kind(call->store, who->id, &kind, call->err, call->errlen);
    if (st == BOLE_OK && kind != (int)who->kind) {
        snprintf(call->err, call->errlen, "refer.referrer.kind: referrer '%s' is registered "
                 "as another kind", who->id);
        return BOLE_FAILED_PRECONDITION;
    }
    if (st != BOLE_OK && st != BOLE_NOT_FOUND)
        return st;

    const bole_award_rules_t *rules = s_rules_get(d, call->err, call->errlen);
    if (!rules)
        return BOLE_FAILED_PRECONDITION;
    int64_t now = bole_now_ms();
    bole_store_referral_t r = {
        .referrer_id = who->id,
        .referrer_kind = (int)who->kind,
        .referrer_name = who->name,
        .referrer_zone = who->zone,
        .talent_id = q->talent_id,
        .need_id = q->need_id,
        .note = q->note,
        .stage = BOLE_STAGE_SUBMITTED,
        .created_at = now,
        .updated_at = now,
    };
    int64_t talent_internal = 0;
    bole_catalog_read_lock(d->catalog);
    talent_internal = bole_catalog_talent_id(d->catalog, q->talent_id);
    const bole_talent_rec_t *t = talent_internal ? bole_catalog_talent(d->catalog, talent_internal)
                                                 : NULL;
    const bole_need_rec_t *n = NULL;
    if (t) {
        r.high_level = (t->categories >> BOLE__TALENT_CATEGORY__CATEGORY_HIGH_LEVEL) & 1;
        r.urgently_needed = (t->categories >> BOLE__TALENT_CATEGORY__CATEGORY_URGENTLY_NEEDED) & 1;
    }
    if (q->need_id[0]) {
        int64_t nid = bole_catalog_need_id(d->catalog, q->need_id);
        n = nid ? bole_catalog_need(d->catalog, nid) : NULL;
        if (n)
            r.urgent_need = n->urgency >= bole_award_urgent_min_urgency(rules);
    }
    bole_catalog_unlock(d->catalog);
    if (!t) {
        snprintf(call->err, call->errlen, "no talent with id '%s'", q->talent_id);
        return BOLE_NOT_FOUND;
    }
    if (q->need_id[0] && !n) {
        snprintf(call->err, call->errlen, "no need with id '%s'", q->need_id);
        return BOLE_NOT_FOUND;
    }
    uint32_t cap = bole_award_cap_open(rules), open = 0;
    if (cap) {
        int64_t from, to;
        bole_award_period_containing(bole_award_cap_period(rules), now, &from, &to);
        st = bole_store_referral_count_open(call->store, who->id, from, to, &open, call->err,
                                            call->errlen);
        if (st != BOLE_OK)
            return st;
        if (open >= cap) {
            snprintf(call->err, call->errlen, "referrer '%s' has %u open referrals this period "
                     "(cap %u, rules %s)", who->id, open, cap, bole_award_rules_version(rules));
            return BOLE_RESOURCE_EXHAUSTED;
        }
    }
    int64_t first_seen;
    st = bole_store_talent_first_seen(call->store, talent_internal, &first_seen, call->err,
                                      call->errlen);
    if (st != BOLE_OK)
        return st;
    r.new_talent = first_seen != 0 && first_seen >= now - bole_award_new_talent_window_ms(rules);
    st = bole_store_award_rules_record(call->store, bole_award_rules_version(rules),
                                       bole_award_rules_text(rules), now, call->err, call->errlen);
    if (st == BOLE_OK)
        st = bole_store_referral_insert(call->store, &r, token, &r.id, call->err, call->errlen);
    if (st == BOLE_OK)
        st = bole_store_ledger_append(call->store, &r, "refer", who->id, q->note,
                                      bole_award_rules_version(rules), 0, now, NULL, call->err,
                                      call->errlen);
    if (st != BOLE_OK)
        return st;
    return s_answer(call, r.id, 1);
}

/* ---- advance ----------------------------------------------------------------- */

bole_status_t bole_handle_advance_referral(bole_call_t *call)
{
    const Bole__AdvanceReferralRequest *q = call->request->advance_referral;
    bole_status_t st;
    int64_t id = s_parse_referral_id(q->referral_id);
    if (!id) {
        snprintf(call->err, call->errlen, "advance_referral.referral_id: expected 'R-<number>', "
                 "got '%s'", q->referral_id);
        return BOLE_INVALID_ARGUMENT;
    }
    if ((int)q->stage <= 0 || (int)q->stage >= BOLE_STAGE_COUNT) {
        snprintf(call->err, call->errlen, "advance_referral.stage: required");
        return BOLE_INVALID_ARGUMENT;
    }
    if ((st = s_check_text(call, q->evidence, MAX_NOTE_BYTES, "advance_referral.evidence")) ||
        (st = s_check_text(call, q->actor, BOLE_MAX_ID_BYTES, "advance_referral.actor")))
        return st;
    if (q->at < 0) {
        snprintf(call->err, call->errlen, "advance_referral.at: must not be negative");
        return BOLE_INVALID_ARGUMENT;
    }
    const bole_award_rules_t *rules = s_rules_get(call->daemon, call->err, call->errlen);
    if (!rules)
        return BOLE_FAILED_PRECONDITION;
    bole_store_referral_t r;
    st = bole_store_referral_get(call->store, id, &r, call->err, call->errlen);
    if (st != BOLE_OK)
        return st;
    if ((st = s_scope_referral(call, &r, q->referral_id)) != BOLE_OK) {
        bole_store_referral_free(&r);
        return st;
    }
    int64_t at = q->at ? q->at : bole_now_ms();
    int to = (int)q->stage;
    int64_t probation_ms = (int64_t)bole_award_probation_days(rules) * 86400000;
    if (!bole_award_transition_legal(r.stage, to)) {
        snprintf(call->err, call->errlen, "referral %s is %s: cannot move to %s",
                 q->referral_id, bole_award_stage_name(r.stage), bole_award_stage_name(to));
        st = BOLE_FAILED_PRECONDITION;
    } else if (at < r.updated_at) {
        snprintf(call->err, call->errlen, "advance_referral.at: %" PRId64 " is before the "
                 "referral's last change (%" PRId64 ")", at, r.updated_at);
        st = BOLE_FAILED_PRECONDITION;
    } else if (to == BOLE_STAGE_RETAINED && at < r.hired_at + probation_ms) {
        snprintf(call->err, call->errlen, "referral %s: probation (%d days, rules %s) ends at "
                 "%" PRId64 "; cannot be retained before", q->referral_id,
                 bole_award_probation_days(rules), bole_award_rules_version(rules),
                 r.hired_at + probation_ms);
        st = BOLE_FAILED_PRECONDITION;
    } else if (to == BOLE_STAGE_LEFT_IN_PROBATION && at >= r.hired_at + probation_ms) {
        snprintf(call->err, call->errlen, "referral %s: probation already ended; record "
                 "retained or withdrawn instead", q->referral_id);
        st = BOLE_FAILED_PRECONDITION;
    }
    double points = 0;
    if (st == BOLE_OK) {
        r.stage = to;
        r.updated_at = at;
        if (to == BOLE_STAGE_HIRED)
            r.hired_at = at;
        if (to == BOLE_STAGE_VERIFIED) {
            int64_t holder;
            st = bole_store_referral_credit_holder(call->store, r.talent_id, r.need_id, &holder,
                                                   call->err, call->errlen);
            if (st == BOLE_OK && holder) {
                r.duplicate = 1;
                r.credited_by = holder;
            } else {
                r.credited = 1;
            }
        }
    }
    if (st == BOLE_OK)
        st = bole_store_award_rules_record(call->store, bole_award_rules_version(rules),
                                           bole_award_rules_text(rules), at, call->err,
                                           call->errlen);
    if (st == BOLE_OK)
        st = bole_store_referral_update(call->store, &r, call->err, call->errlen);
    if (st == BOLE_OK)
        st = s_award(call, rules, &r, at, &points);
    if (st == BOLE_OK)
        st = bole_store_ledger_append(call->store, &r, "advance", q->actor, q->evidence,
                                      bole_award_rules_version(rules), points, at, NULL,
                                      call->err, call->errlen);
    bole_store_referral_free(&r);
    if (st != BOLE_OK)
        return st;
    return s_answer(call, id, 1);
}

/* ---- reads ------------------------------------------------------------------- */

bole_status_t bole_handle_get_referral(bole_call_t *call)
{
    const char *text = call->request->get_referral->id;
    int64_t id = s_parse_referral_id(text);
    if (!id) {
        snprintf(call->err, call->errlen, "get_referral.id: expected 'R-<number>', got '%s'",
                 text);
        return BOLE_INVALID_ARGUMENT;
    }
    if (bole_principal_scoped(call->principal)) {
        bole_store_referral_t r;
        bole_status_t st = bole_store_referral_get(call->store, id, &r, call->err, call->errlen);
        if (st != BOLE_OK)
            return st;
        st = s_scope_referral(call, &r, text);
        bole_store_referral_free(&r);
        if (st != BOLE_OK)
            return st;
    }
    return s_answer(call, id, 0);
}

static Bole__Referrer *s_referrer_msg(bole_arena_t *a, const bole_store_referrer_row_t *row)
{
    Bole__Referrer *who = ARENA_NEW(a, Bole__Referrer);
    if (!who)
        return NULL;
    bole__referrer__init(who);
    who->id = bole_arena_strdup(a, row->id);
    who->kind = (Bole__ReferrerKind)row->kind;
    who->name = bole_arena_strdup(a, row->name);
    who->zone = bole_arena_strdup(a, row->zone);
    return who->id && who->name && who->zone ? who : NULL;
}

typedef struct {
    bole_arena_t *arena;
    Bole__LeaderboardEntry **entries;
    size_t n;
} board_t;

static int s_board_row(void *ctx, const bole_store_referrer_row_t *row)
{
    board_t *b = ctx;
    Bole__LeaderboardEntry *e = ARENA_NEW(b->arena, Bole__LeaderboardEntry);
    if (!e)
        return -1;
    bole__leaderboard_entry__init(e);
    e->referrer = s_referrer_msg(b->arena, row);
    e->points = row->points;
    e->referrals = row->referrals;
    e->hires = row->hires;
    e->rank = (uint32_t)(b->n + 1);
    b->entries[b->n++] = e;
    return e->referrer ? 0 : -1;
}

bole_status_t bole_handle_leaderboard(bole_call_t *call)
{
    const Bole__LeaderboardRequest *q = call->request->leaderboard;
    int64_t from, to;
    if (bole_award_period_range(q->period, &from, &to) != 0) {
        snprintf(call->err, call->errlen, "leaderboard.period: expected '', 'YYYY', 'YYYY-Qn' "
                 "or 'YYYY-MM', got '%s'", q->period);
        return BOLE_INVALID_ARGUMENT;
    }
    /* A scoped key names one of its zones: referrers are ranked by home zone. */
    if (bole_principal_scoped(call->principal)) {
        if (!q->zone[0]) {
            char mine[512];
            snprintf(call->err, call->errlen, "leaderboard.zone: key '%s' must name one of its "
                     "zones (%s)", call->principal->name,
                     bole_principal_zones_text(call->principal, mine, sizeof mine));
            return BOLE_PERMISSION_DENIED;
        }
        bole_status_t st = bole_scope_zone(call, q->zone, "leaderboard", q->zone);
        if (st != BOLE_OK)
            return st;
    }
    uint32_t limit = q->limit ? q->limit : DEFAULT_LEADERBOARD;
    if (limit > MAX_LEADERBOARD) {
        snprintf(call->err, call->errlen, "leaderboard.limit: at most %d", MAX_LEADERBOARD);
        return BOLE_INVALID_ARGUMENT;
    }
    board_t b = {call->arena, bole_arena_array(call->arena, limit, sizeof *b.entries), 0};
    Bole__LeaderboardResponse *resp = ARENA_NEW(call->arena, Bole__LeaderboardResponse);
    if (!b.entries || !resp)
        return BOLE_INTERNAL;
    bole_status_t st = bole_store_leaderboard(call->store, from, to, q->zone, (int)q->kind, limit,
                                              s_board_row, &b, call->err, call->errlen);
    if (st != BOLE_OK)
        return st;
    bole__leaderboard_response__init(resp);
    resp->entries = b.entries;
    resp->n_entries = b.n;
    char why[256];
    const bole_award_rules_t *rules = s_rules_get(call->daemon, why, sizeof why);
    resp->rules_version = (char *)(rules ? bole_award_rules_version(rules) : "");
    call->response->body_case = BOLE__RESPONSE__BODY_LEADERBOARD;
    call->response->leaderboard = resp;
    return BOLE_OK;
}

typedef struct {
    bole_arena_t *arena;
    Bole__StatementItem **items;
    size_t n, cap;
    double total;
    Bole__Referrer *who;
} statement_t;

static int s_who(void *ctx, const bole_store_referrer_row_t *row)
{
    statement_t *s = ctx;
    s->who = s_referrer_msg(s->arena, row);
    return s->who ? 0 : -1;
}

static int s_item(void *ctx, const bole_store_award_t *a)
{
    statement_t *s = ctx;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        Bole__StatementItem **items = bole_arena_array(s->arena, cap, sizeof *items);
        if (!items)
            return -1;
        if (s->n)
            memcpy(items, s->items, s->n * sizeof *items);
        s->items = items;
        s->cap = cap;
    }
    Bole__StatementItem *it = ARENA_NEW(s->arena, Bole__StatementItem);
    if (!it)
        return -1;
    bole__statement_item__init(it);
    it->referral_id = bole_arena_printf(s->arena, "R-%" PRId64, a->referral_id);
    it->talent_id = bole_arena_strdup(s->arena, a->talent_id);
    it->need_id = bole_arena_strdup(s->arena, a->need_id);
    it->stage = (Bole__ReferralStage)a->stage;
    it->rule = bole_arena_strdup(s->arena, a->rule);
    it->base_points = a->base;
    it->multiplier = a->multiplier;
    it->points = a->points;
    it->at = a->at;
    it->rules_version = bole_arena_strdup(s->arena, a->rules_version);
    s->items[s->n++] = it;
    s->total += a->points;
    return it->referral_id && it->talent_id && it->need_id && it->rule && it->rules_version
               ? 0 : -1;
}

bole_status_t bole_handle_referrer_statement(bole_call_t *call)
{
    const Bole__StatementRequest *q = call->request->referrer_statement;
    bole_status_t st = bole_validate_id(q->referrer_id, "referrer_statement.referrer_id",
                                        call->err, call->errlen);
    if (st != BOLE_OK)
        return st;
    int64_t from, to;
    if (bole_award_period_range(q->period, &from, &to) != 0) {
        snprintf(call->err, call->errlen, "referrer_statement.period: expected '', 'YYYY', "
                 "'YYYY-Qn' or 'YYYY-MM', got '%s'", q->period);
        return BOLE_INVALID_ARGUMENT;
    }
    statement_t s = {.arena = call->arena};
    st = bole_store_referrer_get(call->store, q->referrer_id, s_who, &s, call->err, call->errlen);
    /* A statement belongs to the referrer's home zone. */
    if (st == BOLE_OK)
        st = bole_scope_zone(call, s.who ? s.who->zone : "", "referrer", q->referrer_id);
    if (st == BOLE_OK)
        st = bole_store_award_list(call->store, q->referrer_id, from, to, s_item, &s, call->err,
                                   call->errlen);
    if (st != BOLE_OK)
        return st;
    Bole__StatementResponse *resp = ARENA_NEW(call->arena, Bole__StatementResponse);
    if (!resp)
        return BOLE_INTERNAL;
    bole__statement_response__init(resp);
    resp->referrer = s.who;
    resp->items = s.items;
    resp->n_items = s.n;
    resp->total = (double)llround(s.total * 1000.0) / 1000.0;
    call->response->body_case = BOLE__RESPONSE__BODY_STATEMENT;
    call->response->statement = resp;
    return BOLE_OK;
}

bole_status_t bole_handle_verify_ledger(bole_call_t *call)
{
    bole_store_ledger_report_t rep;
    bole_status_t st = bole_store_ledger_verify(call->store, &rep, call->err, call->errlen);
    if (st != BOLE_OK)
        return st;
    Bole__VerifyLedgerResponse *resp = ARENA_NEW(call->arena, Bole__VerifyLedgerResponse);
    uint8_t *head = bole_arena_alloc(call->arena, sizeof rep.head_hash);
    if (!resp || !head)
        return BOLE_INTERNAL;
    bole__verify_ledger_response__init(resp);
    resp->ok = rep.first_bad == 0;
    resp->entries = rep.entries;
    resp->first_bad_entry = rep.first_bad;
    resp->message = bole_arena_strdup(call->arena, rep.message);
    memcpy(head, rep.head_hash, sizeof rep.head_hash);
    resp->head_hash.data = head;
    resp->head_hash.len = rep.entries ? sizeof rep.head_hash : 0;
    if (!resp->message)
        return BOLE_INTERNAL;
    call->response->body_case = BOLE__RESPONSE__BODY_VERIFY_LEDGER;
    call->response->verify_ledger = resp;
    return BOLE_OK;
}
