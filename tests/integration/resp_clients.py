#!/usr/bin/env python3
# The Redis port of a real kvnode (contract section 12) driven by Redis's own clients:
#   resp_clients.py KVNODE redis-py   Debian's python3-redis: every command, pipelining,
#                                     WRONGTYPE, keys shared with HTTP both ways, SCAN, pub/sub
#   resp_clients.py KVNODE redis-cli  redis-cli (commands, inline and --pipe input, --scan) and
#                                     a redis-benchmark run that must end without an error
# Exit 0 pass, 1 fail, 77 skip (a client is not installed; scripts/install-deps.sh installs it).
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from loopback_port import free_port

TIMEOUT_S = 15


def http(method, url, body=None):
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_S) as reply:
            return reply.status, reply.read(), dict(reply.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def start_node(binary, workdir, extra=()):
    http_port, feed_port, resp_port = free_port(), free_port(), free_port()
    log_path = os.path.join(workdir, "kvnode.log")
    with open(log_path, "wb") as log:
        node = subprocess.Popen(
            [os.path.abspath(binary), "--http-listen", f"127.0.0.1:{http_port}",
             "--feed-endpoint", f"tcp://127.0.0.1:{feed_port}",
             "--resp-listen", f"127.0.0.1:{resp_port}", *extra],
            cwd=workdir, stdout=subprocess.DEVNULL, stderr=log)
    url = f"http://127.0.0.1:{http_port}"
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        if node.poll() is not None:
            with open(log_path, encoding="utf-8", errors="replace") as log:
                raise RuntimeError("kvnode exited: " + log.read())
        try:
            with socket.create_connection(("127.0.0.1", resp_port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16) == b"+PONG\r\n":
                    return node, url, resp_port
        except OSError:
            time.sleep(0.05)
    node.kill()
    raise RuntimeError("kvnode's RESP port did not answer PING in time")


class Checks:
    def __init__(self):
        self.failures = []
        self.passed = 0

    def eq(self, what, got, expected):
        if got == expected:
            self.passed += 1
        else:
            self.failures.append(f"{what}: got {got!r}, expected {expected!r}")

    def true(self, what, condition, detail=""):
        if condition:
            self.passed += 1
        else:
            self.failures.append(f"{what} {detail}")


# ---------------------------------------------------------------- python3-redis

def run_redis_py(port, url, checks):
    import redis

    r = redis.Redis(host="127.0.0.1", port=port, socket_timeout=TIMEOUT_S)
    eq = checks.eq
    eq("ping", r.ping(), True)
    eq("echo", r.echo("hi"), b"hi")
    eq("set", r.set("greeting", "hello"), True)
    eq("get", r.get("greeting"), b"hello")
    eq("set nx on an existing key", r.set("greeting", "x", nx=True), None)
    eq("set xx on a missing key", r.set("nobody", "x", xx=True), None)
    eq("set xx", r.set("greeting", "hi", xx=True), True)
    eq("set ex", r.set("short", "v", ex=100), True)
    checks.true("ttl", r.ttl("short") in (99, 100), r.ttl("short"))
    eq("persist", r.persist("short"), True)
    eq("ttl after persist", r.ttl("short"), -1)
    eq("expire", r.expire("short", 30), True)
    eq("set px", r.set("shorter", "v", px=2500), True)
    checks.true("pttl of px, in whole seconds", r.pttl("shorter") > 2500, r.pttl("shorter"))
    eq("exists", r.exists("greeting", "short", "nobody"), 2)
    eq("mset", r.mset({"m1": "a", "m2": "b", "zz": "c"}), True)
    eq("mget", r.mget("m1", "nobody", "zz"), [b"a", None, b"c"])
    eq("delete", r.delete("m1", "m2", "nobody"), 2)
    eq("incr", r.incr("hits"), 1)
    eq("incrby", r.incrby("hits", 10), 11)
    eq("decr", r.decr("hits"), 10)
    eq("decrby", r.decrby("hits", 3), 7)
    eq("incrbyfloat", r.incrbyfloat("ratio", 0.5), 0.5)
    r.set("counter", "41")
    eq("incr of a string", r.incr("counter"), 42)
    eq("sadd", r.sadd("tags", "a", "b", "a"), 2)
    eq("srem", r.srem("tags", "b", "z"), 1)
    eq("smembers", r.smembers("tags"), {b"a"})
    eq("sismember", r.sismember("tags", "a"), True)
    eq("scard", r.scard("tags"), 1)
    eq("hset", r.hset("user", mapping={"name": "ann", "age": "7"}), 2)
    eq("hget", r.hget("user", "name"), b"ann")
    eq("hgetall", r.hgetall("user"), {b"name": b"ann", b"age": b"7"})
    eq("hlen", r.hlen("user"), 2)
    eq("hdel", r.hdel("user", "age"), 1)
    eq("type string", r.type("greeting"), b"string")
    eq("type set", r.type("tags"), b"set")
    eq("type hash", r.type("user"), b"hash")
    eq("type none", r.type("nobody"), b"none")
    try:
        r.get("tags")
        checks.failures.append("GET of a set did not raise WRONGTYPE")
    except redis.ResponseError as error:
        eq("wrongtype", str(error).split(" ")[0], "WRONGTYPE")
    try:
        r.execute_command("NOSUCHCOMMAND", "a")
        checks.failures.append("an unknown command did not raise")
    except redis.ResponseError as error:
        checks.true("unknown command", str(error).startswith("unknown command 'NOSUCHCOMMAND'"),
                    str(error))
    eq("select 0", r.execute_command("SELECT", "0"), True)
    eq("client setname", r.client_setname("tests"), True)
    eq("client getname", r.client_getname(), "tests")
    checks.true("info", r.info()["redis_mode"] == "standalone")
    eq("dbsize", r.dbsize(), len(r.keys("*")))
    checks.true("command count", r.command_count() >= 40)
    checks.true("command", "get" in r.command())

    # Pipelining, without MULTI: every reply in order.
    pipe = r.pipeline(transaction=False)
    for i in range(500):
        pipe.set(f"p:{i % 7}", i)
        pipe.get(f"p:{i % 7}")
        pipe.incr("p:count")
    replies = pipe.execute()
    expected = []
    for i in range(500):
        expected += [True, str(i).encode(), i + 1]
    eq("pipeline", replies, expected)

    # redis-py's default pipeline is a MULTI/EXEC transaction.
    pipe = r.pipeline()
    pipe.set("tx", 1).incr("tx").get("tx")
    eq("transaction", pipe.execute(), [True, 2, b"2"])

    # SCAN across every partition (keys of every first byte), with a small COUNT.
    wanted = {f"{chr(c)}-scan-{i}" for c in range(ord("a"), ord("z") + 1) for i in range(4)}
    pipe = r.pipeline(transaction=False)
    for key in wanted:
        pipe.set(key, "v")
    pipe.execute()
    seen = {k.decode() for k in r.scan_iter(match="*-scan-*", count=9)}
    eq("scan_iter", seen, wanted)
    eq("keys", sorted(k.decode() for k in r.keys("q-scan-*")), [f"q-scan-{i}" for i in range(4)])

    # The same keys over HTTP, both ways, typed values included.
    status, body, headers = http("GET", url + "/v1/keys/greeting")
    eq("RESP write read over HTTP", (status, body), (200, b"hi"))
    status, body, headers = http("GET", url + "/v1/keys/tags")
    eq("RESP set read over HTTP", (status, body, headers.get("X-Kv-Type")), (200, b'["a"]', "set"))
    http("PUT", url + "/v1/keys/from-http", b"raw\x00bytes")
    eq("HTTP write read over RESP", r.get("from-http"), b"raw\x00bytes")
    http("PUT", url + "/v1/keys/typed-int?type=int", "5")
    eq("incr of an HTTP int", r.incr("typed-int"), 6)
    status, body, headers = http("GET", url + "/v1/keys/typed-int")
    eq("int incremented over RESP, read over HTTP", (body, headers.get("X-Kv-Type")),
       (b"6", "int"))
    http("POST", url + "/v1/keys/http-hash?op=hset", json.dumps({"f": "v"}))
    eq("HTTP hash read over RESP", r.hgetall("http-hash"), {b"f": b"v"})
    http("DELETE", url + "/v1/keys/greeting")
    eq("HTTP delete seen over RESP", r.get("greeting"), None)

    # Pub/sub: every change of the subscribed prefix, whatever transport made it.
    p = r.pubsub()
    p.subscribe("sub:")
    p.psubscribe("sub:*:name")
    for _ in range(2):
        p.get_message(timeout=TIMEOUT_S)  # the two confirmations
    time.sleep(0.2)
    r.set("sub:1:name", "ann")
    http("PUT", url + "/v1/keys/sub:2", "bob")
    r.set("elsewhere", "x")
    got = []
    deadline = time.monotonic() + TIMEOUT_S
    while len(got) < 3 and time.monotonic() < deadline:
        m = p.get_message(timeout=1)
        if m and m["type"] in ("message", "pmessage"):
            event = json.loads(m["data"])
            got.append((m["type"], m["channel"].decode(), event["op"], event["key"]))
    eq("subscribed changes", sorted(got), sorted([
        ("message", "sub:", "put", "sub:1:name"),
        ("pmessage", "sub:1:name", "put", "sub:1:name"),
        ("message", "sub:", "put", "sub:2"),
    ]))
    p.close()


def run_metrics_checks(url, checks):
    status, body, _ = http("GET", url + "/metrics")
    text = body.decode()
    checks.true("kv_resp_commands_total{command=\"get\"}",
                'kv_resp_commands_total{command="get"}' in text)
    checks.true("kv_resp_connections", "kv_resp_connections " in text)


# ---------------------------------------------------------------- redis-cli and redis-benchmark

def cli(port, *args, stdin=None):
    done = subprocess.run(["redis-cli", "-p", str(port), *args], input=stdin,
                          capture_output=True, timeout=TIMEOUT_S * 4)
    return done.stdout.decode(errors="replace"), done.returncode


def run_redis_cli(port, url, checks):
    eq = checks.eq
    eq("redis-cli ping", cli(port, "PING")[0], "PONG\n")
    eq("redis-cli set", cli(port, "SET", "cli:a", "one two")[0], "OK\n")
    eq("redis-cli get", cli(port, "GET", "cli:a")[0], "one two\n")
    eq("redis-cli incr", cli(port, "INCR", "cli:n")[0], "1\n")
    eq("redis-cli sadd", cli(port, "SADD", "cli:s", "x", "y")[0], "2\n")
    eq("redis-cli smembers", cli(port, "SMEMBERS", "cli:s")[0], "x\ny\n")
    # redis-cli prints an error and a blank line, with Redis 7 as with kvnode.
    eq("redis-cli wrongtype", cli(port, "GET", "cli:s")[0],
       "WRONGTYPE Operation against a key holding the wrong kind of value\n\n")
    eq("redis-cli unknown", cli(port, "FOO")[0],
       "ERR unknown command 'FOO', with args beginning with: \n\n")
    eq("redis-cli arity", cli(port, "GET")[0],
       "ERR wrong number of arguments for 'get' command\n\n")
    # Commands on stdin, one per line (redis-cli sends each as an array).
    out, _ = cli(port, stdin=b"SET cli:b 2\nGET cli:b\nDEL cli:b\n")
    eq("redis-cli from stdin", out, "OK\n2\n1\n")
    # --pipe: raw protocol, inline commands among arrays, every reply counted.
    raw = b"SET cli:p1 v1\r\n*3\r\n$3\r\nSET\r\n$6\r\ncli:p2\r\n$2\r\nv2\r\nINCR cli:n\r\n"
    out, code = cli(port, "--pipe", stdin=raw)
    checks.true("redis-cli --pipe", code == 0 and "errors: 0, replies: 3" in out, out)
    out, _ = cli(port, "--scan", "--pattern", "cli:*")
    eq("redis-cli --scan", sorted(out.split()), ["cli:a", "cli:n", "cli:p1", "cli:p2", "cli:s"])
    status, body, _ = http("GET", url + "/v1/keys/cli:p2")
    eq("redis-cli write read over HTTP", (status, body), (200, b"v2"))
    out, _ = cli(port, "INFO", "server")
    checks.true("redis-cli info", "redis_mode:standalone" in out, out)
    out, _ = cli(port, "COMMAND", "INFO", "get")
    checks.true("redis-cli command info", out.startswith("1) \"get\"") or "get" in out, out)

    # redis-benchmark: every reply checked by redis-benchmark itself; any error is printed.
    done = subprocess.run(
        ["redis-benchmark", "-p", str(port), "-t", "get,set,incr,sadd,hset", "-n", "20000",
         "-c", "20", "-q"],
        capture_output=True, timeout=120)
    output = (done.stdout + done.stderr).decode(errors="replace")
    lines = [line for line in output.replace("\r", "\n").split("\n") if line.strip()]
    finished = [line for line in lines if "requests per second" in line]
    checks.true("redis-benchmark exit", done.returncode == 0, output)
    checks.eq("redis-benchmark tests finished", len(finished), 5)
    checks.true("redis-benchmark errors", not any("rror" in line or "WARN" in line
                                                  for line in lines), output)
    eq("redis-benchmark's SADD", cli(port, "SCARD", "myset")[0] != "0\n", True)


def main():
    binary, mode = sys.argv[1], sys.argv[2]
    if mode == "redis-py":
        try:
            import redis  # noqa: F401
        except ImportError as error:
            print(f"SKIP: python3-redis is not installed for {sys.executable} ({error})")
            return 77
    elif shutil.which("redis-cli") is None or shutil.which("redis-benchmark") is None:
        print("SKIP: redis-cli and redis-benchmark (Debian's redis-tools) are not installed")
        return 77
    checks = Checks()
    with tempfile.TemporaryDirectory() as workdir:
        node, url, port = start_node(binary, workdir)
        try:
            if mode == "redis-py":
                run_redis_py(port, url, checks)
                run_metrics_checks(url, checks)
            else:
                run_redis_cli(port, url, checks)
        except Exception as error:  # a client exception is a failure with its message
            checks.failures.append(f"{type(error).__name__}: {error}")
        finally:
            node.send_signal(signal.SIGTERM)
            try:
                code = node.wait(timeout=TIMEOUT_S)
                checks.eq("kvnode exit status", code, 0)
            except subprocess.TimeoutExpired:
                node.kill()
                checks.failures.append("kvnode did not stop on SIGTERM")
            if checks.failures:
                with open(os.path.join(workdir, "kvnode.log"), errors="replace") as log:
                    print(log.read()[-4000:])
    for failure in checks.failures:
        print("FAIL:", failure)
    print(f"{checks.passed} passed, {len(checks.failures)} failed")
    return 1 if checks.failures else 0


if __name__ == "__main__":
    sys.exit(main())
