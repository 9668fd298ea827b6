"""The change feed over SSE (contract section 3) against a real kvnode: events, prefixes,
from_rev, resume after a dropped connection and a node restart, reset, close."""

import threading
import time
import unittest

import kvactor
from tests.support import CuttableProxy, KvNode, collect


class WatchTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = KvNode().start()
        cls.addClassCleanup(cls.node.cleanup)

    def setUp(self):
        self.kv = kvactor.Client(self.node.url, timeout=5)
        self.addCleanup(self.kv.close)

    def client(self, url):
        client = kvactor.Client(url, timeout=5)
        self.addCleanup(client.close)
        return client

    def watch(self, client=None, **options):
        watch = (client or self.kv).watch(**options)
        self.addCleanup(watch.close)
        return watch

    def test_events_of_every_kind(self):
        watch = self.watch(prefix="w1/")
        self.kv.put("w1/a", b"\x00ann")
        self.kv.put("other/a", b"not watched")
        self.kv.put("w1/n", 5)
        self.kv.sadd("w1/s", "x")
        self.kv.delete("w1/a")
        self.kv.delete("w1/missing")  # no event
        changes = collect(watch, 4)
        self.assertEqual([(c.op, c.key, c.value, c.type) for c in changes],
                         [("put", "w1/a", b"\x00ann", "bytes"), ("put", "w1/n", 5, "int"),
                          ("put", "w1/s", {"x"}, "set"), ("delete", "w1/a", None, "bytes")])
        put = changes[0]
        self.assertEqual((put.version, put.raw), (1, b"\x00ann"))
        self.assertGreater(put.ts_ms, 0)
        self.assertGreater(put.seq, 0)
        self.assertEqual(changes[1].raw, b"5")
        self.assertEqual(changes[1].data["type"], "int")
        revs = [c.rev for c in changes]
        self.assertEqual(revs, sorted(revs))
        self.assertEqual(watch.last_rev, revs[-1])

    def test_from_rev_replays_what_came_after(self):
        revs = []
        watch = self.watch(prefix="w2/")
        for n in range(3):
            self.kv.put(f"w2/{n}", str(n))
        revs = [c.rev for c in collect(watch, 3)]
        watch.close()
        replay = self.watch(prefix="w2/", from_rev=revs[0])
        self.kv.put("w2/live", b"after")
        changes = collect(replay, 3)
        self.assertEqual([c.key for c in changes], ["w2/1", "w2/2", "w2/live"])
        self.assertEqual([c.rev for c in changes[:2]], revs[1:])

    def test_a_dropped_connection_resumes_without_loss_or_repeat(self):
        proxy = CuttableProxy(self.node.port)
        self.addCleanup(proxy.close)
        through_proxy = self.client(proxy.url)
        watch = self.watch(through_proxy, prefix="w3/", reconnect_for=20)
        self.kv.put("w3/0", b"0")
        first = collect(watch, 1)
        # The node is out of reach while these are written: the watch must get them later.
        proxy.paused = True
        proxy.cut()
        for n in range(1, 6):
            self.kv.put(f"w3/{n}", str(n))
        time.sleep(0.3)  # the watch fails to reconnect at least once
        proxy.paused = False
        rest = collect(watch, 5, timeout=15)
        proxy.cut()  # a second drop, at once after an event
        self.kv.put("w3/6", b"6")
        rest += collect(watch, 1, timeout=15)
        keys = [c.key for c in first + rest]
        self.assertEqual(keys, [f"w3/{n}" for n in range(7)])
        revs = [c.rev for c in first + rest]
        self.assertEqual(len(set(revs)), len(revs), "no event twice")
        self.assertGreaterEqual(watch.reconnects, 2)
        self.assertGreaterEqual(proxy.accepted, 3)

    def test_close_from_another_thread_ends_the_iteration(self):
        watch = self.kv.watch(prefix="w4/")
        ended = threading.Event()

        def read():
            for _ in watch:
                pass
            ended.set()

        threading.Thread(target=read, daemon=True).start()
        time.sleep(0.2)
        watch.close()
        self.assertTrue(ended.wait(5), "the iteration did not end")
        self.assertTrue(watch.closed)
        with self.assertRaises(StopIteration):
            next(watch)

    def test_a_rev_before_the_history_gets_a_reset(self):
        node = KvNode("[feed]\nhistory_events = 3\n").start()
        self.addCleanup(node.cleanup)
        kv = self.client(node.url)
        for n in range(10):
            kv.put(f"r/{n}", str(n))
        watch = self.watch(kv, prefix="r/", from_rev=1)
        # A watch with from_rev does not wait for the node to take it, so a write made before
        # the reset arrives may come before the node has the watch, and the reset would then
        # cover it: the reset is read first.
        [reset] = collect(watch, 1)
        self.assertIsInstance(reset, kvactor.Reset)
        self.assertEqual((reset.op, reset.rev, reset.oldest_rev), ("reset", 10, 8))
        kv.put("r/live", b"x")
        [live] = collect(watch, 1)
        self.assertEqual((live.key, live.rev), ("r/live", 11))

    def test_the_watch_goes_on_across_a_node_restart(self):
        node = KvNode("[storage]\npersistence = \"wal\"\n").start()
        self.addCleanup(node.cleanup)
        kv = self.client(node.url)
        watch = self.watch(kv, prefix="", reconnect_for=20)
        kv.put("restart/a", b"1")
        before = collect(watch, 1)
        port = node.port
        self.assertEqual(node.stop(), 0)
        node.start(port=port)
        kv.put("restart/b", b"2")
        after = collect(watch, 1, timeout=20)
        self.assertEqual([c.key for c in before + after], ["restart/a", "restart/b"])
        self.assertEqual(after[0].rev, before[0].rev + 1, "rev continues after the restart")
        self.assertGreaterEqual(watch.reconnects, 1)


if __name__ == "__main__":
    unittest.main()
