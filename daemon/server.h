/*
 * server.h - the sockets and the loop: a ROUTER for requests, a PUB for
 * events, and a poll loop that decodes, dispatches and answers. The server
 * knows frames and protobuf envelopes; it knows nothing of SQL or models.
 */
#ifndef BOLE_SERVER_H
#define BOLE_SERVER_H

#include <stddef.h>

#include "daemon.h"

typedef struct bole_server bole_server_t;

/* Binds both endpoints. Returns NULL with err set on failure. */
bole_server_t *bole_server_new(bole_daemon_t *daemon, char *err, size_t errlen);

/* Serves until a shutdown is requested, then answers what already arrived
 * and returns 0 (or -1 on a fatal socket error). */
int bole_server_run(bole_server_t *server);

/* Closes sockets (lingering briefly so last replies leave); NULL-safe. */
void bole_server_destroy(bole_server_t **server);

/* Async-signal-safe requests, called from signal handlers. */
void bole_server_request_shutdown(void);
void bole_server_request_reload(void);

#endif
