#!/usr/bin/env python3
"""Writes COUNT hashes of 4 fields (PUT ?type=hash, keys h000000000...) to a kvnode, pipelining
requests in rounds over one connection, as redis-cli --pipe does for Redis. For bench/hash_memory.sh.
Usage: hash_load.py PORT COUNT"""
import socket
import sys

BODY = b'{"f1":"value-1","f2":"value-2","f3":"value-3","f4":"value-4"}'
ROUND = 512


def read_answers(sock, buffer, wanted):
    """Reads `wanted` responses; returns the bytes after them. Every answer must be a 200."""
    answered = 0
    while answered < wanted:
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            chunk = sock.recv(1 << 16)
            if not chunk:
                sys.exit("the node closed the connection")
            buffer += chunk
            continue
        head = buffer[:end].decode()
        if not head.startswith("HTTP/1.1 200"):
            sys.exit("unexpected answer: " + head.splitlines()[0])
        length = next(int(line.split(":")[1]) for line in head.split("\r\n")
                      if line.lower().startswith("content-length:"))
        while len(buffer) < end + 4 + length:
            buffer += sock.recv(1 << 16)
        buffer = buffer[end + 4 + length:]
        answered += 1
    return buffer


def main():
    port, count = int(sys.argv[1]), int(sys.argv[2])
    sock = socket.create_connection(("127.0.0.1", port))
    buffer = b""
    for first in range(0, count, ROUND):
        keys = range(first, min(first + ROUND, count))
        sock.sendall(b"".join(
            b"PUT /v1/keys/h%09d?type=hash HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (key, len(BODY), BODY) for key in keys))
        buffer = read_answers(sock, buffer, len(keys))


if __name__ == "__main__":
    main()
