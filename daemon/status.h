/*
 * status.h - the one error enum of the daemon. Values equal the wire
 * protocol's StatusCode (and gRPC's), so a module's result goes to the
 * client unchanged. 0 is success.
 */
#ifndef BOLE_STATUS_H
#define BOLE_STATUS_H

typedef enum {
    BOLE_OK                  = 0,
    BOLE_INVALID_ARGUMENT    = 3,
    BOLE_NOT_FOUND           = 5,
    BOLE_ALREADY_EXISTS      = 6,
    BOLE_PERMISSION_DENIED   = 7,
    BOLE_RESOURCE_EXHAUSTED  = 8,
    BOLE_FAILED_PRECONDITION = 9,
    BOLE_UNIMPLEMENTED       = 12,
    BOLE_INTERNAL            = 13,
    BOLE_UNAVAILABLE         = 14,
    BOLE_UNAUTHENTICATED     = 16
} bole_status_t;

/* "OK", "INVALID_ARGUMENT", ... ; "UNKNOWN" for other values. */
const char *bole_status_text(int status);

#endif
