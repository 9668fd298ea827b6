"""A real kvnode for the tests: free loopback ports, a temp data dir, stopped by its pid.

The kvnode binary comes from the environment variable KVNODE_BINARY (ctest sets it), else from
the first build/*/bin/kvnode of the repository.
"""

from __future__ import annotations

import glob
import hashlib
import http.client
import os
import random
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest
from typing import Dict, List, Optional

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
START_TIMEOUT_S = 15


def kvnode_binary() -> str:
    """The kvnode under test; skips the test when there is none."""
    binary = os.environ.get("KVNODE_BINARY")
    if binary:
        return os.path.abspath(binary)
    built = sorted(glob.glob(os.path.join(REPO_ROOT, "build", "*", "bin", "kvnode")))
    if not built:
        raise unittest.SkipTest("no kvnode: set KVNODE_BINARY or run `make programs`")
    return built[0]


def free_port() -> int:
    """A port free on 127.0.0.1 a moment ago, below the range the kernel picks source ports
    from: a port from bind(0) may be taken as another connection's source port before the node
    binds it."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as ports:
            floor = int(ports.read().split()[0])
    except (OSError, ValueError, IndexError):
        floor = 32768
    for _ in range(100):
        port = random.randrange(10000, floor)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")


class KvNode:
    """One kvnode process. ``config`` is the text of a TOML config file (optional)."""

    def __init__(self, config: str = "", extra_args: Optional[List[str]] = None, *,
                 tls_ca: Optional[str] = None, tls_cert: Optional[str] = None,
                 tls_key: Optional[str] = None) -> None:
        self.workdir = tempfile.mkdtemp(prefix="kvactor-py-")
        self.config = config
        self.extra_args = list(extra_args or [])
        self.tls_ca, self.tls_cert, self.tls_key = tls_ca, tls_cert, tls_key
        self.process: Optional[subprocess.Popen] = None
        self.port = 0
        self.log_path = os.path.join(self.workdir, "kvnode.log")

    @property
    def url(self) -> str:
        scheme = "https" if self.tls_ca else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def write_file(self, name: str, text: str) -> str:
        path = os.path.join(self.workdir, name)
        with open(path, "w", encoding="utf-8") as out:
            out.write(text)
        return path

    def start(self, port: Optional[int] = None) -> "KvNode":
        """Starts the node (on ``port``, or a free one) and waits until it is ready."""
        args = [kvnode_binary()]
        if self.config:
            args += ["--config", self.write_file("kvnode.toml", self.config)]
        for attempt in range(3):
            self.port = port or free_port()
            feed = free_port()
            with open(self.log_path, "ab") as log:
                self.process = subprocess.Popen(
                    args + ["--http-listen", f"127.0.0.1:{self.port}",
                            "--feed-endpoint", f"tcp://127.0.0.1:{feed}",
                            "--data-dir", os.path.join(self.workdir, "data")] + self.extra_args,
                    cwd=self.workdir, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                    stderr=log)
            deadline = time.monotonic() + START_TIMEOUT_S
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    break
                if self._pings():
                    return self
                time.sleep(0.02)
            else:
                self.kill()
                raise RuntimeError("kvnode did not turn ready in time:\n" + self.log())
            # Exit status 1 is "port already in use": another test took the port. Retry.
            if self.process.returncode != 1 or port:
                break
        raise RuntimeError(f"kvnode exited with {self.process.returncode}:\n" + self.log())

    def _pings(self) -> bool:
        try:
            if self.tls_ca:
                context = ssl.create_default_context(cafile=self.tls_ca)
                if self.tls_cert:
                    context.load_cert_chain(self.tls_cert, self.tls_key)
                connection = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=1,
                                                         context=context)
            else:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
            try:
                connection.request("GET", "/v1/readiness")
                return connection.getresponse().status == 200
            finally:
                connection.close()
        except (OSError, http.client.HTTPException):
            return False

    def stop(self) -> Optional[int]:
        """SIGTERM, then SIGKILL after 10 s; returns the exit status."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            return self.kill()

    def kill(self) -> Optional[int]:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()
        return None if self.process is None else self.process.returncode

    def log(self) -> str:
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as log:
                return log.read()
        except OSError:
            return ""

    def cleanup(self) -> None:
        self.kill()
        shutil.rmtree(self.workdir, ignore_errors=True)


def tokens_file(tokens: Dict[str, tuple]) -> str:
    """The text of a tokens file: name -> (token, rules as TOML inline array text)."""
    entries = []
    for name, (token, rules) in tokens.items():
        digest = hashlib.sha256(token.encode()).hexdigest()
        entries.append(f'[[token]]\nname = "{name}"\nsha256 = "{digest}"\nrules = {rules}\n')
    return "\n".join(entries)


_CERTIFICATES_SCRIPT = r"""set -e
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }
ca() {
  key "$1.key"
  openssl req -x509 -new -key "$1.key" -subj "/CN=$1" -days 2 -out "$1.pem" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}
signed() {
  key "$1.key"
  openssl req -new -key "$1.key" -subj "/CN=$1" -out "$1.csr"
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=%s\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days 2 \
    -extfile "$1.ext" -out "$1.pem"
}
ca ca
ca other-ca
signed server ca serverAuth
signed client ca clientAuth
"""


def make_certificates(directory: str) -> Dict[str, str]:
    """A CA, a server certificate for 127.0.0.1 signed by it, a client certificate signed by
    it, and another CA; made with the openssl command (skips the test without it)."""
    if shutil.which("openssl") is None:
        raise unittest.SkipTest("the openssl command is not installed")
    script = os.path.join(directory, "make-certificates.sh")
    with open(script, "w", encoding="utf-8") as out:
        out.write(_CERTIFICATES_SCRIPT)
    done = subprocess.run(["sh", script], cwd=directory, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError("openssl could not make the test certificates:\n" + done.stderr)
    path = lambda name: os.path.join(directory, name)  # noqa: E731
    return {"ca": path("ca.pem"), "other_ca": path("other-ca.pem"),
            "server_cert": path("server.pem"), "server_key": path("server.key"),
            "client_cert": path("client.pem"), "client_key": path("client.key")}


class CuttableProxy:
    """A TCP forwarder on a free loopback port to ``port``, whose connections the test can cut
    at once (a network drop, as a watch sees it)."""

    def __init__(self, port: int) -> None:
        self.target = port
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.port = self._listener.getsockname()[1]
        self._sockets: List[socket.socket] = []
        self._lock = threading.Lock()
        self.accepted = 0
        self.paused = False  # while True, new connections are closed at once
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.paused:
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target), timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self.accepted += 1
                self._sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self) -> None:
        """Closes every connection made so far, both ways."""
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def close(self) -> None:
        self._listener.close()
        self.cut()


def collect(watch, count: int, timeout: float = 10.0) -> list:
    """The next ``count`` changes of ``watch``, read in a thread: a watch that yields fewer
    within ``timeout`` is closed, and what it yielded is returned."""
    seen: list = []
    failure: list = []

    def read() -> None:
        try:
            for change in watch:
                seen.append(change)
                if len(seen) == count:
                    return
        except Exception as error:  # noqa: BLE001 - handed to the test
            failure.append(error)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    if reader.is_alive():
        watch.close()
        reader.join(5)
    if failure:
        raise failure[0]
    return seen
