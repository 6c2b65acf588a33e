/*
 * status.c - names of status codes, for logs and messages.
 */
#include "status.h"

const char *bole_status_text(int status)
{
    switch (status) {
    case BOLE_OK: return "OK";
    case BOLE_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case BOLE_NOT_FOUND: return "NOT_FOUND";
    case BOLE_ALREADY_EXISTS: return "ALREADY_EXISTS";
    case BOLE_PERMISSION_DENIED: return "PERMISSION_DENIED";
    case BOLE_RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case BOLE_FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case BOLE_UNIMPLEMENTED: return "UNIMPLEMENTED";
    case BOLE_INTERNAL: return "INTERNAL";
    case BOLE_UNAVAILABLE: return "UNAVAILABLE";
    case BOLE_UNAUTHENTICATED: return "UNAUTHENTICATED";
    }
    return "UNKNOWN";
}
