"""Python client for boled, the Bole talent-matching daemon.

    import bole
    with bole.Client("tcp://127.0.0.1:5555", timeout=5) as c:
        print(c.health().version)

Needs pyzmq and protobuf, and bole_pb2 generated from proto/bole.proto
(`protoc --python_out=DIR proto/bole.proto`, DIR on PYTHONPATH)."""

from .errors import (AlreadyExists, BoleError, BoleTimeout, FailedPrecondition,  # noqa: F401
                     Internal, InvalidArgument, NotFound, PermissionDenied,
                     ResourceExhausted, TransportError, Unauthenticated, Unavailable,
                     Unimplemented, UnknownStatus, STATUS_NAMES)
from .client import Client, IDEMPOTENT, load_key, methods, pb  # noqa: F401
from .subscriber import Subscriber  # noqa: F401
