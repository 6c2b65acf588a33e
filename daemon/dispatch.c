/*
 * dispatch.c - the handler table: Request oneof case -> handler.
 *
 * Methods of the contract whose issue has not landed have no entry and get
 * UNIMPLEMENTED with their name, so clients can tell "not yet" from "bad".
 */
#include "daemon.h"
#include "handlers.h"
#include "protocol.h"

#include <stdio.h>

typedef struct {
    Bole__Request__BodyCase body;
    bole_handler_fn fn;
    bole_method_kind_t kind;
} method_t;

static const method_t s_methods[] = {
    {BOLE__REQUEST__BODY_HEALTH, bole_handle_health, BOLE_METHOD_READ},
    {BOLE__REQUEST__BODY_STATS, bole_handle_stats, BOLE_METHOD_READ},
    /* Reload is serialised with writes so no write sees two models. */
    {BOLE__REQUEST__BODY_RELOAD_MODEL, bole_handle_reload_model, BOLE_METHOD_WRITE},
    {BOLE__REQUEST__BODY_SNAPSHOT, bole_handle_snapshot, BOLE_METHOD_WRITE},
    {BOLE__REQUEST__BODY_PUT_TALENT, bole_handle_put_talent, BOLE_METHOD_WRITE},
    {BOLE__REQUEST__BODY_PUT_TALENTS, bole_handle_put_talents, BOLE_METHOD_WRITE},
    {BOLE__REQUEST__BODY_GET_TALENT, bole_handle_get_talent, BOLE_METHOD_READ},
    {BOLE__REQUEST__BODY_DELETE_TALENT, bole_handle_delete_talent, BOLE_METHOD_WRITE},
    {BOLE__REQUEST__BODY_PUT_NEED, bole_handle_put_need, BOLE_METHOD_WRITE},
    {BOLE__REQUEST__BODY_PUT_NEEDS, bole_handle_put_needs, BOLE_METHOD_WRITE},
    {BOLE__REQUEST__BODY_GET_NEED, bole_handle_get_need, BOLE_METHOD_READ},
    {BOLE__REQUEST__BODY_CLOSE_NEED, bole_handle_close_need, BOLE_METHOD_WRITE},
    {BOLE__REQUEST__BODY_DELETE_NEED, bole_handle_delete_need, BOLE_METHOD_WRITE},
    {BOLE__REQUEST__BODY_MATCH_FOR_NEED, bole_handle_match_for_need, BOLE_METHOD_READ},
    {BOLE__REQUEST__BODY_MATCH_FOR_TALENT, bole_handle_match_for_talent, BOLE_METHOD_READ},
};
#define N_METHODS (sizeof s_methods / sizeof s_methods[0])

bole_status_t bole_dispatch(bole_call_t *call)
{
    Bole__Request__BodyCase body = call->request->body_case;
    for (size_t i = 0; i < N_METHODS; i++)
        if (s_methods[i].body == body)
            return s_methods[i].fn(call);
    const char *name = bole_protocol_method_name((int)body);
    snprintf(call->err, call->errlen, "%s is not implemented yet in this build",
             name ? name : "this method");
    return BOLE_UNIMPLEMENTED;
}

bole_method_kind_t bole_method_kind(int body_case)
{
    for (size_t i = 0; i < N_METHODS; i++)
        if ((int)s_methods[i].body == body_case)
            return s_methods[i].kind;
    return BOLE_METHOD_READ;
}
