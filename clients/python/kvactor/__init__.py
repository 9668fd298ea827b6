"""kvactor: a client of the kvactor key-value node (kvnode), standard library only.

Keys and values, compare-and-swap, listings with paging, typed values and atomic operations,
expiry, the change feed over server-sent events with automatic resume, TLS and bearer tokens::

    import kvactor

    kv = kvactor.Client("http://127.0.0.1:8080")
    kv.put("greeting", "hello")                  # stored as bytes
    kv.get("greeting")                           # b'hello'
    kv.put("config", b"v2", if_version=1)        # raises kvactor.Conflict unless at version 1
    kv.incr("hits")                              # Item(value=1, type='int', ...)
    for change in kv.watch(prefix="user:"):      # resumes by itself after a dropped connection
        print(change.op, change.key, change.value)
"""

from ._version import __version__
from .client import DEFAULT_URL, Client
from .errors import (BadRequest, Conflict, Forbidden, KvError, MethodNotAllowed, NotFound,
                     PayloadTooLarge, ProtocolError, ServerError, Unauthorized, Unavailable,
                     Unreachable, WrongType)
from .values import TYPES, Event, ExpiryResult, Item, Page, Reset, WriteResult
from .watch import Watch

__all__ = [
    "__version__",
    "DEFAULT_URL",
    "Client",
    "Watch",
    "TYPES",
    "Item",
    "WriteResult",
    "ExpiryResult",
    "Page",
    "Event",
    "Reset",
    "KvError",
    "BadRequest",
    "Unauthorized",
    "Forbidden",
    "NotFound",
    "MethodNotAllowed",
    "Conflict",
    "WrongType",
    "PayloadTooLarge",
    "Unavailable",
    "ServerError",
    "Unreachable",
    "ProtocolError",
]
