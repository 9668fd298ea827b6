"""Watching the change feed over ``GET /v1/watch`` (server-sent events, contract section 3),
resumed with ``Last-Event-ID`` after every dropped connection."""

from __future__ import annotations

import collections
import http.client
import json
import socket
import threading
import time
from typing import Deque, Optional, Union

from .errors import KvError, ProtocolError, Unavailable, Unreachable, error_from_reply
from .sse import Message, SSEParser
from .transport import Endpoint, query_string
from .values import Event, Reset

__all__ = ["Watch"]

# An error answer is a small JSON document; more than this is not read.
_MAX_ERROR_BODY = 64 << 10

# After a stream that ended without a single message the next connection waits this long, so
# that a node that ends every stream at once (one that is shutting down) is not hammered.
_EMPTY_STREAM_PAUSE = 1.0


class Watch:
    """An iterator over the changes of a prefix: :class:`~kvactor.Event` objects, and a
    :class:`~kvactor.Reset` when the node no longer retains the events after the resume point.

    Made by :meth:`kvactor.Client.watch`. Iterating blocks until the next change. When the
    connection drops (the node restarts or drains, a proxy cuts it, nothing came for
    ``idle_timeout``), the watch reconnects with ``Last-Event-ID`` set to the last event it
    yielded, so the node sends what was missed first: no change is lost or yielded twice while
    the node retains it (and events the node sends again are skipped by their ``rev``).
    Reconnecting is retried with growing pauses; when it keeps failing for ``reconnect_for``
    seconds, or the node refuses the watch (401, 403, 400), the iteration raises that error.

    :meth:`close` (from any thread, or leaving a ``with`` block) ends the iteration.

    Example::

        with kv.watch(prefix="user:") as changes:
            for change in changes:
                if change.op == "reset":
                    reload_everything()        # changes up to change.rev were missed
                else:
                    print(change.op, change.key, change.value)
    """

    def __init__(self, endpoint: Endpoint, prefix: str = "", from_rev: Optional[int] = None, *,
                 idle_timeout: float = 30.0, reconnect_for: float = 10.0) -> None:
        if from_rev is not None and (isinstance(from_rev, bool) or int(from_rev) < 0):
            raise ValueError("from_rev must be a revision (an int >= 0)")
        self._endpoint = endpoint
        self._prefix = prefix
        self._idle_timeout = idle_timeout
        self._reconnect_for = reconnect_for
        self._last_rev: Optional[int] = None if from_rev is None else int(from_rev)
        self._resume_id: Optional[str] = None if from_rev is None else str(int(from_rev))
        self._pending: Deque[Message] = collections.deque()
        self._parser = SSEParser()
        self._messages = 0  # on the current connection
        self._connection: Optional[http.client.HTTPConnection] = None
        self._response: Optional[http.client.HTTPResponse] = None
        self._lock = threading.Lock()  # the connection, against close() from another thread
        self._closed = False
        self._wake = threading.Event()  # cuts a pause short on close()
        #: How many times the watch reconnected after a dropped connection.
        self.reconnects = 0
        failure = self._open()
        if failure is not None:
            raise failure
        if from_rev is None:
            self._await_first_message()

    @property
    def last_rev(self) -> Optional[int]:
        """The ``rev`` of the last change yielded (or the stream position the node started
        from): pass it as ``from_rev`` to a later watch to go on from there."""
        return self._last_rev

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed

    def close(self) -> None:
        """Ends the watch: its connection closes and the iteration stops (a blocked
        ``next()`` in another thread returns ``StopIteration``)."""
        with self._lock:
            self._closed = True
            self._wake.set()
            self._disconnect()

    def __enter__(self) -> "Watch":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __iter__(self) -> "Watch":
        return self

    def __next__(self) -> Union[Event, Reset]:
        while True:
            while self._pending:
                change = self._take(self._pending.popleft())
                if change is not None:
                    return change
            if self._closed:
                raise StopIteration
            chunk = self._read()
            if chunk:
                try:
                    self._pending.extend(self._parser.feed(chunk))
                except ValueError as error:
                    self.close()
                    raise ProtocolError(str(error)) from error
                continue
            self._resume()

    # -- one connection -------------------------------------------------------------------------

    def _open(self) -> Optional[KvError]:
        """Opens one ``GET /v1/watch``: None when the stream is open (or the watch was closed
        meanwhile), else the error it got. Raises for an answer that no retry will change."""
        connection = self._endpoint.connect(timeout=self._idle_timeout)
        headers = self._endpoint.headers({"Accept": "text/event-stream"})
        if self._resume_id is not None:
            headers["Last-Event-ID"] = self._resume_id
        target = self._endpoint.base_path + "/v1/watch" + query_string(
            {"prefix": self._prefix or None})
        try:
            connection.request("GET", target, headers=headers)
            response = connection.getresponse()
            if response.status != 200:
                body = response.read(_MAX_ERROR_BODY)
                connection.close()
                return error_from_reply(response.status, body, response.reason)
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            return self._endpoint.unreachable(error, self._idle_timeout)
        content_type = response.getheader("Content-Type", "")
        if not content_type.startswith("text/event-stream"):
            connection.close()
            # Something else answers at the URL; no reconnection will change that.
            raise ProtocolError(f"unexpected reply from {self._endpoint.url}: /v1/watch answered"
                                f" with `{content_type}`, not an event stream")
        with self._lock:
            if self._closed:
                connection.close()
                return None
            self._connection, self._response = connection, response
        self._parser = SSEParser()
        self._messages = 0
        return None

    def _await_first_message(self) -> None:
        """Reads until the stream's first message is parsed (a new stream starts with its
        position): from then on the node has the watch, and every later write reaches it."""
        while not self._pending:
            chunk = self._read()
            if not chunk:
                self.close()
                raise Unreachable(f"{self._endpoint.url}: the watch stream ended before it "
                                  "started")
            try:
                self._pending.extend(self._parser.feed(chunk))
            except ValueError as error:
                self.close()
                raise ProtocolError(str(error)) from error

    def _read(self) -> bytes:
        """The next bytes of the stream; b"" when it ended, failed or went silent."""
        response = self._response
        if response is None:
            return b""
        try:
            return response.read1(64 << 10)
        except (OSError, http.client.HTTPException, ValueError, AttributeError):
            # ValueError/AttributeError: close() released the response under the read.
            return b""

    def _disconnect(self) -> None:
        connection, self._connection, self._response = self._connection, None, None
        if connection is not None:
            if connection.sock is not None:
                try:
                    connection.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            connection.close()

    def _resume(self) -> None:
        """After a drop: reconnects with the resume point, retrying with growing pauses until
        a stream opens or ``reconnect_for`` has passed."""
        with self._lock:
            self._disconnect()
        if self._closed:
            return
        if self._messages == 0:
            self._wake.wait(_EMPTY_STREAM_PAUSE)
        self.reconnects += 1
        give_up_at = time.monotonic() + self._reconnect_for
        pause = 0.1
        while not self._closed:
            failure = self._open()
            if failure is None:
                return
            # Unreachable: the node restarts; 503: it is starting or draining.
            retryable = isinstance(failure, (Unreachable, Unavailable))
            if not retryable or time.monotonic() + pause > give_up_at:
                self.close()
                raise failure
            self._wake.wait(pause)
            pause = min(pause * 2, 2.0)

    # -- one message ----------------------------------------------------------------------------

    def _take(self, message: Message) -> Union[Event, Reset, None]:
        self._messages += 1
        change: Union[Event, Reset, None] = None
        if not message.has_data:
            # A new stream's position: the newest event it follows.
            if message.last_event_id is not None and message.last_event_id.isdigit():
                self._last_rev = int(message.last_event_id)
        elif message.event == "reset":
            try:
                document = json.loads(message.data)
                change = Reset(int(document["rev"]), int(document["oldest_rev"]))
            except (ValueError, KeyError, TypeError) as error:
                self.close()
                raise ProtocolError(f"unexpected reset event from the node: {message.data}") \
                    from error
            self._last_rev = change.rev
        elif message.event in ("", "message"):
            try:
                event = Event.from_json(json.loads(message.data))
            except (ValueError, KeyError, TypeError) as error:
                self.close()
                raise ProtocolError(f"unexpected event from the node: {message.data[:200]}") \
                    from error
            if self._last_rev is None or event.rev > self._last_rev:
                self._last_rev = event.rev
                change = event
            # else: a repeat of what was yielded already.
        # Only a handled message moves the resume point.
        if message.last_event_id is not None:
            self._resume_id = message.last_event_id
        return change
