"""An incremental parser of ``text/event-stream`` (the WHATWG server-sent events format).

Bytes go in as they arrive, split anywhere (even inside a line or a CRLF); complete messages
come out. Lines end with CR, LF or CRLF; a blank line dispatches; ``data`` lines accumulate;
an ``id`` persists across messages; comment lines (the node's heartbeats) are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional

__all__ = ["Message", "SSEParser"]

_END_OF_LINE = re.compile(rb"\r\n|\r|\n")

# The largest event is a 1 MiB value in base64 plus its key and fields; a longer line means the
# peer is not a kvnode, and must not make the client grow without bound.
MAX_LINE_BYTES = 16 << 20


@dataclass
class Message:
    """One dispatched block.

    Attributes:
        event: the ``event:`` field, ``""`` for the default type.
        data: the ``data:`` lines joined with ``\\n``.
        last_event_id: the stream's last event id as of this message (from an ``id:`` here or
            in an earlier message), or ``None``.
        has_data: ``False`` for a block with an ``id:`` and no data: the standard dispatches no
            event for it, but it moves the resume point (a kvnode starts each new stream with
            one, naming the newest event it follows).
    """

    event: str
    data: str
    last_event_id: Optional[str]
    has_data: bool = True


class SSEParser:
    """Turns the bytes of an event stream into :class:`Message` objects."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._after_cr = False  # the last chunk ended with CR: a leading LF is its pair
        self._event = ""
        self._data: List[str] = []
        self._block_has_id = False
        self.last_event_id: Optional[str] = None

    def feed(self, chunk: bytes) -> List[Message]:
        """Consumes ``chunk`` and returns the messages it completes.

        Raises:
            ValueError: a line is longer than 16 MiB.
        """
        if self._after_cr:
            self._after_cr = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        # What is buffered holds no end of line: the search starts at the new bytes.
        start = len(self._buffer)
        self._buffer += chunk
        messages: List[Message] = []
        position = 0
        for found in _END_OF_LINE.finditer(self._buffer, start):
            self._take_line(bytes(self._buffer[position:found.start()]), messages)
            position = found.end()
            if found.group() == b"\r" and position == len(self._buffer):
                self._after_cr = True
        del self._buffer[:position]
        if len(self._buffer) > MAX_LINE_BYTES:
            raise ValueError("the event stream sent a line longer than 16 MiB")
        return messages

    def _take_line(self, line: bytes, out: List[Message]) -> None:
        if not line:
            self._dispatch(out)
            return
        if line.startswith(b":"):
            return  # a comment: the node's heartbeat
        name, colon, value = line.partition(b":")
        if colon and value.startswith(b" "):
            value = value[1:]
        text = value.decode("utf-8", "replace")
        if name == b"data":
            self._data.append(text)
        elif name == b"event":
            self._event = text
        elif name == b"id" and "\0" not in text:
            self.last_event_id = text
            self._block_has_id = True
        # "retry" is left out on purpose: the client paces its own reconnections.

    def _dispatch(self, out: List[Message]) -> None:
        if self._data or self._block_has_id:
            out.append(Message(self._event, "\n".join(self._data), self.last_event_id,
                               bool(self._data)))
        self._event = ""
        self._data = []
        self._block_has_id = False
