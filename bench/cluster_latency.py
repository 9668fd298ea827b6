#!/usr/bin/env python3
"""Latency of one client against a 3-member cluster: REQUESTS sequential requests over one
keep-alive connection per row, p50 and p99 in ms, as the table of docs/cluster.md.
Usage: cluster_latency.py LEADER_PORT FOLLOWER_PORT [REQUESTS]"""
import http.client
import sys
import time


def measure(port, method, path_of, requests, body=None):
    """Milliseconds of each request; every answer must be a 200."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    times = []
    for i in range(requests):
        started = time.perf_counter()
        conn.request(method, path_of(i), body=body)
        answer = conn.getresponse()
        answer.read()
        times.append((time.perf_counter() - started) * 1000)
        if answer.status != 200:
            sys.exit(f"{method} {path_of(i)} on port {port}: {answer.status}")
    conn.close()
    return sorted(times)


def percentile(times, p):
    return times[min(len(times) - 1, int(len(times) * p / 100))]


def main():
    leader, follower = int(sys.argv[1]), int(sys.argv[2])
    requests = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    value = b"x" * 100
    rows = [
        ("PUT through the leader", leader, "PUT", lambda i: f"/v1/keys/bench-l{i}", value),
        ("PUT through a follower (forwarded)", follower, "PUT", lambda i: f"/v1/keys/bench-f{i}",
         value),
        ("GET linearizable on the leader", leader, "GET", lambda i: f"/v1/keys/bench-l{i}", None),
        ("GET linearizable on a follower", follower, "GET", lambda i: f"/v1/keys/bench-f{i}", None),
        ("GET `?consistency=stale` on a follower", follower, "GET",
         lambda i: f"/v1/keys/bench-f{i}?consistency=stale", None),
    ]
    print("| request | p50 | p99 |")
    print("|---|---|---|")
    for name, port, method, path_of, body in rows:
        times = measure(port, method, path_of, requests, body)
        print(f"| {name} | {percentile(times, 50):.1f} ms | {percentile(times, 99):.1f} ms |")


if __name__ == "__main__":
    main()
