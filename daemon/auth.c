/*
 * auth.c - see auth.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "auth.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zmq.h>

#include "bole.pb-c.h"
#include "intern.h"

struct bole_auth {
    bole_principal_t *keys;
    size_t n;
};

static int s_role(const char *name)
{
    if (strcmp(name, "portal") == 0)
        return BOLE_ROLE_PORTAL;
    if (strcmp(name, "organiser") == 0 || strcmp(name, "organizer") == 0)
        return BOLE_ROLE_ORGANISER;
    if (strcmp(name, "analyst") == 0)
        return BOLE_ROLE_ANALYST;
    if (strcmp(name, "admin") == 0)
        return BOLE_ROLE_ADMIN;
    return 0;
}

const char *bole_auth_role_name(int role)
{
    switch (role) {
    case BOLE_ROLE_PORTAL: return "portal";
    case BOLE_ROLE_ORGANISER: return "organiser";
    case BOLE_ROLE_ANALYST: return "analyst";
    case BOLE_ROLE_ADMIN: return "admin";
    }
    return "none";
}

int bole_auth_load(bole_auth_t **out, const char *path, char *err, size_t errlen)
{
    *out = NULL;
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    bole_auth_t *auth = calloc(1, sizeof *auth);
    size_t cap = 0;
    char line[4096];
    int lineno = 0, rc = 0;
    while (auth && fgets(line, sizeof line, f)) {
        lineno++;
        /* Only whole-line comments: '#' is a Z85 character in keys. */
        char *save = NULL;
        char *name = strtok_r(line, " \t\r\n", &save);
        if (!name || name[0] == '#')
            continue;
        char *role = strtok_r(NULL, " \t\r\n", &save);
        char *key = strtok_r(NULL, " \t\r\n", &save);
        char *zones = strtok_r(NULL, " \t\r\n", &save);
        char *extra = strtok_r(NULL, " \t\r\n", &save);
        if (!role || !key || extra) {
            snprintf(err, errlen, "%s:%d: expected 'name role public-key [zones]'", path, lineno);
            rc = -1;
            break;
        }
        bole_principal_t p;
        memset(&p, 0, sizeof p);
        uint8_t raw[32];
        if (strlen(name) >= sizeof p.name || !(p.role = s_role(role)) || strlen(key) != 40 ||
            !zmq_z85_decode(raw, key)) {
            snprintf(err, errlen, "%s:%d: bad %s", path, lineno,
                     strlen(name) >= sizeof p.name ? "name (at most 63 bytes)"
                     : !s_role(role) ? "role (portal, organiser, analyst or admin)"
                                     : "public key (40 characters of Z85)");
            rc = -1;
            break;
        }
        snprintf(p.name, sizeof p.name, "%s", name);
        memcpy(p.public_key, key, 41);
        for (char *z = zones ? strtok_r(zones, ",", &save) : NULL; z;
             z = strtok_r(NULL, ",", &save)) {
            if (p.n_zones == BOLE_MAX_SCOPE_ZONES) {
                snprintf(err, errlen, "%s:%d: at most %d zones per key", path, lineno,
                         BOLE_MAX_SCOPE_ZONES);
                rc = -1;
                break;
            }
            bole_intern_normalise(z, p.zones[p.n_zones], sizeof p.zones[0]);
            p.n_zones++;
        }
        if (rc != 0)
            break;
        for (size_t i = 0; i < auth->n; i++)
            if (strcmp(auth->keys[i].name, p.name) == 0 ||
                strcmp(auth->keys[i].public_key, p.public_key) == 0) {
                snprintf(err, errlen, "%s:%d: duplicate name or key", path, lineno);
                rc = -1;
            }
        if (rc != 0)
            break;
        if (auth->n == cap) {
            cap = cap ? cap * 2 : 16;
            bole_principal_t *keys = realloc(auth->keys, cap * sizeof *keys);
            if (!keys) {
                snprintf(err, errlen, "out of memory");
                rc = -1;
                break;
            }
            auth->keys = keys;
        }
        auth->keys[auth->n++] = p;
    }
    fclose(f);
    if (!auth) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (rc != 0) {
        bole_auth_destroy(&auth);
        return -1;
    }
    *out = auth;
    return 0;
}

void bole_auth_destroy(bole_auth_t **auth)
{
    if (!auth || !*auth)
        return;
    free((*auth)->keys);
    free(*auth);
    *auth = NULL;
}

size_t bole_auth_count(const bole_auth_t *auth) { return auth ? auth->n : 0; }

const bole_principal_t *bole_auth_find_key(const bole_auth_t *auth, const char *z85)
{
    for (size_t i = 0; auth && i < auth->n; i++)
        if (strcmp(auth->keys[i].public_key, z85) == 0)
            return &auth->keys[i];
    return NULL;
}

const bole_principal_t *bole_auth_find_name(const bole_auth_t *auth, const char *name)
{
    for (size_t i = 0; auth && name && i < auth->n; i++)
        if (strcmp(auth->keys[i].name, name) == 0)
            return &auth->keys[i];
    return NULL;
}

int bole_auth_method_roles(int body_case)
{
    const int admin = BOLE_ROLE_ADMIN;
    switch (body_case) {
    case BOLE__REQUEST__BODY_HEALTH:
        return BOLE_ROLE_PORTAL | BOLE_ROLE_ORGANISER | BOLE_ROLE_ANALYST | admin;
    case BOLE__REQUEST__BODY_RELOAD_MODEL:
    case BOLE__REQUEST__BODY_SNAPSHOT:
        return admin;
    case BOLE__REQUEST__BODY_STATS:
    case BOLE__REQUEST__BODY_TRENDS:
    case BOLE__REQUEST__BODY_EXPORT_OUTCOMES:
    case BOLE__REQUEST__BODY_LEADERBOARD:
    case BOLE__REQUEST__BODY_REFERRER_STATEMENT:
    case BOLE__REQUEST__BODY_VERIFY_LEDGER:
        return BOLE_ROLE_ANALYST | admin;
    case BOLE__REQUEST__BODY_CREATE_EVENT:
    case BOLE__REQUEST__BODY_REGISTER_FOR_EVENT:
    case BOLE__REQUEST__BODY_RUN_EVENT_MATCHING:
    case BOLE__REQUEST__BODY_GET_EVENT_SCHEDULE:
        return BOLE_ROLE_ORGANISER | admin;
    default:
        /* Profiles, needs, matching, the live stream, projects and teams,
         * referrals and feedback: what portal backends do. */
        return BOLE_ROLE_PORTAL | admin;
    }
}

int bole_principal_zone_ok(const bole_principal_t *p, const char *zone)
{
    if (!p || p->n_zones == 0)
        return 1;
    char norm[128];
    bole_intern_normalise(zone, norm, sizeof norm);
    for (size_t i = 0; i < p->n_zones; i++)
        if (strcmp(p->zones[i], norm) == 0)
            return 1;
    return 0;
}

int bole_principal_scoped(const bole_principal_t *p) { return p && p->n_zones > 0; }

int bole_auth_method_zone_scoped_ok(int body_case)
{
    switch (body_case) {
    case BOLE__REQUEST__BODY_EXPORT_OUTCOMES: /* Rows of every zone's pairs. */
    case BOLE__REQUEST__BODY_FEEDBACK_STATS:  /* Funnels summed over all zones. */
        return 0;
    default:
        return 1;
    }
}

const char *bole_principal_zones_text(const bole_principal_t *p, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; p && i < p->n_zones && used < len; i++) {
        int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", p->zones[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    return buf;
}

static int s_read_key(const char *path, char out[41], char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char buf[128] = "";
    char *got = fgets(buf, sizeof buf, f);
    fclose(f);
    size_t len = got ? strcspn(buf, "\r\n") : 0;
    buf[len] = '\0';
    uint8_t raw[32];
    if (len != 40 || !zmq_z85_decode(raw, buf)) {
        snprintf(err, errlen, "%s: not a Z85 key (40 characters)", path);
        return -1;
    }
    memcpy(out, buf, 41);
    return 0;
}

static int s_write_file(const char *path, const char *text, mode_t mode, char *err,
                        size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    size_t len = strlen(text);
    int ok = write(fd, text, len) == (ssize_t)len && write(fd, "\n", 1) == 1 && fsync(fd) == 0;
    close(fd);
    if (!ok) {
        snprintf(err, errlen, "cannot write %s", path);
        unlink(path);
        return -1;
    }
    return 0;
}

int bole_auth_server_keys(const char *secret_path, char public_z85[41], char secret_z85[41],
                          int *created, char *err, size_t errlen)
{
    char pub_path[1100];
    snprintf(pub_path, sizeof pub_path, "%s.pub", secret_path);
    *created = 0;
    if (access(secret_path, F_OK) == 0) {
        struct stat st;
        if (stat(secret_path, &st) == 0 && (st.st_mode & 077)) {
            snprintf(err, errlen, "%s is readable by others (mode %03o): chmod 600 it",
                     secret_path, (unsigned)(st.st_mode & 0777));
            return -1;
        }
        if (s_read_key(secret_path, secret_z85, err, errlen) != 0)
            return -1;
        if (zmq_curve_public(public_z85, secret_z85) != 0) {
            snprintf(err, errlen, "%s: cannot derive the public key", secret_path);
            return -1;
        }
        return 0;
    }
    if (zmq_curve_keypair(public_z85, secret_z85) != 0) {
        snprintf(err, errlen, "zmq_curve_keypair: %s (libzmq without CURVE?)",
                 zmq_strerror(zmq_errno()));
        return -1;
    }
    if (s_write_file(secret_path, secret_z85, 0600, err, errlen) != 0)
        return -1;
    unlink(pub_path);
    if (s_write_file(pub_path, public_z85, 0644, err, errlen) != 0)
        return -1;
    *created = 1;
    return 0;
}

int bole_endpoint_is_local(const char *e)
{
    if (strncmp(e, "ipc://", 6) == 0 || strncmp(e, "inproc://", 9) == 0)
        return 1;
    const char *local[] = {"tcp://127.", "tcp://localhost:", "tcp://[::1]:"};
    for (size_t i = 0; i < sizeof local / sizeof local[0]; i++)
        if (strncmp(e, local[i], strlen(local[i])) == 0)
            return 1;
    return 0;
}
