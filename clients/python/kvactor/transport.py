"""Where the node is and how to reach it: the base URL, TLS, the token, and one HTTP/1.1
keep-alive connection at a time (``http.client`` from the standard library)."""

from __future__ import annotations

import http.client
import select
import socket
import ssl
from dataclasses import dataclass
from typing import Dict, Mapping, Optional
from urllib.parse import quote, urlencode, urlsplit

from ._version import __version__
from .errors import Unreachable, error_from_reply

USER_AGENT = f"kvactor-python/{__version__}"

# The errors of a kept-alive connection that the node closed while it was idle: a request that
# fails so on a reused connection never reached the node, and is sent again once.
_STALE_CONNECTION = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                     ConnectionAbortedError)


def key_path(key: str) -> str:
    """``key`` escaped for ``/v1/keys/{key}``: every byte but unreserved ones and ``/`` as
    %XX, so any UTF-8 key reaches the node exactly as given."""
    if not isinstance(key, str):
        raise TypeError(f"a key is a str, not {key.__class__.__name__}")
    if not key:
        raise ValueError("a key must not be empty")
    return quote(key.encode("utf-8"), safe="/")


def query_string(params: Mapping[str, object]) -> str:
    """``?a=1&b=x`` of the parameters that are not ``None`` (``""`` when none are)."""
    present = [(name, _param_text(value)) for name, value in params.items() if value is not None]
    if not present:
        return ""
    # quote_via=quote: a space is %20, and '+' is %2B (the node reads '+' as a space).
    return "?" + urlencode(present, quote_via=quote, safe="")


def _param_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass
class Reply:
    """A complete answer: status, headers (names lowercased) and body."""

    status: int
    reason: str
    headers: Dict[str, str]
    body: bytes

    def header(self, name: str) -> Optional[str]:
        return self.headers.get(name.lower())


class Endpoint:
    """The node's address, TLS context and token; makes connections to it."""

    def __init__(self, url: str, *, token: Optional[str], cafile: Optional[str],
                 certfile: Optional[str], keyfile: Optional[str],
                 ssl_context: Optional[ssl.SSLContext], timeout: float) -> None:
        parts = urlsplit(url if "://" in url else "http://" + url)
        if parts.scheme not in ("http", "https"):
            raise ValueError(f"invalid URL {url!r}: the scheme must be http or https")
        if not parts.hostname:
            raise ValueError(f"invalid URL {url!r}: the host is missing")
        if parts.username or parts.password:
            raise ValueError(f"invalid URL {url!r}: user names and passwords are not supported")
        self.url = url
        self.https = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port or (443 if self.https else 80)
        self.base_path = parts.path.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.ssl_context: Optional[ssl.SSLContext] = None
        if self.https:
            self.ssl_context = ssl_context or ssl.create_default_context(cafile=cafile)
            if certfile:
                self.ssl_context.load_cert_chain(certfile, keyfile)
        elif cafile or certfile or ssl_context:
            raise ValueError(f"TLS options need an https:// URL, not {url!r}")

    def connect(self, timeout: Optional[float] = None) -> http.client.HTTPConnection:
        """A new (not yet opened) connection; ``timeout`` applies to connecting and each read."""
        wait = self.timeout if timeout is None else timeout
        if self.https:
            return http.client.HTTPSConnection(self.host, self.port, timeout=wait,
                                               context=self.ssl_context)
        return http.client.HTTPConnection(self.host, self.port, timeout=wait)

    def headers(self, extra: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
        headers = {"User-Agent": USER_AGENT}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if extra:
            headers.update(extra)
        return headers

    def unreachable(self, error: BaseException, timeout: Optional[float] = None) -> Unreachable:
        """The error for a request that got no answer because of ``error``."""
        what = str(error) or error.__class__.__name__
        if isinstance(error, (socket.timeout, TimeoutError)):
            what = f"no answer within {self.timeout if timeout is None else timeout:g} s"
        failure = Unreachable(f"{self.url}: {what}")
        failure.__cause__ = error
        return failure


class Session:
    """One keep-alive connection, reopened when the node closed it. Not thread-safe: the
    client holds a lock around it."""

    def __init__(self, endpoint: Endpoint) -> None:
        self._endpoint = endpoint
        self._connection: Optional[http.client.HTTPConnection] = None
        self._used = False  # the connection has answered a request already

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def request(self, method: str, target: str, body: Optional[bytes] = None,
                headers: Optional[Mapping[str, str]] = None, *, idempotent: bool = True) -> Reply:
        """Sends one request and reads its whole answer (any status).

        Raises:
            Unreachable: no answer (connection refused, reset, timed out, TLS refused).
        """
        path = self._endpoint.base_path + target
        all_headers = self._endpoint.headers(headers)
        if body is not None:
            all_headers["Content-Length"] = str(len(body))
        if self._connection is not None and _closed_by_peer(self._connection):
            self.close()
        for attempt in (1, 2):
            reused = self._connection is not None and self._used
            if self._connection is None:
                self._connection = self._endpoint.connect()
                self._used = False
            try:
                self._connection.request(method, path, body=body, headers=all_headers)
                response = self._connection.getresponse()
                data = response.read()
            except _STALE_CONNECTION as error:
                self.close()
                if reused and idempotent and attempt == 1:
                    continue
                raise self._endpoint.unreachable(error) from error
            except (OSError, http.client.HTTPException) as error:
                self.close()
                raise self._endpoint.unreachable(error) from error
            self._used = True
            if response.will_close:
                self.close()
            return Reply(response.status, response.reason,
                         {name.lower(): value for name, value in response.getheaders()}, data)
        raise AssertionError("unreachable")  # pragma: no cover


def _closed_by_peer(connection: http.client.HTTPConnection) -> bool:
    """True when an idle kept-alive connection has something to read: with no request in
    flight, that can only be its end (the node closed it after its idle timeout)."""
    sock = connection.sock
    if sock is None:
        return False
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def raise_for(reply: Reply) -> Reply:
    """``reply`` when its status is 2xx; else raises the matching :class:`KvError`."""
    if 200 <= reply.status < 300:
        return reply
    raise error_from_reply(reply.status, reply.body, reply.reason, reply.headers)
