/*
 * handlers.h - request handlers, one group per file (admin.c, talent.c ...).
 * Each takes the call context of daemon.h and returns a status; on BOLE_OK it
 * has set the response body, otherwise it has written call->err.
 */
#ifndef BOLE_HANDLERS_H
#define BOLE_HANDLERS_H

#include "daemon.h"

/* admin.c */
bole_status_t bole_handle_health(bole_call_t *call);
bole_status_t bole_handle_stats(bole_call_t *call);
bole_status_t bole_handle_reload_model(bole_call_t *call);
bole_status_t bole_handle_snapshot(bole_call_t *call);

/* profiles.c */
bole_status_t bole_handle_put_talent(bole_call_t *call);
bole_status_t bole_handle_put_talents(bole_call_t *call);
bole_status_t bole_handle_get_talent(bole_call_t *call);
bole_status_t bole_handle_delete_talent(bole_call_t *call);
bole_status_t bole_handle_put_need(bole_call_t *call);
bole_status_t bole_handle_put_needs(bole_call_t *call);
bole_status_t bole_handle_get_need(bole_call_t *call);
bole_status_t bole_handle_close_need(bole_call_t *call);
bole_status_t bole_handle_delete_need(bole_call_t *call);

/* matching.c */
bole_status_t bole_handle_match_for_need(bole_call_t *call);
bole_status_t bole_handle_match_for_talent(bole_call_t *call);

#endif
