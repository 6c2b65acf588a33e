/*
 * profiles.c - put, get, delete and close for talents and needs, single and
 * bulk. The two sides share one code path through a small table of
 * per-entity operations; what differs (validation, embedding, the record
 * built for the catalog) lives behind it.
 *
 * A put validates every item first, embeds it, writes it in the writer's
 * transaction, and defers the catalog and index update until the batch has
 * committed, so readers never see a write that could still roll back, and
 * the reply (sent after the deferred work) implies read-your-writes.
 */
#include "handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "embed.h"
#include "feedback.h"
#include "index.h"
#include "live.h"
#include "log.h"
#include "profile_build.h"
#include "state.h"
#include "trend.h"
#include "validate.h"

/* ---- per-entity operations ------------------------------------------------ */

typedef struct {
    bole_entity_t entity;
    const char *name;                                   /* "talent" or "need" */
    bole_status_t (*validate)(const void *msg, const char *what, char *err, size_t errlen);
    bole_status_t (*embed)(const bole_model_t *model, const void *msg, float *out, char *err,
                           size_t errlen);
    const char *(*external_id)(const void *msg);
    const char *(*zone)(const void *msg);
    /* Packs msg with updated_at set and vector/internal id cleared. */
    uint8_t *(*pack_stored)(bole_arena_t *arena, const void *msg, int64_t updated_at,
                            size_t *len);
    void *(*build)(bole_intern_t *names, const void *msg, int64_t id, int64_t updated_at);
    void (*set_id)(void *record, int64_t id);
    void (*free_record)(void *record);
    bole_index_t *(*index)(bole_daemon_t *daemon);
} entity_ops_t;

static bole_status_t s_talent_validate(const void *m, const char *w, char *e, size_t l)
{
    return bole_validate_talent(m, w, e, l);
}
static bole_status_t s_need_validate(const void *m, const char *w, char *e, size_t l)
{
    return bole_validate_need(m, w, e, l);
}
static bole_status_t s_talent_embed(const bole_model_t *mo, const void *m, float *o, char *e,
                                    size_t l)
{
    return bole_embed_talent(mo, m, o, e, l);
}
static bole_status_t s_need_embed(const bole_model_t *mo, const void *m, float *o, char *e,
                                  size_t l)
{
    return bole_embed_need(mo, m, o, e, l);
}
static const char *s_talent_ext(const void *m) { return ((const Bole__Talent *)m)->external_id; }
static const char *s_need_ext(const void *m) { return ((const Bole__Need *)m)->external_id; }
static const char *s_talent_zone(const void *m) { return ((const Bole__Talent *)m)->zone; }
static const char *s_need_zone(const void *m) { return ((const Bole__Need *)m)->zone; }

static uint8_t *s_talent_pack(bole_arena_t *arena, const void *m, int64_t at, size_t *len)
{
    Bole__Talent copy = *(const Bole__Talent *)m;
    copy.updated_at = at;
    copy.internal_id = 0;
    copy.n_vector = 0;
    copy.vector = NULL;
    *len = bole__talent__get_packed_size(&copy);
    uint8_t *buf = bole_arena_alloc(arena, *len);
    if (buf)
        bole__talent__pack(&copy, buf);
    return buf;
}

static uint8_t *s_need_pack(bole_arena_t *arena, const void *m, int64_t at, size_t *len)
{
    Bole__Need copy = *(const Bole__Need *)m;
    copy.updated_at = at;
    copy.internal_id = 0;
    copy.n_vector = 0;
    copy.vector = NULL;
    *len = bole__need__get_packed_size(&copy);
    uint8_t *buf = bole_arena_alloc(arena, *len);
    if (buf)
        bole__need__pack(&copy, buf);
    return buf;
}

static void *s_talent_build(bole_intern_t *names, const void *m, int64_t id, int64_t at)
{
    bole_talent_rec_t *t = bole_talent_rec_build(names, m, id);
    if (t)
        t->updated_at = at;
    return t;
}
static void *s_need_build(bole_intern_t *names, const void *m, int64_t id, int64_t at)
{
    bole_need_rec_t *n = bole_need_rec_build(names, m, id);
    if (n)
        n->updated_at = at;
    return n;
}
static void s_talent_set_id(void *r, int64_t id) { ((bole_talent_rec_t *)r)->id = id; }
static void s_need_set_id(void *r, int64_t id) { ((bole_need_rec_t *)r)->id = id; }
static void s_talent_free(void *r) { bole_talent_rec_free(r); }
static void s_need_free(void *r) { bole_need_rec_free(r); }
static bole_index_t *s_talent_index(bole_daemon_t *d) { return d->talent_index; }
static bole_index_t *s_need_index(bole_daemon_t *d) { return d->need_index; }

static const entity_ops_t s_talent_ops = {
    BOLE_ENTITY_TALENT, "talent", s_talent_validate, s_talent_embed, s_talent_ext,
    s_talent_zone, s_talent_pack, s_talent_build, s_talent_set_id, s_talent_free,
    s_talent_index,
};
static const entity_ops_t s_need_ops = {
    BOLE_ENTITY_NEED, "need", s_need_validate, s_need_embed, s_need_ext,
    s_need_zone, s_need_pack, s_need_build, s_need_set_id, s_need_free, s_need_index,
};

/* ---- applying committed changes to the catalog and index ----------------- */

typedef struct {
    const entity_ops_t *ops;
    size_t n;
    void **records;      /* Built records (owned until applied), NULL for deletes. */
    int64_t *ids;
    float *vectors;      /* n * dim, for puts. */
    int deleted;         /* 1: remove ids instead. */
    uint64_t seq;        /* Highest change-log seq of these changes (live.h). */
} apply_t;

static void s_apply(bole_daemon_t *d, void *arg)
{
    apply_t *a = arg;
    char err[256];
    bole_catalog_write_lock(d->catalog);
    for (size_t i = 0; i < a->n; i++) {
        if (a->deleted) {
            if (a->ops->entity == BOLE_ENTITY_TALENT)
                bole_catalog_remove_talent(d->catalog, a->ids[i]);
            else
                bole_catalog_remove_need(d->catalog, a->ids[i]);
            continue;
        }
        int rc = a->ops->entity == BOLE_ENTITY_TALENT
                     ? bole_catalog_put_talent(d->catalog, a->records[i])
                     : bole_catalog_put_need(d->catalog, a->records[i]);
        a->records[i] = NULL; /* The catalog owns (or freed) it now. */
        if (rc != 0)
            log_error("out of memory applying %s %lld to the catalog", a->ops->name,
                      (long long)a->ids[i]);
    }
    bole_catalog_unlock(d->catalog);
    bole_index_t *index = a->ops->index(d);
    if (a->deleted) {
        for (size_t i = 0; i < a->n; i++)
            bole_index_remove(index, a->ids[i]);
    } else if (bole_index_upsert_batch(index, a->n, a->ids, a->vectors, err, sizeof err) != 0) {
        /* The store has it; a restart rebuilds the index from the store. */
        log_error("index update of %zu %ss failed: %s", a->n, a->ops->name, err);
    }
    bole_live_notify(d, a->seq);
}

static void s_cancel(bole_daemon_t *d, void *arg)
{
    (void)d;
    apply_t *a = arg;
    for (size_t i = 0; a->records && i < a->n; i++)
        if (a->records[i])
            a->ops->free_record(a->records[i]);
}

static apply_t *s_apply_new(bole_call_t *call, const entity_ops_t *ops, size_t n, int deleted)
{
    int dim = call->daemon->dim;
    apply_t *a = ARENA_NEW(call->arena, apply_t);
    if (!a)
        return NULL;
    a->ops = ops;
    a->deleted = deleted;
    a->ids = bole_arena_array(call->arena, n ? n : 1, sizeof *a->ids);
    if (!deleted) {
        a->records = bole_arena_array(call->arena, n ? n : 1, sizeof *a->records);
        a->vectors = bole_arena_array(call->arena, (n ? n : 1) * (size_t)dim, sizeof(float));
    }
    if (!a->ids || (!deleted && (!a->records || !a->vectors)))
        return NULL;
    return a;
}

/* A zone-scoped key may only see and change records of its zones. */
static bole_status_t s_zone_check(const bole_call_t *call, const char *zone, const char *what,
                                  char *err, size_t errlen)
{
    if (bole_principal_zone_ok(call->principal, zone))
        return BOLE_OK;
    snprintf(err, errlen, "key '%s' may not access %s in zone '%s'", call->principal->name, what,
             zone ? zone : "");
    return BOLE_PERMISSION_DENIED;
}

/* ---- puts ----------------------------------------------------------------- */

/* Writes items[0..n) in the current transaction. Validation and embedding
 * run for every item before anything is written; then any failure fails the
 * whole request (the server rolls its savepoint back). Per-item problems go
 * to bulk->errors when bulk is not NULL. embedded, when not NULL, holds the
 * items' vectors, already validated and embedded (put_prep.h). */
static bole_status_t s_put_many(bole_call_t *call, const entity_ops_t *ops, void **items,
                                size_t n, Bole__PutResult **results, Bole__BulkPutResponse *bulk,
                                const float *embedded)
{
    bole_daemon_t *d = call->daemon;
    int dim = d->dim;
    if (n == 0) {
        snprintf(call->err, call->errlen, "no %ss given", ops->name);
        return BOLE_INVALID_ARGUMENT;
    }
    if ((long)n > d->config.max_bulk_items) {
        snprintf(call->err, call->errlen, "%zu %ss in one request, at most %ld allowed "
                 "(--max-bulk-items)", n, ops->name, d->config.max_bulk_items);
        return BOLE_INVALID_ARGUMENT;
    }
    apply_t *apply = s_apply_new(call, ops, n, 0);
    if (!apply)
        return BOLE_INTERNAL;
    size_t n_errors = 0;
    /* Validated and embedded before the writer (put_prep.h): only copied. */
    if (embedded)
        memcpy(apply->vectors, embedded, n * (size_t)dim * sizeof *embedded);
    for (size_t i = 0; i < n && !embedded; i++) {
        char what[64], why[512];
        snprintf(what, sizeof what, bulk ? "%ss[%zu]" : "%s", ops->name, i);
        bole_status_t st = ops->validate(items[i], what, why, sizeof why);
        if (st == BOLE_OK)
            st = s_zone_check(call, ops->zone(items[i]), what, why, sizeof why);
        if (st == BOLE_OK)
            st = ops->embed(call->models->model, items[i], apply->vectors + i * (size_t)dim,
                            why, sizeof why);
        if (st == BOLE_OK)
            continue;
        if (!bulk) {
            snprintf(call->err, call->errlen, "%s", why);
            return st;
        }
        if (!bulk->errors) {
            bulk->errors = bole_arena_array(call->arena, n, sizeof *bulk->errors);
            if (!bulk->errors)
                return BOLE_INTERNAL;
        }
        Bole__ItemError *e = ARENA_NEW(call->arena, Bole__ItemError);
        if (!e)
            return BOLE_INTERNAL;
        bole__item_error__init(e);
        e->index = (uint32_t)i;
        e->external_id = bole_arena_strdup(call->arena, ops->external_id(items[i]));
        e->status = (Bole__StatusCode)st;
        e->error = bole_arena_strdup(call->arena, why);
        bulk->errors[bulk->n_errors++] = e;
        n_errors++;
    }
    if (n_errors) {
        snprintf(call->err, call->errlen, "%zu of %zu %ss refused (see errors); nothing stored",
                 n_errors, n, ops->name);
        return n_errors == 1 ? (bole_status_t)bulk->errors[0]->status : BOLE_INVALID_ARGUMENT;
    }
    int64_t now = bole_now_ms();
    bole_intern_t *names = bole_catalog_names(d->catalog);
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        int64_t at = now;
        const int64_t given = ops->entity == BOLE_ENTITY_TALENT
                                  ? ((const Bole__Talent *)items[i])->updated_at
                                  : ((const Bole__Need *)items[i])->updated_at;
        if (given > 0)
            at = given;
        uint8_t *packed = ops->pack_stored(call->arena, items[i], at, &len);
        if (!packed)
            return BOLE_INTERNAL;
        bole_store_record_t rec = {
            .external_id = ops->external_id(items[i]),
            .updated_at = at,
            .profile = packed,
            .profile_len = len,
            .vector = apply->vectors + i * (size_t)dim,
            .dim = (size_t)dim,
        };
        /* Built once, before the row is written: the trend hook's new
         * version, then the catalog's record (its id set below). */
        apply->records[i] = ops->build(names, items[i], 0, at);
        apply->n = i + 1;
        Bole__PutResult *r = ARENA_NEW(call->arena, Bole__PutResult);
        if (!apply->records[i] || !r) {
            s_cancel(d, apply);
            snprintf(call->err, call->errlen, "out of memory");
            return BOLE_INTERNAL;
        }
        bole_store_put_result_t put;
        /* Trend deltas, in this transaction (before the row: reads the old one). */
        bole_status_t st =
            bole_trend_put(call, ops->entity, rec.external_id, apply->records[i]);
        if (st == BOLE_OK)
            st = bole_store_put(call->store, ops->entity, &rec, &put, call->err, call->errlen);
        if (st != BOLE_OK) {
            s_cancel(d, apply);
            return st;
        }
        apply->ids[i] = put.id;
        apply->seq = put.seq;
        ops->set_id(apply->records[i], put.id);
        bole__put_result__init(r);
        r->external_id = (char *)rec.external_id;
        r->internal_id = put.id;
        r->created = put.created;
        r->seq = put.seq;
        results[i] = r;
    }
    if (bole_call_defer(call, s_apply, s_cancel, apply) != 0) {
        s_cancel(d, apply);
        return BOLE_INTERNAL;
    }
    return BOLE_OK;
}

static bole_status_t s_put_one(bole_call_t *call, const entity_ops_t *ops, void *item,
                               Bole__Response__BodyCase body)
{
    if (!item) {
        snprintf(call->err, call->errlen, "put_%s: the %s is missing", ops->name, ops->name);
        return BOLE_INVALID_ARGUMENT;
    }
    Bole__PutResult *result = NULL;
    const float *given = call->n_vectors == 1 ? call->vectors : NULL;
    bole_status_t st = s_put_many(call, ops, &item, 1, &result, NULL, given);
    if (st != BOLE_OK)
        return st;
    call->response->body_case = body;
    call->response->put_talent = result; /* put_talent and put_need share the union. */
    return BOLE_OK;
}

static bole_status_t s_put_bulk(bole_call_t *call, const entity_ops_t *ops, void **items,
                                size_t n, Bole__Response__BodyCase body)
{
    Bole__BulkPutResponse *bulk = ARENA_NEW(call->arena, Bole__BulkPutResponse);
    Bole__PutResult **results = bole_arena_array(call->arena, n ? n : 1, sizeof *results);
    if (!bulk || !results)
        return BOLE_INTERNAL;
    bole__bulk_put_response__init(bulk);
    call->response->body_case = body;
    call->response->put_talents = bulk; /* Shared union member type. */
    const float *given = n > 0 && call->n_vectors == n ? call->vectors : NULL;
    bole_status_t st = s_put_many(call, ops, items, n, results, bulk, given);
    if (st == BOLE_OK) {
        bulk->results = results;
        bulk->n_results = n;
    } else if (!bulk->n_errors) {
        call->response->body_case = BOLE__RESPONSE__BODY__NOT_SET;
    }
    return st;
}

bole_status_t bole_handle_put_talent(bole_call_t *call)
{
    return s_put_one(call, &s_talent_ops, call->request->put_talent->talent,
                     BOLE__RESPONSE__BODY_PUT_TALENT);
}

bole_status_t bole_handle_put_need(bole_call_t *call)
{
    return s_put_one(call, &s_need_ops, call->request->put_need->need,
                     BOLE__RESPONSE__BODY_PUT_NEED);
}

bole_status_t bole_handle_put_talents(bole_call_t *call)
{
    const Bole__PutTalentsRequest *r = call->request->put_talents;
    return s_put_bulk(call, &s_talent_ops, (void **)r->talents, r->n_talents,
                      BOLE__RESPONSE__BODY_PUT_TALENTS);
}

bole_status_t bole_handle_put_needs(bole_call_t *call)
{
    const Bole__PutNeedsRequest *r = call->request->put_needs;
    return s_put_bulk(call, &s_need_ops, (void **)r->needs, r->n_needs,
                      BOLE__RESPONSE__BODY_PUT_NEEDS);
}

/* ---- get ------------------------------------------------------------------ */

static bole_status_t s_get(bole_call_t *call, const entity_ops_t *ops, const char *id,
                           void **msg_out)
{
    bole_status_t st = bole_validate_id(id, "id", call->err, call->errlen);
    if (st != BOLE_OK)
        return st;
    bole_store_record_t rec;
    st = bole_store_get(call->store, ops->entity, id, 0, &rec, call->err, call->errlen);
    if (st != BOLE_OK)
        return st;
    void *msg = ops->entity == BOLE_ENTITY_TALENT
                    ? (void *)bole__talent__unpack(NULL, rec.profile_len, rec.profile)
                    : (void *)bole__need__unpack(NULL, rec.profile_len, rec.profile);
    if (!msg) {
        bole_store_record_free(&rec);
        snprintf(call->err, call->errlen, "stored %s '%s' cannot be decoded", ops->name, id);
        return BOLE_INTERNAL;
    }
    st = s_zone_check(call, ops->zone(msg), ops->name, call->err, call->errlen);
    if (st != BOLE_OK) {
        if (ops->entity == BOLE_ENTITY_TALENT)
            bole__talent__free_unpacked(msg, NULL);
        else
            bole__need__free_unpacked(msg, NULL);
        bole_store_record_free(&rec);
        return st;
    }
    float *vector = bole_arena_array(call->arena, rec.dim ? rec.dim : 1, sizeof(float));
    if (vector)
        memcpy(vector, rec.vector, rec.dim * sizeof(float));
    if (ops->entity == BOLE_ENTITY_TALENT) {
        Bole__Talent *t = msg;
        t->internal_id = rec.id;
        t->vector = vector;
        t->n_vector = vector ? rec.dim : 0;
    } else {
        Bole__Need *n = msg;
        n->internal_id = rec.id;
        n->vector = vector;
        n->n_vector = vector ? rec.dim : 0;
    }
    bole_store_record_free(&rec);
    *msg_out = msg;
    return BOLE_OK;
}

/* The unpacked message is heap memory from protobuf-c; the arena-owned
 * vector must not be freed with it, so it is detached first. */
static void s_free_talent_msg(bole_daemon_t *d, void *arg)
{
    (void)d;
    Bole__Talent *t = arg;
    t->vector = NULL;
    t->n_vector = 0;
    bole__talent__free_unpacked(t, NULL);
}

static void s_free_need_msg(bole_daemon_t *d, void *arg)
{
    (void)d;
    Bole__Need *n = arg;
    n->vector = NULL;
    n->n_vector = 0;
    bole__need__free_unpacked(n, NULL);
}

bole_status_t bole_handle_get_talent(bole_call_t *call)
{
    void *msg = NULL;
    bole_status_t st = s_get(call, &s_talent_ops, call->request->get_talent->id, &msg);
    if (st != BOLE_OK)
        return st;
    /* Freed after the reply is packed (deferred actions of reads run then). */
    if (bole_call_defer(call, s_free_talent_msg, s_free_talent_msg, msg) != 0) {
        s_free_talent_msg(call->daemon, msg);
        return BOLE_INTERNAL;
    }
    call->response->body_case = BOLE__RESPONSE__BODY_TALENT;
    call->response->talent = msg;
    return BOLE_OK;
}

bole_status_t bole_handle_get_need(bole_call_t *call)
{
    void *msg = NULL;
    bole_status_t st = s_get(call, &s_need_ops, call->request->get_need->id, &msg);
    if (st != BOLE_OK)
        return st;
    if (bole_call_defer(call, s_free_need_msg, s_free_need_msg, msg) != 0) {
        s_free_need_msg(call->daemon, msg);
        return BOLE_INTERNAL;
    }
    call->response->body_case = BOLE__RESPONSE__BODY_NEED;
    call->response->need = msg;
    return BOLE_OK;
}

/* ---- delete and close ----------------------------------------------------- */

static bole_status_t s_delete(bole_call_t *call, const entity_ops_t *ops, const char *id)
{
    bole_status_t st = bole_validate_id(id, "id", call->err, call->errlen);
    if (st != BOLE_OK)
        return st;
    if (call->principal && call->principal->n_zones) {
        bole_catalog_t *c = call->daemon->catalog;
        char zone[256] = "";
        bole_catalog_read_lock(c);
        bole_intern_t *names = bole_catalog_names(c);
        if (ops->entity == BOLE_ENTITY_TALENT) {
            const bole_talent_rec_t *t = bole_catalog_talent(c, bole_catalog_talent_id(c, id));
            if (t)
                snprintf(zone, sizeof zone, "%s", bole_intern_name(names, t->zone));
        } else {
            const bole_need_rec_t *n = bole_catalog_need(c, bole_catalog_need_id(c, id));
            if (n)
                snprintf(zone, sizeof zone, "%s", bole_intern_name(names, n->zone));
        }
        bole_catalog_unlock(c);
        st = s_zone_check(call, zone, ops->name, call->err, call->errlen);
        if (st != BOLE_OK)
            return st;
    }
    bole_store_put_result_t out;
    st = bole_trend_delete(call, ops->entity, id); /* Trend deltas, in this transaction. */
    if (st != BOLE_OK)
        return st;
    st = bole_store_delete(call->store, ops->entity, id, bole_now_ms(), &out, call->err,
                           call->errlen);
    if (st != BOLE_OK)
        return st;
    apply_t *apply = s_apply_new(call, ops, 1, 1);
    if (!apply)
        return BOLE_INTERNAL;
    apply->n = 1;
    apply->ids[0] = out.id;
    apply->seq = out.seq;
    if (bole_call_defer(call, s_apply, NULL, apply) != 0)
        return BOLE_INTERNAL;
    Bole__Empty *done = ARENA_NEW(call->arena, Bole__Empty);
    if (!done)
        return BOLE_INTERNAL;
    bole__empty__init(done);
    call->response->body_case = BOLE__RESPONSE__BODY_DONE;
    call->response->done = done;
    return BOLE_OK;
}

bole_status_t bole_handle_delete_talent(bole_call_t *call)
{
    return s_delete(call, &s_talent_ops, call->request->delete_talent->id);
}

bole_status_t bole_handle_delete_need(bole_call_t *call)
{
    return s_delete(call, &s_need_ops, call->request->delete_need->id);
}

bole_status_t bole_handle_close_need(bole_call_t *call)
{
    const char *id = call->request->close_need->id;
    bole_status_t st = bole_validate_id(id, "id", call->err, call->errlen);
    if (st != BOLE_OK)
        return st;
    bole_store_record_t rec;
    st = bole_store_get(call->store, BOLE_ENTITY_NEED, id, 0, &rec, call->err, call->errlen);
    if (st != BOLE_OK)
        return st;
    Bole__Need *need = bole__need__unpack(NULL, rec.profile_len, rec.profile);
    if (!need) {
        bole_store_record_free(&rec);
        snprintf(call->err, call->errlen, "stored need '%s' cannot be decoded", id);
        return BOLE_INTERNAL;
    }
    if (s_zone_check(call, need->zone, "need", call->err, call->errlen) != BOLE_OK) {
        st = BOLE_PERMISSION_DENIED;
    } else if (need->closed) {
        snprintf(call->err, call->errlen, "need '%s' is already closed", id);
        st = BOLE_FAILED_PRECONDITION;
    } else {
        /* Re-put with the stored vector, so closing never re-embeds. */
        need->closed = 1;
        need->updated_at = 0;
        need->vector = (float *)rec.vector;
        need->n_vector = rec.dim;
        Bole__PutResult *result = NULL;
        void *item = need;
        st = s_put_many(call, &s_need_ops, &item, 1, &result, NULL, NULL);
        need->vector = NULL;
        need->n_vector = 0;
    }
    bole__need__free_unpacked(need, NULL);
    bole_store_record_free(&rec);
    if (st != BOLE_OK)
        return st;
    Bole__Empty *done = ARENA_NEW(call->arena, Bole__Empty);
    if (!done)
        return BOLE_INTERNAL;
    bole__empty__init(done);
    call->response->body_case = BOLE__RESPONSE__BODY_DONE;
    call->response->done = done;
    return BOLE_OK;
}

/* ---- internal API for projects (project.c, issue 5) ------------------------ */

/* Puts project-role needs in the current transaction, exactly as PutNeeds
 * would (validation, embedding, store write, catalog/index update deferred
 * until commit), without setting a response. results gets n entries. */
bole_status_t bole_profiles_put_needs(bole_call_t *call, Bole__Need **needs, size_t n,
                                      Bole__PutResult **results)
{
    return s_put_many(call, &s_need_ops, (void **)needs, n, results, NULL, NULL);
}

/* Deletes one need in the current transaction (catalog/index removal
 * deferred until commit), without setting a response. */
bole_status_t bole_profiles_delete_need(bole_call_t *call, const char *external_id)
{
    bole_store_put_result_t out;
    bole_status_t st = bole_trend_delete(call, BOLE_ENTITY_NEED, external_id);
    if (st == BOLE_OK)
        st = bole_store_delete(call->store, BOLE_ENTITY_NEED, external_id, bole_now_ms(), &out,
                               call->err, call->errlen);
    if (st != BOLE_OK)
        return st;
    apply_t *apply = s_apply_new(call, &s_need_ops, 1, 1);
    if (!apply)
        return BOLE_INTERNAL;
    apply->n = 1;
    apply->ids[0] = out.id;
    apply->seq = out.seq;
    return bole_call_defer(call, s_apply, NULL, apply) != 0 ? BOLE_INTERNAL : BOLE_OK;
}

/* ---- erasure of personal data --------------------------------------------- */

/* After the erasure committed: no old page image in the WAL, and index
 * snapshots rewritten without the talent's vector. */
typedef struct {
    const char *talent_id;
    uint64_t seq;       /* Store sequence number the indexes hold at this point. */
} erase_job_t;

static void s_after_erase(bole_daemon_t *d, void *arg)
{
    const erase_job_t *job = arg;
    const char *talent_id = job->talent_id;
    char err[512];
    uint64_t n = 0;
    /* Feature logs queued before the erasure were not in its transaction. */
    bole_feedback_forget_talent(d, talent_id);
    if (bole_store_feedback_erase_talent(d->store, talent_id, &n, err, sizeof err) != BOLE_OK)
        log_warn("erase: late feature logs not pseudonymised: %s", err);
    bole_store_checkpoint(d->store);
    if (bole_state_snapshot(d, job->seq, err, sizeof err) != BOLE_OK)
        log_warn("erase: index snapshots not rewritten (%s); the old snapshot may still hold "
                 "the erased vector until the next snapshot", err);
}

bole_status_t bole_handle_erase_talent(bole_call_t *call)
{
    const char *id = call->request->erase_talent->id;
    bole_status_t st = bole_validate_id(id, "id", call->err, call->errlen);
    if (st != BOLE_OK)
        return st;
    int had_profile = 0;
    uint64_t pseudonymised = 0, n = 0;
    /* The profile first (zone scope is checked there). */
    st = s_delete(call, &s_talent_ops, id);
    if (st == BOLE_OK)
        had_profile = 1;
    else if (st != BOLE_NOT_FOUND)
        return st;
    /* What other modules keep about the talent: the ledger and feedback are
     * pseudonymised (award accounting and tuning still add up), stored live
     * events are deleted. All in this transaction. */
    bole_status_t (*const erasers[])(bole_store_t *, const char *, uint64_t *, char *,
                                     size_t) = {
        bole_store_referral_erase_talent,
        bole_store_feedback_erase_talent,
        bole_store_live_erase_talent,
    };
    for (size_t i = 0; i < sizeof erasers / sizeof erasers[0]; i++) {
        st = erasers[i](call->store, id, &n, call->err, call->errlen);
        if (st != BOLE_OK)
            return st;
        pseudonymised += n;
    }
    if (!had_profile && pseudonymised == 0) {
        snprintf(call->err, call->errlen, "no talent with id '%s' and nothing recorded about it",
                 id);
        return BOLE_NOT_FOUND;
    }
    erase_job_t *job = ARENA_NEW(call->arena, erase_job_t);
    if (!job)
        return BOLE_INTERNAL;
    job->talent_id = bole_arena_strdup(call->arena, id);
    job->seq = bole_store_last_seq(call->store);
    if (!job->talent_id || bole_call_defer(call, s_after_erase, NULL, job) != 0)
        return BOLE_INTERNAL;
    log_info("erase_talent: talent erased (profile %s, %llu ledger/feedback entries "
             "pseudonymised)", had_profile ? "deleted" : "already gone",
             (unsigned long long)pseudonymised);
    Bole__Empty *done = ARENA_NEW(call->arena, Bole__Empty);
    if (!done)
        return BOLE_INTERNAL;
    bole__empty__init(done);
    call->response->body_case = BOLE__RESPONSE__BODY_DONE;
    call->response->done = done;
    return BOLE_OK;
}
