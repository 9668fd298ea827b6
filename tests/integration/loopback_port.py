"""A free port on 127.0.0.1 for a kvnode the integration scripts start.

Shared by resp_clients.py and socketio_watch_client.py, which run from this folder."""

import random
import socket


def free_port():
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
