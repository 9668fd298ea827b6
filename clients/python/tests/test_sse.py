"""The SSE parser, and the watch's resume logic against a scripted server (no kvnode)."""

import http.server
import json
import threading
import unittest
from urllib.parse import parse_qs, urlsplit

import kvactor
from kvactor.sse import SSEParser


def event(rev, key="k", op="put", value="dg=="):
    document = {"op": op, "key": key, "version": 1, "partition": 0, "seq": rev, "rev": rev,
                "ts_ms": 1}
    if op == "put":
        document["value"] = value
    return f"id: {rev}\ndata: {json.dumps(document)}\n\n"


class SSEParserTest(unittest.TestCase):
    def test_any_split_gives_the_same_messages(self):
        stream = (b":heartbeat\r\n\r\nid: 7\r\n\r\nevent: reset\rid: 9\rdata: {\"a\":1}\r\r"
                  b"data: one\ndata:two\nid: 10\n\nretry: 5\nunknown: x\ndata\n\n")
        whole = SSEParser().feed(stream)
        for size in (1, 2, 3, 5):
            parser = SSEParser()
            pieces = []
            for start in range(0, len(stream), size):
                pieces += parser.feed(stream[start:start + size])
            self.assertEqual(pieces, whole, f"split every {size} bytes")
        self.assertEqual([(m.event, m.data, m.last_event_id, m.has_data) for m in whole], [
            ("", "", "7", False),
            ("reset", '{"a":1}', "9", True),
            ("", "one\ntwo", "10", True),
            ("", "", "10", True),
        ])

    def test_a_crlf_split_across_chunks_is_one_line_end(self):
        parser = SSEParser()
        self.assertEqual(parser.feed(b"data: x\r"), [])
        self.assertEqual([m.data for m in parser.feed(b"\n\r\n")], ["x"])

    def test_an_endless_line_is_refused(self):
        parser = SSEParser()
        with self.assertRaises(ValueError):
            for _ in range(17):
                parser.feed(b"x" * (1 << 20))


class ScriptedNode:
    """Answers the n-th GET /v1/watch with the n-th body, then ends the stream; 503 after."""

    def __init__(self, bodies, status=200, content_type="text/event-stream"):
        self.bodies = list(bodies)
        self.seen = []
        scripted = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the stdlib's name
                url = urlsplit(self.path)
                scripted.seen.append((parse_qs(url.query).get("prefix", [""])[0],
                                      self.headers.get("Last-Event-ID")))
                n = len(scripted.seen)
                if n > len(scripted.bodies):
                    self.reply(503, b'{"error":"unavailable","message":"draining"}',
                               "application/json")
                else:
                    self.reply(status, scripted.bodies[n - 1].encode(), content_type)

            def reply(self, code, body, kind):
                self.send_response(code)
                self.send_header("Content-Type", kind)
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class WatchResumeTest(unittest.TestCase):
    def node(self, bodies, **options):
        node = ScriptedNode(bodies, **options)
        self.addCleanup(node.close)
        return node

    def watch(self, node, **options):
        options.setdefault("reconnect_for", 1.0)
        watch = kvactor.Client(node.url).watch(**options)
        self.addCleanup(watch.close)
        return watch

    def test_reconnects_with_the_last_event_id_and_skips_repeats(self):
        node = self.node(["id: 1\n\n" + event(2) + ":\n\n" + event(3),
                          event(2) + event(3) + event(4)])
        watch = self.watch(node, prefix="user:")
        self.assertEqual([next(watch).rev for _ in range(3)], [2, 3, 4])
        self.assertEqual(node.seen, [("user:", None), ("user:", "3")])
        self.assertEqual(watch.reconnects, 1)

    def test_from_rev_is_the_first_resume_point(self):
        node = self.node([event(6)])
        watch = self.watch(node, from_rev=5)
        self.assertEqual(next(watch).rev, 6)
        self.assertEqual(node.seen, [("", "5")])

    def test_a_stream_position_is_a_resume_point(self):
        node = self.node(["id: 41\n\n", event(42)])
        watch = self.watch(node)
        self.assertEqual(next(watch).rev, 42)
        self.assertEqual(node.seen[1][1], "41")

    def test_a_reset_is_yielded_and_moves_the_resume_point(self):
        reset = 'event: reset\nid: 30\ndata: {"rev":30,"oldest_rev":21}\n\n'
        node = self.node([reset, event(31)])
        watch = self.watch(node, from_rev=3)
        first, second = next(watch), next(watch)
        self.assertEqual((first.op, first.rev, first.oldest_rev), ("reset", 30, 21))
        self.assertEqual((second.op, second.rev, second.value), ("put", 31, b"v"))
        self.assertEqual(node.seen[1][1], "30")

    def test_a_reset_to_a_lower_rev_lets_the_lower_revs_through(self):
        # A node restarted without persistence numbers its events from 1 again.
        reset = 'event: reset\nid: 2\ndata: {"rev":2,"oldest_rev":1}\n\n'
        node = self.node([event(50), reset + event(3)])
        watch = self.watch(node)
        self.assertEqual([(c.op, c.rev) for c in (next(watch), next(watch), next(watch))],
                         [("put", 50), ("reset", 2), ("put", 3)])

    def test_a_malformed_reset_is_an_error(self):
        watch = self.watch(self.node(["event: reset\nid: 30\ndata: {}\n\n"]))
        with self.assertRaises(kvactor.ProtocolError):
            next(watch)

    def test_an_error_reply_raises_at_once(self):
        node = self.node(['{"error":"bad_request","message":"since_rev must be a number"}'],
                         status=400, content_type="application/json")
        with self.assertRaises(kvactor.BadRequest) as caught:
            kvactor.Client(node.url).watch()
        self.assertEqual(caught.exception.message, "since_rev must be a number")

    def test_a_reply_that_is_no_event_stream_is_an_error(self):
        node = self.node(["<html>not a kvnode</html>"], content_type="text/html")
        with self.assertRaises(kvactor.ProtocolError) as caught:
            kvactor.Client(node.url).watch()
        self.assertIn("text/html", str(caught.exception))

    def test_gives_up_when_reconnecting_keeps_failing(self):
        node = self.node([event(1)])
        watch = self.watch(node)
        self.assertEqual(next(watch).rev, 1)
        with self.assertRaises(kvactor.Unavailable):
            next(watch)
        self.assertGreaterEqual(len(node.seen), 3, "it retried before giving up")
        self.assertTrue(all(seen[1] == "1" for seen in node.seen[1:]))


if __name__ == "__main__":
    unittest.main()
