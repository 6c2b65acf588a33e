/*
 * dispatch.c - the handler table: Request oneof case -> handler, and whether
 * the method reads (reader threads, concurrent) or writes (the writer
 * thread, group-committed).
 *
 * Every method of the contract has a row. Handlers are declared weak in
 * handlers.h, so a method whose module has not landed links as NULL and
 * answers UNIMPLEMENTED with its name: clients can tell "not yet" from
 * "bad". A module lands by defining its bole_handle_* functions.
 */
#include "daemon.h"
#include "handlers.h"
#include "log.h"
#include "protocol.h"

#include <stdio.h>

typedef struct {
    Bole__Request__BodyCase body;
    bole_handler_fn fn;          /* NULL until the module lands. */
    bole_method_kind_t kind;
} method_t;

static const method_t s_methods[] = {
    {BOLE__REQUEST__BODY_HEALTH, bole_handle_health, BOLE_METHOD_READ},
    {BOLE__REQUEST__BODY_STATS, bole_handle_stats, BOLE_METHOD_READ},
    {BOLE__REQUEST__BODY_RELOAD_MODEL, bole_handle_reload_model, BOLE_METHOD_WRITE},
    {BOLE__REQUEST__BODY_SNAPSHOT, bole_handle_snapshot, BOLE_METHOD_WRITE},
    {BOLE__REQUEST__BODY_PUT_TALENT, bole_handle_put_talent, BOLE_METHOD_WRITE},
    {BOLE__REQUEST__BODY_PUT_TALENTS, bole_handle_put_talents, BOLE_METHOD_WRITE},
    {BOLE__REQUEST__BODY_GET_TALENT, bole_handle_get_talent, BOLE_METHOD_READ},
    {BOLE__REQUEST__BODY_DELETE_TALENT, bole_handle_delete_talent, BOLE_METHOD_WRITE},
    {BOLE__REQUEST__BODY_ERASE_TALENT, bole_handle_erase_talent, BOLE_METHOD_WRITE},
    {BOLE__REQUEST__BODY_PUT_NEED, bole_handle_put_need, BOLE_METHOD_WRITE},
    {BOLE__REQUEST__BODY_PUT_NEEDS, bole_handle_put_needs, BOLE_METHOD_WRITE},
    {BOLE__REQUEST__BODY_GET_NEED, bole_handle_get_need, BOLE_METHOD_READ},
    {BOLE__REQUEST__BODY_CLOSE_NEED, bole_handle_close_need, BOLE_METHOD_WRITE},
    {BOLE__REQUEST__BODY_DELETE_NEED, bole_handle_delete_need, BOLE_METHOD_WRITE},
    {BOLE__REQUEST__BODY_MATCH_FOR_NEED, bole_handle_match_for_need, BOLE_METHOD_READ},
    {BOLE__REQUEST__BODY_MATCH_FOR_TALENT, bole_handle_match_for_talent, BOLE_METHOD_READ},
    {BOLE__REQUEST__BODY_MATCHES_SINCE, bole_handle_matches_since, BOLE_METHOD_READ},
    {BOLE__REQUEST__BODY_PUT_PROJECT, bole_handle_put_project, BOLE_METHOD_WRITE},
    {BOLE__REQUEST__BODY_GET_PROJECT, bole_handle_get_project, BOLE_METHOD_READ},
    {BOLE__REQUEST__BODY_DELETE_PROJECT, bole_handle_delete_project, BOLE_METHOD_WRITE},
    {BOLE__REQUEST__BODY_FORM_TEAM, bole_handle_form_team, BOLE_METHOD_WRITE},
    {BOLE__REQUEST__BODY_TEAM_FOR_PROJECTS, bole_handle_team_for_projects, BOLE_METHOD_READ},
    {BOLE__REQUEST__BODY_UPDATE_TEAM, bole_handle_update_team, BOLE_METHOD_WRITE},
    {BOLE__REQUEST__BODY_CREATE_EVENT, bole_handle_create_event, BOLE_METHOD_WRITE},
    {BOLE__REQUEST__BODY_REGISTER_FOR_EVENT, bole_handle_register_for_event, BOLE_METHOD_WRITE},
    {BOLE__REQUEST__BODY_RUN_EVENT_MATCHING, bole_handle_run_event_matching, BOLE_METHOD_WRITE},
    {BOLE__REQUEST__BODY_GET_EVENT_SCHEDULE, bole_handle_get_event_schedule, BOLE_METHOD_READ},
    {BOLE__REQUEST__BODY_REFER, bole_handle_refer, BOLE_METHOD_WRITE},
    {BOLE__REQUEST__BODY_ADVANCE_REFERRAL, bole_handle_advance_referral, BOLE_METHOD_WRITE},
    {BOLE__REQUEST__BODY_GET_REFERRAL, bole_handle_get_referral, BOLE_METHOD_READ},
    {BOLE__REQUEST__BODY_LEADERBOARD, bole_handle_leaderboard, BOLE_METHOD_READ},
    {BOLE__REQUEST__BODY_REFERRER_STATEMENT, bole_handle_referrer_statement, BOLE_METHOD_READ},
    {BOLE__REQUEST__BODY_VERIFY_LEDGER, bole_handle_verify_ledger, BOLE_METHOD_READ},
    {BOLE__REQUEST__BODY_FEEDBACK, bole_handle_feedback, BOLE_METHOD_WRITE},
    {BOLE__REQUEST__BODY_EXPORT_OUTCOMES, bole_handle_export_outcomes, BOLE_METHOD_READ},
    {BOLE__REQUEST__BODY_TRENDS, bole_handle_trends, BOLE_METHOD_READ},
    {BOLE__REQUEST__BODY_RECORD_FEEDBACK, bole_handle_record_feedback, BOLE_METHOD_WRITE},
    {BOLE__REQUEST__BODY_FEEDBACK_STATS, bole_handle_feedback_stats, BOLE_METHOD_READ},
};
#define N_METHODS (sizeof s_methods / sizeof s_methods[0])

static const method_t *s_find(int body)
{
    for (size_t i = 0; i < N_METHODS; i++)
        if ((int)s_methods[i].body == body)
            return &s_methods[i];
    return NULL;
}

bole_status_t bole_dispatch(bole_call_t *call)
{
    const method_t *m = s_find((int)call->request->body_case);
    if (m && m->fn) {
        bole_status_t st = m->fn(call);
        /* Zone-scope denials come from handlers; their messages name the key. */
        if (st == BOLE_PERMISSION_DENIED)
            log_warn("permission denied: %s", call->err);
        return st;
    }
    const char *name = bole_protocol_method_name((int)call->request->body_case);
    snprintf(call->err, call->errlen, "%s is not implemented yet in this build",
             name ? name : "this method");
    return BOLE_UNIMPLEMENTED;
}

bole_method_kind_t bole_method_kind(int body_case)
{
    const method_t *m = s_find(body_case);
    return m ? m->kind : BOLE_METHOD_READ;
}
