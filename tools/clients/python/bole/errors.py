"""Exceptions of the Bole client: one class per bole.StatusCode, plus the
client-side failures (timeout, transport, decode). Every exception carries the
method name, the status number and the server's message."""


class BoleError(Exception):
    """Base class. status is the bole.StatusCode number (None for client-side
    failures), method the Request oneof name, message the server's text and
    response the whole bole.Response (None when there was none)."""

    status = None

    def __init__(self, method, message, status=None, response=None):
        if status is not None:
            self.status = status
        self.method = method
        self.message = message
        self.response = response
        name = STATUS_NAMES.get(self.status, "CLIENT") if self.status is not None else "CLIENT"
        super().__init__("%s: %s: %s" % (method, name, message))


class InvalidArgument(BoleError):
    status = 3


class NotFound(BoleError):
    status = 5


class AlreadyExists(BoleError):
    status = 6


class PermissionDenied(BoleError):
    status = 7


class ResourceExhausted(BoleError):
    status = 8


class FailedPrecondition(BoleError):
    status = 9


class Unimplemented(BoleError):
    status = 12


class Internal(BoleError):
    status = 13


class Unavailable(BoleError):
    status = 14


class Unauthenticated(BoleError):
    status = 16


class UnknownStatus(BoleError):
    """A status this client does not know (a newer server); .status holds it."""


class BoleTimeout(BoleError):
    """No reply in time (after the allowed retries). For a call that is not
    idempotent the request may or may not have been applied."""


class TransportError(BoleError):
    """ZeroMQ failed or the reply could not be decoded."""


STATUS_NAMES = {
    0: "OK", 3: "INVALID_ARGUMENT", 5: "NOT_FOUND", 6: "ALREADY_EXISTS",
    7: "PERMISSION_DENIED", 8: "RESOURCE_EXHAUSTED", 9: "FAILED_PRECONDITION",
    12: "UNIMPLEMENTED", 13: "INTERNAL", 14: "UNAVAILABLE", 16: "UNAUTHENTICATED",
}

_BY_STATUS = {c.status: c for c in (
    InvalidArgument, NotFound, AlreadyExists, PermissionDenied, ResourceExhausted,
    FailedPrecondition, Unimplemented, Internal, Unavailable, Unauthenticated)}


def error_for(method, status, message, response=None):
    """The exception instance for a non-OK status."""
    cls = _BY_STATUS.get(status)
    if cls is None:
        return UnknownStatus(method, message, status=status, response=response)
    return cls(method, message, response=response)
