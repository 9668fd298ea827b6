"""Values and results: typed values to and from their wire text, and what the calls return.

The node keeps every value with a type (contract section 7). This module turns Python values
into the text ``PUT ?type=T`` takes, and the text ``GET`` prints back into Python values:

==========  ===========================================  =============================
type        written from                                 read as
==========  ===========================================  =============================
``bytes``   ``bytes``, ``bytearray``, ``memoryview``,    ``bytes``
            ``str`` (stored as UTF-8)
``int``     ``int`` (signed 64-bit)                      ``int``
``uint``    ``int`` (unsigned 64-bit)                    ``int``
``float``   ``float`` or ``int`` (finite)                ``float``
``set``     ``set``/``frozenset``/list of ``str``        ``set`` of ``str``
``hash``    ``dict`` of ``str`` to ``str``               ``dict`` of ``str`` to ``str``
``json``    anything :func:`json.dumps` takes            what :func:`json.loads` gives
==========  ===========================================  =============================
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Union

__all__ = [
    "TYPES",
    "Item",
    "WriteResult",
    "ExpiryResult",
    "Page",
    "Event",
    "Reset",
    "encode_value",
    "decode_value",
    "infer_type",
]

#: The value types of the node, as ``?type=`` and ``X-Kv-Type`` name them.
TYPES = ("bytes", "int", "uint", "float", "set", "hash", "json")

BytesLike = Union[bytes, bytearray, memoryview]


def _compact_json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def infer_type(value: Any) -> str:
    """The type a ``put`` without ``type=`` stores ``value`` as.

    Bytes-like values and ``str`` are ``bytes``, ``int`` is ``int`` (``uint`` above 2**63-1),
    ``float`` is ``float``, a ``set``/``frozenset`` is ``set``. A ``dict`` or ``list`` could be
    a hash, a set or JSON, so it needs ``type=``; so does a ``bool`` or ``None``.
    """
    if isinstance(value, (bytes, bytearray, memoryview, str)):
        return "bytes"
    if isinstance(value, bool) or value is None:
        raise TypeError(f"pass type= to store {value!r} (e.g. type='json')")
    if isinstance(value, int):
        return "uint" if value > 2**63 - 1 else "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, (set, frozenset)):
        return "set"
    raise TypeError(
        f"pass type= to store a {type(value).__name__} (type='hash' for a dict of strings, "
        "type='json' for any JSON document, type='set' for strings)")


def encode_value(value: Any, type: str) -> bytes:
    """The request body that writes ``value`` as a value of ``type``.

    A bytes-like value or ``str`` is sent as it is for every type (it must then be the type's
    text, e.g. ``"42"`` for ``int``), so any text the node accepts can be written.
    """
    if type not in TYPES:
        raise ValueError(f"type must be one of {', '.join(TYPES)}, not {type!r}")
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if type == "bytes":
        raise TypeError(f"a bytes value must be bytes or str, not {value.__class__.__name__}")
    if type in ("int", "uint"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"an {type} value must be an int, not {value.__class__.__name__}")
        return str(value).encode()
    if type == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"a float value must be a float, not {value.__class__.__name__}")
        number = float(value)
        if not math.isfinite(number):
            raise ValueError("a float value must be finite")
        return repr(number).encode()
    if type == "set":
        members = list(value)
        if not all(isinstance(m, str) for m in members):
            raise TypeError("a set value must hold only str members")
        return _compact_json(sorted(set(members)))
    if type == "hash":
        fields = dict(value)
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in fields.items()):
            raise TypeError("a hash value must map str to str")
        return _compact_json(fields)
    return _compact_json(value)  # json


def decode_value(raw: bytes, type: str) -> Any:
    """The Python value of ``raw``, the text ``GET`` prints for a value of ``type``."""
    if type in ("int", "uint"):
        return int(raw)
    if type == "float":
        return float(raw)
    if type == "set":
        return set(json.loads(raw))
    if type in ("hash", "json"):
        return json.loads(raw)
    return bytes(raw)  # bytes, and any type a newer node may add


@dataclass
class Item:
    """One key as read: its value, version, type and expiry.

    Attributes:
        key: the key.
        value: the value as a Python value of its type (see the module's table); ``None`` for
            a ``head``.
        raw: the value's bytes as the node sent them (``b""`` for a ``head``).
        version: 1 when the key was created, +1 on every write.
        type: ``"bytes"``, ``"int"``, ``"uint"``, ``"float"``, ``"set"``, ``"hash"`` or
            ``"json"``.
        expires_at: Unix milliseconds when the key expires, ``None`` when it does not (or
            when the listing that returned the item does not say).
    """

    key: str
    value: Any
    raw: bytes
    version: int
    type: str = "bytes"
    expires_at: Optional[int] = None

    @property
    def text(self) -> str:
        """The raw value decoded as UTF-8 (a ``bytes`` value holding text)."""
        return self.raw.decode("utf-8")


@dataclass
class WriteResult:
    """What a ``put`` did: the key's new ``version``, and whether it ``created`` the key."""

    key: str
    version: int
    created: bool


@dataclass
class ExpiryResult:
    """What ``expire``/``persist`` did: the new ``version`` and the deadline in Unix ms
    (``expires_at``, ``None`` when the key no longer expires)."""

    key: str
    version: int
    expires_at: Optional[int]


@dataclass
class Page:
    """One page of a listing.

    Attributes:
        keys: the page's keys, bytewise ordered.
        items: with ``values=True``, the page's :class:`Item` (each with value, version and
            type); else ``None``.
        next: the cursor for the next page (pass it as ``after``), ``None`` after the last.
    """

    keys: List[str]
    items: Optional[List[Item]]
    next: Optional[str]


@dataclass
class Event:
    """One change of the feed (contract section 3).

    Attributes:
        op: ``"put"``, ``"delete"`` or ``"expire"``.
        key: the key that changed.
        value: on ``put``, the new value as a Python value of its ``type``; else ``None``.
        raw: on ``put``, the value's bytes (the text ``GET`` prints); else ``None``.
        version: the key's version after a put (before a delete or expiry).
        type: the value's type (``"bytes"`` unless the write was typed).
        partition, seq: the owning partition and its gap-free sequence number.
        rev: the node-wide, gap-free revision: the position to resume after.
        ts_ms: when the node applied it, Unix milliseconds.
        data: the event's JSON as the node sent it, decoded.
    """

    op: str
    key: str
    value: Any
    raw: Optional[bytes]
    version: int
    type: str
    partition: int
    seq: int
    rev: int
    ts_ms: int
    data: Dict[str, Any] = field(repr=False, default_factory=dict)

    @classmethod
    def from_json(cls, document: Dict[str, Any]) -> "Event":
        """An event from the node's event JSON."""
        type_name = document.get("type", "bytes")
        raw = None
        value = None
        if "value" in document:
            raw = base64.b64decode(document["value"])
            value = decode_value(raw, type_name)
        return cls(op=document["op"], key=document["key"], value=value, raw=raw,
                   version=int(document.get("version", 0)), type=type_name,
                   partition=int(document.get("partition", 0)), seq=int(document.get("seq", 0)),
                   rev=int(document["rev"]), ts_ms=int(document.get("ts_ms", 0)), data=document)


@dataclass
class Reset:
    """The node no longer retains the events after the resume point (``event: reset``).

    The changes up to ``rev`` that the watch had not seen are lost to it: re-read what you
    need (e.g. list the prefix) and carry on; the watch goes on with the events after ``rev``.
    ``oldest_rev`` is the oldest event the node still retains (0 when it retains none).
    """

    rev: int
    oldest_rev: int
    op: str = "reset"
