"""Keys, compare-and-swap, listings, batches and errors against a real kvnode."""

import time
import unittest

import kvactor
from tests.support import KvNode


class KeysTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # A short idle timeout, so that a kept-alive connection goes stale within a test.
        cls.node = KvNode("[http]\nidle_timeout_seconds = 1\n").start()
        cls.addClassCleanup(cls.node.cleanup)

    def setUp(self):
        self.kv = kvactor.Client(self.node.url, timeout=5)
        self.addCleanup(self.kv.close)

    def test_put_get_delete(self):
        written = self.kv.put("keys/greeting", b"hello")
        self.assertEqual((written.key, written.version, written.created),
                         ("keys/greeting", 1, True))
        self.assertEqual(self.kv.get("keys/greeting"), b"hello")
        second = self.kv.put("keys/greeting", "héllo")
        self.assertEqual((second.version, second.created), (2, False))
        item = self.kv.get_item("keys/greeting")
        self.assertEqual((item.value, item.version, item.type, item.expires_at),
                         ("héllo".encode(), 2, "bytes", None))
        self.assertEqual(item.text, "héllo")
        self.assertTrue(self.kv.delete("keys/greeting"))
        self.assertFalse(self.kv.delete("keys/greeting"), "a missing key is no error")
        with self.assertRaises(kvactor.NotFound) as caught:
            self.kv.get("keys/greeting")
        self.assertEqual(caught.exception.status, 404)
        self.assertEqual(caught.exception.message, "no key `keys/greeting` found")

    def test_binary_values_and_odd_keys_round_trip(self):
        value = bytes(range(256)) * 4
        for key in ("keys/a b", "keys/100%", "keys/x+y&z=1?#", "keys/ünï/ç", "keys/a//b",
                    "keys/..", "keys/~.-_"):
            with self.subTest(key=key):
                self.kv.put(key, value)
                self.assertEqual(self.kv.get(key), value)
                self.assertIn(key, list(self.kv.keys(prefix="keys/")))
        self.kv.put("keys/empty", b"")
        self.assertEqual(self.kv.get("keys/empty"), b"")

    def test_head_and_exists(self):
        self.kv.put("keys/h", b"v")
        self.kv.put("keys/h", b"w")
        item = self.kv.head("keys/h")
        self.assertEqual((item.version, item.type, item.value), (2, "bytes", None))
        self.assertTrue(self.kv.exists("keys/h"))
        self.assertFalse(self.kv.exists("keys/none"))
        with self.assertRaises(kvactor.NotFound):
            self.kv.head("keys/none")

    def test_compare_and_swap(self):
        self.assertEqual(self.kv.put("cas/k", b"1", if_version=0).version, 1)
        with self.assertRaises(kvactor.Conflict) as caught:
            self.kv.put("cas/k", b"x", if_version=0)
        self.assertEqual(caught.exception.current_version, 1)
        self.assertEqual(self.kv.put("cas/k", b"2", if_version=1).version, 2)
        with self.assertRaises(kvactor.Conflict) as caught:
            self.kv.put("cas/k", b"x", if_version=1)
        self.assertEqual(caught.exception.current_version, 2)
        self.assertEqual(caught.exception.code, "conflict")
        with self.assertRaises(kvactor.Conflict) as caught:
            self.kv.put("cas/missing", b"x", if_version=3)
        self.assertEqual(caught.exception.current_version, 0)
        with self.assertRaises(kvactor.Conflict):
            self.kv.delete("cas/k", if_version=1)
        self.assertTrue(self.kv.delete("cas/k", if_version=2))
        self.assertEqual(self.kv.put("cas/k", b"again").version, 1, "re-created: version 1")

    def test_listing_pages_in_bytewise_order(self):
        keys = [f"page/{n:03d}" for n in range(25)] + ["page/Z", "page/a.json", "pagez"]
        self.kv.put_many({key: key for key in keys})
        first = self.kv.list(prefix="page/", limit=10)
        self.assertEqual(first.keys, sorted(k for k in keys if k.startswith("page/"))[:10])
        self.assertIsNone(first.items)
        self.assertEqual(first.next, first.keys[-1])
        second = self.kv.list(prefix="page/", limit=10, after=first.next)
        self.assertEqual(second.keys[0], "page/010")
        everything = list(self.kv.keys(prefix="page/", page_size=7))
        self.assertEqual(everything, sorted(k for k in keys if k.startswith("page/")))
        self.assertEqual(self.kv.list(prefix="page/", suffix=".json").keys, ["page/a.json"])
        last = self.kv.list(prefix="page/", after="page/Z")
        self.assertEqual((last.keys, last.next), (["page/a.json"], None))

    def test_listing_with_values(self):
        self.kv.put("vals/a", b"\x00\xff")
        self.kv.put("vals/b", 7)
        page = self.kv.list(prefix="vals/", values=True)
        self.assertEqual([(i.key, i.value, i.version, i.type) for i in page.items],
                         [("vals/a", b"\x00\xff", 1, "bytes"), ("vals/b", 7, 1, "int")])
        self.assertEqual(page.keys, ["vals/a", "vals/b"])
        self.assertEqual([i.key for i in self.kv.items(prefix="vals/", page_size=1)],
                         ["vals/a", "vals/b"])

    def test_batch_write(self):
        written = self.kv.put_many({"batch/s": "text", "batch/b": b"bytes",
                                    "batch/j": {"rps": 10}, "batch/n": 5})
        self.assertEqual(written, 4)
        self.assertEqual(self.kv.get("batch/s"), b"text")
        self.assertEqual(self.kv.get("batch/b"), b"bytes")
        self.assertEqual(self.kv.get_item("batch/j").type, "json")
        self.assertEqual(self.kv.get("batch/j"), {"rps": 10})
        self.assertEqual(self.kv.get("batch/n"), 5)
        with self.assertRaises(kvactor.BadRequest):
            self.kv.put_many({"batch/ok": "1", "bad\x01key": "2"})
        self.assertFalse(self.kv.exists("batch/ok"), "an invalid batch writes nothing")

    def test_errors_are_typed(self):
        with self.assertRaises(kvactor.BadRequest) as caught:
            self.kv.put("bad\x7fkey", b"v")
        self.assertEqual((caught.exception.status, caught.exception.code), (400, "bad_request"))
        with self.assertRaises(kvactor.BadRequest):
            self.kv.put("k" * 251, b"v")
        with self.assertRaises(kvactor.BadRequest):
            self.kv.list(limit=10001)
        with self.assertRaises(kvactor.PayloadTooLarge):
            self.kv.put("keys/big", b"x" * (1048576 + 1))
        with self.assertRaises(ValueError):
            self.kv.get("")
        with self.assertRaises(TypeError):
            self.kv.put("keys/d", {"a": "b"})

    def test_node_routes(self):
        self.assertTrue(self.kv.ping())
        self.assertTrue(self.kv.ready())
        info = self.kv.info()
        self.assertIn("partitions", info)

    def test_a_connection_the_node_closed_while_idle_is_reopened(self):
        self.kv.put("idle/k", b"1")
        time.sleep(1.6)  # past the node's idle timeout: it closes the kept-alive connection
        self.assertEqual(self.kv.get("idle/k"), b"1")
        self.kv.put("idle/k", b"2")
        time.sleep(1.6)
        self.assertEqual(self.kv.incr("idle/n").value, 1)

    def test_unreachable(self):
        dead = kvactor.Client("http://127.0.0.1:1", timeout=2)
        with self.assertRaises(kvactor.Unreachable):
            dead.get("k")


class UrlTest(unittest.TestCase):
    def test_urls(self):
        self.assertEqual(kvactor.Client("127.0.0.1:9").url, "127.0.0.1:9")
        for bad in ("ftp://host", "http://", "http://u:p@host"):
            with self.subTest(url=bad), self.assertRaises(ValueError):
                kvactor.Client(bad)
        with self.assertRaises(ValueError):
            kvactor.Client("http://host", cafile="ca.pem")


if __name__ == "__main__":
    unittest.main()
