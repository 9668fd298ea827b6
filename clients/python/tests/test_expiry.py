"""Expiry (contract section 8) against a real kvnode."""

import time
import unittest

import kvactor
from tests.support import KvNode, collect


class ExpiryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = KvNode().start()
        cls.addClassCleanup(cls.node.cleanup)

    def setUp(self):
        self.kv = kvactor.Client(self.node.url, timeout=5)
        self.addCleanup(self.kv.close)

    def test_ttl_expire_and_persist(self):
        before = time.time()
        self.kv.put("ttl/session", b"token", ttl=60)
        item = self.kv.get_item("ttl/session")
        self.assertAlmostEqual(item.expires_at / 1000, before + 60, delta=5)
        self.assertAlmostEqual(self.kv.ttl("ttl/session"), 60, delta=5)
        self.assertEqual(self.kv.head("ttl/session").expires_at, item.expires_at)
        extended = self.kv.expire("ttl/session", 300)
        self.assertEqual(extended.version, 2)
        self.assertAlmostEqual(extended.expires_at / 1000, before + 300, delta=5)
        persisted = self.kv.persist("ttl/session")
        self.assertIsNone(persisted.expires_at)
        self.assertIsNone(self.kv.ttl("ttl/session"))
        self.kv.put("ttl/session", b"token", ttl=60)
        self.kv.put("ttl/session", b"token")
        self.assertIsNone(self.kv.ttl("ttl/session"), "a write without ttl clears the expiry")
        with self.assertRaises(kvactor.NotFound):
            self.kv.expire("ttl/missing", 5)
        with self.assertRaises(kvactor.NotFound):
            self.kv.ttl("ttl/missing")
        with self.assertRaises(kvactor.BadRequest):
            self.kv.put("ttl/bad", b"v", ttl=0)

    def test_an_atomic_operation_keeps_the_expiry(self):
        self.kv.incr("ttl/counter")
        self.kv.expire("ttl/counter", 100)
        self.kv.incr("ttl/counter")
        self.assertIsNotNone(self.kv.ttl("ttl/counter"))

    def test_a_key_expires_with_an_event(self):
        watch = self.kv.watch(prefix="gone/")
        self.addCleanup(watch.close)
        self.kv.put("gone/k", b"v", ttl=1)
        self.kv.put_many({"gone/batch": "v"}, ttl=1)
        self.assertTrue(self.kv.exists("gone/k"))
        changes = collect(watch, 4, timeout=10)
        self.assertEqual(sorted((c.op, c.key) for c in changes),
                         [("expire", "gone/batch"), ("expire", "gone/k"),
                          ("put", "gone/batch"), ("put", "gone/k")])
        expired = [c for c in changes if c.op == "expire"]
        self.assertTrue(all(c.value is None and c.raw is None for c in expired))
        self.assertFalse(self.kv.exists("gone/k"))
        with self.assertRaises(kvactor.NotFound):
            self.kv.get("gone/k")
        self.assertEqual(self.kv.list(prefix="gone/").keys, [])


if __name__ == "__main__":
    unittest.main()
