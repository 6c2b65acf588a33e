/*
 * auth.h - who may call what. With CURVE on, every client connects with a
 * key pair; the allow-list file maps each public key to a name, a role and
 * optionally the zones it may see. ZeroMQ's ZAP handshake (server.c) asks
 * bole_auth_find_key; each request then carries the key's name as its
 * User-Id, and the server checks the role against the method before any
 * handler runs. Zone scope is checked by handlers (bole_principal_zone_ok,
 * and scope.h for records looked up by id); a zone-scoped key is refused
 * on the events socket and on methods whose answers span every zone.
 *
 * Allow-list format, one key per line (lines starting with '#' are comments;
 * '#' elsewhere is part of a key, as Z85 uses it):
 *     name  role  public-key-z85  [zone,zone,...]
 * role is portal, organiser, analyst or admin.
 */
#ifndef BOLE_AUTH_H
#define BOLE_AUTH_H

#include <stddef.h>

#define BOLE_ROLE_PORTAL    1
#define BOLE_ROLE_ORGANISER 2
#define BOLE_ROLE_ANALYST   4
#define BOLE_ROLE_ADMIN     8
#define BOLE_MAX_SCOPE_ZONES 16

typedef struct {
    char name[64];                              /* Key name, for logs. */
    int role;                                   /* One BOLE_ROLE_* bit. */
    char public_key[41];                        /* Z85. */
    char zones[BOLE_MAX_SCOPE_ZONES][128];      /* Normalised zone names. */
    size_t n_zones;                             /* 0: every zone. */
} bole_principal_t;

typedef struct bole_auth bole_auth_t;

/* Parses the allow-list. Returns 0, or -1 with file:line in err. */
int bole_auth_load(bole_auth_t **out, const char *path, char *err, size_t errlen);
void bole_auth_destroy(bole_auth_t **auth);
size_t bole_auth_count(const bole_auth_t *auth);

/* Principal for a Z85 public key or a name; NULL if unknown. The pointer
 * stays valid for the auth table's life. */
const bole_principal_t *bole_auth_find_key(const bole_auth_t *auth, const char *public_z85);
const bole_principal_t *bole_auth_find_name(const bole_auth_t *auth, const char *name);

/* Roles allowed to call a method (Request body case), as a bit set. */
int bole_auth_method_roles(int body_case);
const char *bole_auth_role_name(int role);

/* 1 if the principal may see or change records of zone (NULL principal:
 * no authentication configured, everything allowed). */
int bole_principal_zone_ok(const bole_principal_t *principal, const char *zone);

/* 1 if the principal is limited to some zones. */
int bole_principal_scoped(const bole_principal_t *principal);

/* 1 if a zone-scoped key may call the method at all: 0 for methods whose
 * answer spans every zone and cannot be cut to the key's zones (outcome
 * export, feedback funnels). */
int bole_auth_method_zone_scoped_ok(int body_case);

/* The key's zones as "a, b" for messages (buf, always terminated). */
const char *bole_principal_zones_text(const bole_principal_t *principal, char *buf, size_t len);

/* ZAP domains of the two sockets: the events socket refuses zone-scoped
 * keys, as ZeroMQ PUB cannot filter what each subscriber gets. */
#define BOLE_ZAP_DOMAIN_REQUESTS "bole"
#define BOLE_ZAP_DOMAIN_EVENTS   "bole-events"

/*
 * Loads the server key pair from secret_path (40 Z85 characters; the
 * public key is derived), or creates it with mode 0600 if the file does
 * not exist, and writes the public key next to it as secret_path + ".pub".
 * *created tells which. Returns 0 or -1 with err.
 */
int bole_auth_server_keys(const char *secret_path, char public_z85[41], char secret_z85[41],
                          int *created, char *err, size_t errlen);

/* 1 if binding endpoint exposes nothing beyond this machine (loopback TCP,
 * ipc, inproc). */
int bole_endpoint_is_local(const char *endpoint);

#endif
