"""The kvactor client: every route of the node's HTTP API (contract sections 2, 7, 8, 10)."""

from __future__ import annotations

import base64
import json
import ssl
import threading
import time
from typing import Any, Dict, Iterable, Iterator, Mapping, Optional

from .errors import NotFound, WrongType
from .transport import Endpoint, Reply, Session, key_path, query_string, raise_for
from .values import (ExpiryResult, Item, Page, WriteResult, decode_value, encode_value,
                     infer_type)
from .watch import Watch

__all__ = ["Client", "DEFAULT_URL"]

#: Where ``kvnode`` listens by default.
DEFAULT_URL = "http://127.0.0.1:8080"

_JSON = "application/json"


class Client:
    """A client of one kvnode over HTTP/1.1, on one keep-alive connection.

    Args:
        url: the node's base URL, ``http://HOST:PORT`` or ``https://HOST:PORT`` (a path after
            it is kept as a prefix of every route, for a node behind a proxy).
        token: a bearer token, sent as ``Authorization: Bearer TOKEN`` on every request
            (contract section 10).
        cafile: PEM CA certificates to verify the node's certificate with (``https`` only;
            default: the system's CAs).
        certfile, keyfile: a client certificate and its key, for a node that requires one
            (mutual TLS).
        ssl_context: an :class:`ssl.SSLContext` to use instead of the three above.
        timeout: seconds to wait for connecting and for each read of an answer.

    Every method raises a :class:`~kvactor.KvError` subclass for an error answer
    (:class:`~kvactor.NotFound`, :class:`~kvactor.Conflict`, ...) and
    :class:`~kvactor.Unreachable` when no answer comes. Calls from several threads are
    serialised on the connection; each :meth:`watch` has a connection of its own.

    Example::

        with Client("http://127.0.0.1:8080") as kv:
            kv.put("greeting", b"hello")
            kv.get("greeting")             # b'hello'
            kv.incr("hits")                # Item(..., value=1, version=1, type='int')
    """

    def __init__(self, url: str = DEFAULT_URL, *, token: Optional[str] = None,
                 cafile: Optional[str] = None, certfile: Optional[str] = None,
                 keyfile: Optional[str] = None, ssl_context: Optional[ssl.SSLContext] = None,
                 timeout: float = 10.0) -> None:
        self._endpoint = Endpoint(url, token=token, cafile=cafile, certfile=certfile,
                                  keyfile=keyfile, ssl_context=ssl_context, timeout=timeout)
        self._session = Session(self._endpoint)
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        """The base URL the client was made with."""
        return self._endpoint.url

    def close(self) -> None:
        """Closes the keep-alive connection (the next call opens a new one)."""
        with self._lock:
            self._session.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client({self._endpoint.url!r})"

    # -- the plumbing -------------------------------------------------------------------------

    def _send(self, method: str, target: str, body: Optional[bytes] = None,
              content_type: Optional[str] = None, *, idempotent: bool = True) -> Reply:
        headers = {"Content-Type": content_type} if content_type else None
        with self._lock:
            return self._session.request(method, target, body, headers, idempotent=idempotent)

    def _call(self, method: str, target: str, body: Optional[bytes] = None,
              content_type: Optional[str] = None, *, idempotent: bool = True) -> Reply:
        return raise_for(self._send(method, target, body, content_type, idempotent=idempotent))

    def _call_json(self, method: str, target: str, body: Optional[bytes] = None,
                   content_type: Optional[str] = None, *, idempotent: bool = True) -> Any:
        return json.loads(self._call(method, target, body, content_type,
                                     idempotent=idempotent).body)

    @staticmethod
    def _key_target(key: str, **params: Any) -> str:
        return "/v1/keys/" + key_path(key) + query_string(params)

    @staticmethod
    def _item(key: str, reply: Reply, with_value: bool) -> Item:
        type_name = reply.header("X-Kv-Type") or "bytes"
        expires = reply.header("X-Kv-Expires-At")
        return Item(key=key, value=decode_value(reply.body, type_name) if with_value else None,
                    raw=reply.body, version=int(reply.header("X-Kv-Version") or 0),
                    type=type_name, expires_at=int(expires) if expires else None)

    # -- one key ------------------------------------------------------------------------------

    def get(self, key: str) -> Any:
        """The value of ``key`` as a Python value of its type: ``bytes`` for a ``bytes`` value,
        ``int``, ``float``, ``set`` of ``str``, ``dict`` of ``str``, or the decoded JSON.

        Raises:
            NotFound: no such key (or it has expired).
        """
        return self.get_item(key).value

    def get_item(self, key: str) -> Item:
        """``key`` with its value, raw bytes, version, type and expiry (:class:`Item`).

        Raises:
            NotFound: no such key (or it has expired).
        """
        return self._item(key, self._call("GET", self._key_target(key)), True)

    def head(self, key: str) -> Item:
        """``key``'s version, type and expiry without its value (``HEAD``; ``value`` is None).

        Raises:
            NotFound: no such key.
        """
        reply = self._send("HEAD", self._key_target(key))
        if reply.status == 404 and not reply.body:
            raise NotFound(f"no key `{key}` found", status=404, code="not_found")
        return self._item(key, raise_for(reply), False)

    def exists(self, key: str) -> bool:
        """Whether ``key`` exists (and has not expired)."""
        reply = self._send("HEAD", self._key_target(key))
        if reply.status == 404:
            return False
        raise_for(reply)
        return True

    def put(self, key: str, value: Any, *, type: Optional[str] = None,
            if_version: Optional[int] = None, ttl: Optional[int] = None) -> WriteResult:
        """Writes ``value`` to ``key``.

        Args:
            value: ``bytes`` or ``str`` (stored as ``bytes`` unless ``type`` says otherwise),
                or a Python value of a typed value: ``int``, ``float`` and ``set`` are stored
                as ``int`` (``uint`` above 2**63-1), ``float`` and ``set`` without ``type``;
                a ``dict`` needs ``type="hash"`` or ``type="json"``.
            type: one of ``bytes``, ``int``, ``uint``, ``float``, ``set``, ``hash``, ``json``.
                A ``str`` or ``bytes`` value is then sent as that type's text (``"42"``).
            if_version: compare-and-swap: write only if the key is at this version (0: only
                if it does not exist).
            ttl: whole seconds (1 to 10**9) after which the key expires. A write without
                ``ttl`` clears any expiry.

        Raises:
            Conflict: ``if_version`` did not match (``current_version`` tells the version).
            BadRequest: an invalid key or ttl, or a value that is not text of its type.
            PayloadTooLarge: the value is over the node's limit.
        """
        type_name = type or infer_type(value)
        body = encode_value(value, type_name)
        target = self._key_target(key, type=None if type_name == "bytes" and type is None
                                  else type_name, if_version=if_version, ttl=ttl)
        document = self._call_json("PUT", target, body, "application/octet-stream")
        return WriteResult(document["key"], document["version"], document["created"])

    def delete(self, key: str, *, if_version: Optional[int] = None) -> bool:
        """Deletes ``key``; True when it existed (deleting a missing key is no error).

        Raises:
            Conflict: ``if_version`` did not match.
        """
        target = self._key_target(key, if_version=if_version)
        return bool(self._call_json("DELETE", target)["deleted"])

    # -- many keys ----------------------------------------------------------------------------

    def list(self, prefix: Optional[str] = None, suffix: Optional[str] = None, *,
             limit: Optional[int] = None, after: Optional[str] = None,
             values: bool = False) -> Page:
        """One page of keys in bytewise order (``GET /v1/keys``).

        Args:
            prefix, suffix: only keys that start / end with these (both may be given).
            limit: at most this many keys (node default 1000, at most 10000).
            after: start after this key: the previous page's ``next``.
            values: also return each key's value, version and type (``Page.items``).

        A page may hold fewer than ``limit`` keys and still have a ``next`` (a token's rules
        filter it, or a page with values reached 16 MiB): follow ``next`` until it is None,
        or use :meth:`keys` / :meth:`items`.
        """
        target = "/v1/keys" + query_string({"prefix": prefix, "suffix": suffix, "limit": limit,
                                             "after": after, "values": True if values else None})
        document = self._call_json("GET", target)
        if not values:
            return Page(keys=list(document["keys"]), items=None, next=document.get("next"))
        items = []
        for entry in document["items"]:
            raw = base64.b64decode(entry["value"])
            type_name = entry.get("type", "bytes")
            items.append(Item(key=entry["key"], value=decode_value(raw, type_name), raw=raw,
                              version=entry["version"], type=type_name))
        return Page(keys=[item.key for item in items], items=items, next=document.get("next"))

    def keys(self, prefix: Optional[str] = None, suffix: Optional[str] = None, *,
             page_size: int = 1000) -> Iterator[str]:
        """Every matching key, in bytewise order, page after page."""
        after = None
        while True:
            page = self.list(prefix, suffix, limit=page_size, after=after)
            yield from page.keys
            if page.next is None:
                return
            after = page.next

    def items(self, prefix: Optional[str] = None, suffix: Optional[str] = None, *,
              page_size: int = 1000) -> Iterator[Item]:
        """Every matching key with its value, version and type, page after page."""
        after = None
        while True:
            page = self.list(prefix, suffix, limit=page_size, after=after, values=True)
            yield from page.items or []
            if page.next is None:
                return
            after = page.next

    def put_many(self, values: Mapping[str, Any], *, ttl: Optional[int] = None) -> int:
        """Writes many keys at once (``POST /v1/keys``): all of them, or none when one is
        invalid. A ``str`` (or UTF-8 ``bytes``) value is stored as ``bytes``, any other JSON
        value as type ``json``. Returns how many keys were written.

        Raises:
            BadRequest: a key or value is invalid; nothing was written.
        """
        document = {key: bytes(value).decode("utf-8")
                    if isinstance(value, (bytes, bytearray, memoryview)) else value
                    for key, value in values.items()}
        body = json.dumps(document, separators=(",", ":"), ensure_ascii=False,
                          allow_nan=False).encode("utf-8")
        target = "/v1/keys" + query_string({"ttl": ttl})
        return int(self._call_json("POST", target, body, _JSON)["written"])

    # -- typed values and atomic operations ----------------------------------------------------

    def _operate(self, key: str, op: str, body: Optional[bytes], *,
                 type: Optional[str] = None, if_version: Optional[int] = None,
                 idempotent: bool = True) -> Item:
        target = self._key_target(key, op=op, type=type, if_version=if_version)
        document = self._call_json("POST", target, body or b"", _JSON if body else None,
                                   idempotent=idempotent)
        type_name = document["type"]
        value = document["value"]
        if type_name in ("int", "uint", "float"):
            raw = str(value).encode()
        else:
            raw = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
        return Item(key=document["key"], value=decode_value(raw, type_name), raw=raw,
                    version=document["version"], type=type_name)

    def incr(self, key: str, amount: float = 1, *, type: Optional[str] = None,
             if_version: Optional[int] = None) -> Item:
        """Adds ``amount`` (may be negative; a float only for a ``float`` key) to the number
        at ``key``, atomically; a missing key starts at 0 with type ``int``, or ``type``
        (``"uint"`` or ``"float"``). Returns the key with its new value (``Item.value``).

        Raises:
            WrongType: the key holds another type (or not ``type``).
            BadRequest: the result is out of range, or the amount does not suit the type.
        """
        if isinstance(amount, bool) or not isinstance(amount, (int, float)):
            raise TypeError(f"amount must be a number, not {amount.__class__.__name__}")
        text = str(amount) if isinstance(amount, int) else repr(float(amount))
        return self._operate(key, "incr", text.encode(), type=type, if_version=if_version,
                             idempotent=False)

    def sadd(self, key: str, *members: str, if_version: Optional[int] = None) -> Item:
        """Adds ``members`` to the set at ``key`` (created when missing); returns the key with
        the whole new set.

        Raises:
            WrongType: the key is not a set.
        """
        return self._operate(key, "sadd", _json_strings(members), if_version=if_version)

    def srem(self, key: str, *members: str, if_version: Optional[int] = None) -> Item:
        """Removes ``members`` from the set at ``key``; an emptied set stays."""
        return self._operate(key, "srem", _json_strings(members), if_version=if_version)

    def smembers(self, key: str) -> set:
        """The members of the set at ``key``.

        Raises:
            NotFound: no such key.
            WrongType: the key is not a set.
        """
        return self._typed(key, "set")

    def sismember(self, key: str, member: str) -> bool:
        """Whether ``member`` is in the set at ``key``.

        Raises:
            NotFound: no such key.
            WrongType: the key is not a set.
        """
        target = self._key_target(key, member=member)
        return bool(self._call_json("GET", target)["member"])

    def hset(self, key: str, fields: Mapping[str, str], *,
             if_version: Optional[int] = None) -> Item:
        """Sets ``fields`` of the hash at ``key`` (created when missing); returns the key with
        the whole new hash.

        Raises:
            WrongType: the key is not a hash.
        """
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in fields.items()):
            raise TypeError("hash fields and values must be str")
        body = json.dumps(dict(fields), separators=(",", ":"), ensure_ascii=False).encode()
        return self._operate(key, "hset", body, if_version=if_version)

    def hdel(self, key: str, *fields: str, if_version: Optional[int] = None) -> Item:
        """Removes ``fields`` from the hash at ``key``; an emptied hash stays."""
        return self._operate(key, "hdel", _json_strings(fields), if_version=if_version)

    def hget(self, key: str, field: str) -> str:
        """The value of ``field`` in the hash at ``key``.

        Raises:
            NotFound: no such key, or no such field.
            WrongType: the key is not a hash.
        """
        return self._call("GET", self._key_target(key, field=field)).body.decode("utf-8")

    def hgetall(self, key: str) -> Dict[str, str]:
        """Every field of the hash at ``key``.

        Raises:
            NotFound: no such key.
            WrongType: the key is not a hash.
        """
        return self._typed(key, "hash")

    def _typed(self, key: str, wanted: str) -> Any:
        item = self.get_item(key)
        if item.type != wanted:
            raise WrongType(f"key `{key}` holds a value of type {item.type}, not {wanted}",
                            status=409, code="wrong_type")
        return item.value

    # -- expiry ---------------------------------------------------------------------------------

    def expire(self, key: str, seconds: int, *, if_version: Optional[int] = None) -> ExpiryResult:
        """Makes ``key`` expire ``seconds`` (1 to 10**9) from now.

        Raises:
            NotFound: no such key.
        """
        return self._expiry(key, "expire", str(int(seconds)).encode(), if_version)

    def persist(self, key: str, *, if_version: Optional[int] = None) -> ExpiryResult:
        """Removes ``key``'s expiry.

        Raises:
            NotFound: no such key.
        """
        return self._expiry(key, "persist", None, if_version)

    def _expiry(self, key: str, op: str, body: Optional[bytes],
                if_version: Optional[int]) -> ExpiryResult:
        target = self._key_target(key, op=op, if_version=if_version)
        document = self._call_json("POST", target, body or b"")
        return ExpiryResult(document["key"], document["version"], document.get("expires_at"))

    def ttl(self, key: str) -> Optional[float]:
        """Seconds until ``key`` expires, or None when it does not expire.

        Raises:
            NotFound: no such key.
        """
        expires_at = self.head(key).expires_at
        if expires_at is None:
            return None
        return max(0.0, expires_at / 1000.0 - time.time())

    # -- the node -------------------------------------------------------------------------------

    def ping(self) -> bool:
        """True when the node answers ``GET /v1/ping`` (no token needed).

        Raises:
            Unreachable: it does not.
        """
        self._call("GET", "/v1/ping")
        return True

    def ready(self) -> bool:
        """True when the node serves (``/v1/readiness`` 200); False while it recovers or
        drains (503)."""
        reply = self._send("GET", "/v1/readiness")
        if reply.status == 503:
            return False
        raise_for(reply)
        return True

    def info(self) -> Dict[str, Any]:
        """``GET /v1/info``: node id, version, uptime, partitions."""
        return self._call_json("GET", "/v1/info")

    # -- the change feed ------------------------------------------------------------------------

    def watch(self, prefix: str = "", from_rev: Optional[int] = None, *,
              idle_timeout: float = 30.0, reconnect_for: float = 10.0) -> Watch:
        """Watches the changes of keys starting with ``prefix`` over ``GET /v1/watch``.

        Returns a :class:`~kvactor.Watch`: iterate it for :class:`~kvactor.Event` objects
        (and a :class:`~kvactor.Reset` when the node no longer has the events to resume
        after). A dropped connection is resumed with ``Last-Event-ID``, so no change is missed
        or repeated while the node retains it.

        Args:
            prefix: only keys that start with it (``""``: every key the token may read).
            from_rev: start after this ``rev`` (every retained change after it first);
                None: with the next change.
            idle_timeout: seconds of silence after which the connection counts as dead (the
                node sends a heartbeat at least every 15 s).
            reconnect_for: how long reconnecting may keep failing before the iteration raises
                :class:`~kvactor.Unreachable` (or the node's error).

        The first connection is made here, so a refused watch (401, 403) raises at once, and
        every change made after this returns is yielded.
        """
        return Watch(self._endpoint, prefix, from_rev, idle_timeout=idle_timeout,
                     reconnect_for=reconnect_for)


def _json_strings(names: Iterable[str]) -> bytes:
    names = list(names)
    if not all(isinstance(name, str) for name in names):
        raise TypeError("members and fields must be str")
    return json.dumps(names, separators=(",", ":"), ensure_ascii=False).encode()

