"""Exceptions raised by the kvactor client.

Every error the node answers comes as ``{"error": CODE, "message": TEXT}`` with a 4xx or 5xx
status (contract section 2); the client raises the subclass of :class:`KvError` that matches
``CODE`` (or, for a body that is not such JSON, the status). Network and TLS failures raise
:class:`Unreachable`.
"""

from __future__ import annotations

import json
from typing import Mapping, Optional

__all__ = [
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


class KvError(Exception):
    """Base class of every error of this package.

    Attributes:
        status: the HTTP status of the node's answer (0 when there was none).
        code: the node's error code (``"not_found"``, ``"conflict"``, ...), or ``""``.
        message: the node's message, or a description of what went wrong.
    """

    def __init__(self, message: str, *, status: int = 0, code: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class BadRequest(KvError):
    """400 ``bad_request``: an invalid key, value, typed text, amount, ttl or parameter."""


class Unauthorized(KvError):
    """401 ``unauthorized``: no token, or one the node does not know."""


class Forbidden(KvError):
    """403 ``forbidden``: the token's rules do not reach this key (or do not allow writing)."""


class NotFound(KvError):
    """404 ``not_found``: the key (or the hash field) does not exist, or has expired."""


class MethodNotAllowed(KvError):
    """405 ``method_not_allowed``."""


class Conflict(KvError):
    """409 ``conflict``: an ``if_version`` did not match the key's version.

    Attributes:
        current_version: the key's version when the write was refused (``0``: the key did not
            exist), from the answer's ``X-Kv-Version`` header; ``None`` if it had none.
    """

    def __init__(self, message: str, *, status: int = 409, code: str = "conflict",
                 current_version: Optional[int] = None) -> None:
        super().__init__(message, status=status, code=code)
        self.current_version = current_version


class WrongType(KvError):
    """409 ``wrong_type``: a typed read or atomic operation on a key of another type."""


class PayloadTooLarge(KvError):
    """413 ``payload_too_large``: the value (or the request) is over the node's limit."""


class Unavailable(KvError):
    """503 ``unavailable``: the node is starting, draining or overloaded; try again."""


class ServerError(KvError):
    """500 ``internal``, or any other status the node should not have answered."""


class Unreachable(KvError):
    """No answer: the connection failed, timed out, or its TLS handshake was refused.

    The underlying :class:`OSError` (an :class:`ssl.SSLError` for TLS) is ``__cause__``.
    """


class ProtocolError(KvError):
    """The server's answer is not what a kvnode sends (e.g. a watch that is no event stream)."""


_BY_CODE = {
    "bad_request": BadRequest,
    "unauthorized": Unauthorized,
    "forbidden": Forbidden,
    "not_found": NotFound,
    "method_not_allowed": MethodNotAllowed,
    "conflict": Conflict,
    "wrong_type": WrongType,
    "payload_too_large": PayloadTooLarge,
    "unavailable": Unavailable,
    "internal": ServerError,
}

_BY_STATUS = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    409: Conflict,
    413: PayloadTooLarge,
    503: Unavailable,
}


def error_from_reply(status: int, body: bytes, reason: str = "",
                     headers: Optional[Mapping[str, str]] = None) -> KvError:
    """The exception for an error answer: by the JSON body's code, else by the status.

    ``headers`` (names lowercased) give a conflict its ``current_version``.
    """
    code, message = "", ""
    try:
        document = json.loads(body.decode("utf-8")) if body else None
        if isinstance(document, dict):
            code = str(document.get("error") or "")
            message = str(document.get("message") or "")
    except (UnicodeDecodeError, ValueError):
        pass
    if not message:
        text = body.decode("utf-8", "replace").strip() if body else ""
        message = text[:500] or f"HTTP {status} {reason}".strip()
    kind = _BY_CODE.get(code) or _BY_STATUS.get(status) or ServerError
    if kind is Conflict:
        version = (headers or {}).get("x-kv-version", "")
        return Conflict(message, status=status, code=code or "conflict",
                        current_version=int(version) if version.isdigit() else None)
    return kind(message, status=status, code=code or _default_code(kind))


def _default_code(kind: type) -> str:
    for code, cls in _BY_CODE.items():
        if cls is kind:
            return code
    return ""
