#!/usr/bin/env python3
# yuvraj9's `kv watch` against a real kvnode: Debian's python-socketio client, with the same
# handlers as that CLI, must receive every change made through any route as key_update.
# Usage: socketio_watch_client.py KVNODE_BINARY. Exit 0 pass, 1 fail, 77 skip.
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from loopback_port import free_port

try:
    import socketio
except ImportError as error:
    print(f"SKIP: python3-socketio is not installed for {sys.executable} ({error}); "
          "scripts/install-deps.sh installs it")
    sys.exit(77)

TIMEOUT_S = 15


def request(method, url, body=None, content_type=None):
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url, data=data, method=method)
    if content_type:
        req.add_header("Content-Type", content_type)
    with urllib.request.urlopen(req, timeout=TIMEOUT_S) as reply:
        return reply.status, reply.read()


def start_node(binary, workdir):
    http_port, feed_port = free_port(), free_port()
    log_path = os.path.join(workdir, "kvnode.log")
    with open(log_path, "wb") as log:
        node = subprocess.Popen(
            [os.path.abspath(binary), "--http-listen", f"127.0.0.1:{http_port}",
             "--feed-endpoint", f"tcp://127.0.0.1:{feed_port}"],
            cwd=workdir, stdout=subprocess.DEVNULL, stderr=log)
    url = f"http://127.0.0.1:{http_port}"
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        if node.poll() is not None:
            with open(log_path, encoding="utf-8", errors="replace") as log:
                raise RuntimeError("kvnode exited: " + log.read())
        try:
            if request("GET", url + "/v1/ping")[0] == 200:
                return node, url
        except OSError:
            time.sleep(0.05)
    node.kill()
    raise RuntimeError("kvnode did not answer /v1/ping in time")


def main():
    binary = sys.argv[1]
    failures = []
    with tempfile.TemporaryDirectory() as workdir:
        node, url = start_node(binary, workdir)
        try:
            run_client(url, failures)
        finally:
            node.send_signal(signal.SIGTERM)
            try:
                node.wait(timeout=TIMEOUT_S)
            except subprocess.TimeoutExpired:
                node.kill()
    for failure in failures:
        print("FAIL:", failure)
    print(f"{0 if failures else 1} passed, {1 if failures else 0} failed")
    return 1 if failures else 0


def run_client(url, failures):
    # The handlers of yuvraj9's kv script, recording instead of printing.
    sio = socketio.Client()
    lines = []
    arrived = threading.Condition()

    def record(line):
        with arrived:
            lines.append(line)
            arrived.notify_all()

    @sio.event
    def connect():
        record("connected to server")

    @sio.event
    def disconnect():
        record("disconnected from server")

    @sio.on("key_update")
    def my_broadcast_event(data):
        record(data)

    sio.connect(url)
    if sio.transport() != "polling":
        failures.append(f"transport is {sio.transport()}, not polling")

    kv = url + "/kv"
    as_json = "application/json"
    # Every write is acknowledged before the next is sent, so the events come in this order.
    request("PUT", kv, json.dumps({"key": "key1", "value": "value1"}), as_json)
    request("PUT", kv, json.dumps({"key": "key1", "value": "value1"}), as_json)  # unchanged
    request("PUT", kv, json.dumps({"key": "nothing"}), as_json)
    request("PUT", kv, json.dumps({"key": "caf\u00e9", "value": "\u20ac 5"}), as_json)
    request("PUT", url + "/v1/keys/plain", b"raw bytes", "application/octet-stream")
    request("POST", url + "/v1/keys/hits?op=incr", "3")
    request("PUT", url + "/kvs/v1-0-0/int-put/n", "7", "text/plain; charset=utf-8")
    request("DELETE", url + "/v1/keys/plain")
    expected = [
        "connected to server",
        {"data": "Key: key1 set with value: value1"},
        {"data": "Key: key1 set with value: value1"},
        {"data": "Key: nothing set with value: None"},
        {"data": "Key: caf\u00e9 set with value: \u20ac 5"},
        {"data": "Key: plain set with value: raw bytes"},
        {"data": "Key: hits set with value: 3"},
        {"data": "Key: kvs/int/n set with value: 7"},
        {"data": "Key: plain deleted"},
    ]
    with arrived:
        arrived.wait_for(lambda: len(lines) >= len(expected), timeout=TIMEOUT_S)
        got = list(lines)
    if got != expected:
        failures.append(f"events:\n  got      {got}\n  expected {expected}")

    # More than one long-poll answer's worth (16 packets) at once: none lost, in order.
    batch = {f"batch{i:02d}": str(i) for i in range(40)}
    request("POST", url + "/v1/keys", json.dumps(batch), as_json)
    with arrived:
        arrived.wait_for(lambda: len(lines) >= len(expected) + len(batch), timeout=TIMEOUT_S)
        batch_events = lines[len(expected):]
    wanted = sorted(f"Key: {k} set with value: {v}" for k, v in batch.items())
    got_batch = sorted(e["data"] for e in batch_events if isinstance(e, dict))
    if got_batch != wanted:
        failures.append(f"batch events: got {len(got_batch)}, expected {len(wanted)}")

    sio.disconnect()
    if lines[-1] != "disconnected from server":
        failures.append(f"last line {lines[-1]!r}, expected the disconnect")


if __name__ == "__main__":
    sys.exit(main())
