"""Typed values and atomic operations (contract section 7) against a real kvnode."""

import unittest

import kvactor
from tests.support import KvNode


class TypedValuesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.node = KvNode().start()
        cls.addClassCleanup(cls.node.cleanup)

    def setUp(self):
        self.kv = kvactor.Client(self.node.url, timeout=5)
        self.addCleanup(self.kv.close)

    def test_each_type_round_trips_as_its_python_value(self):
        cases = [
            ("t/int", -42, None, "int", -42),
            ("t/uint", 2**64 - 1, None, "uint", 2**64 - 1),
            ("t/uint-small", 7, "uint", "uint", 7),
            ("t/float", 2.5, None, "float", 2.5),
            ("t/float-exp", "-1e3", "float", "float", -1000.0),
            ("t/float-big", 1e16, None, "float", 1e16),
            ("t/set", {"b", "a"}, None, "set", {"a", "b"}),
            ("t/set-list", ["b", "a", "b"], "set", "set", {"a", "b"}),
            ("t/hash", {"name": "ann", "age": "7"}, "hash", "hash", {"age": "7", "name": "ann"}),
            ("t/json", {"a": [1, 2.5, None, True]}, "json", "json", {"a": [1, 2.5, None, True]}),
            ("t/json-str", "\"text\"", "json", "json", "text"),
            ("t/bytes-text", "42", None, "bytes", b"42"),
        ]
        for key, value, type_name, stored_type, read in cases:
            with self.subTest(key=key):
                self.kv.put(key, value, type=type_name)
                item = self.kv.get_item(key)
                self.assertEqual((item.type, item.value), (stored_type, read))
                self.assertEqual(type(item.value), type(read))
                self.assertEqual(self.kv.head(key).type, stored_type)
        self.assertEqual(self.kv.get_item("t/float-exp").raw, b"-1000")
        self.assertEqual(self.kv.get_item("t/set").raw, b'["a","b"]')

    def test_a_value_that_is_not_its_type_is_refused(self):
        with self.assertRaises(kvactor.BadRequest):
            self.kv.put("t/bad", "1.5", type="int")
        with self.assertRaises(kvactor.BadRequest):
            self.kv.put("t/bad", -1, type="uint")
        with self.assertRaises(ValueError):
            self.kv.put("t/bad", float("nan"))
        with self.assertRaises(ValueError):
            self.kv.put("t/bad", b"1", type="decimal")
        self.assertFalse(self.kv.exists("t/bad"))

    def test_incr(self):
        first = self.kv.incr("ops/hits")
        self.assertEqual((first.value, first.version, first.type), (1, 1, "int"))
        self.assertEqual(self.kv.incr("ops/hits", -5).value, -4)
        self.assertEqual(self.kv.get("ops/hits"), -4)
        self.assertEqual(self.kv.incr("ops/score", 2.5, type="float").value, 2.5)
        self.assertEqual(self.kv.incr("ops/score", 1).value, 3.5)
        self.assertEqual(self.kv.incr("ops/u", 3, type="uint").type, "uint")
        with self.assertRaises(kvactor.BadRequest):
            self.kv.incr("ops/u", -4)  # below 0: out of range, nothing written
        self.assertEqual(self.kv.get("ops/u"), 3)
        with self.assertRaises(kvactor.BadRequest):
            self.kv.incr("ops/hits", 0.5)
        self.kv.put("ops/max", 2**63 - 1)
        with self.assertRaises(kvactor.BadRequest):
            self.kv.incr("ops/max")
        with self.assertRaises(kvactor.Conflict):
            self.kv.incr("ops/hits", if_version=1)
        self.assertEqual(self.kv.incr("ops/hits", if_version=2).version, 3)

    def test_sets(self):
        added = self.kv.sadd("ops/tags", "b", "a", "b")
        self.assertEqual((added.value, added.type, added.version), ({"a", "b"}, "set", 1))
        self.assertEqual(self.kv.sadd("ops/tags", "x").value, {"a", "b", "x"})
        self.assertEqual(self.kv.srem("ops/tags", "a", "nope").value, {"b", "x"})
        self.assertEqual(self.kv.smembers("ops/tags"), {"b", "x"})
        self.assertTrue(self.kv.sismember("ops/tags", "x"))
        self.assertFalse(self.kv.sismember("ops/tags", "a"))
        self.assertEqual(self.kv.srem("ops/tags", "b", "x").value, set(), "an emptied set stays")
        self.assertEqual(self.kv.smembers("ops/tags"), set())
        with self.assertRaises(kvactor.NotFound):
            self.kv.sismember("ops/none", "a")

    def test_hashes(self):
        written = self.kv.hset("ops/user", {"name": "ann", "age": "7"})
        self.assertEqual((written.value, written.type), ({"age": "7", "name": "ann"}, "hash"))
        self.assertEqual(self.kv.hget("ops/user", "name"), "ann")
        with self.assertRaises(kvactor.NotFound):
            self.kv.hget("ops/user", "email")
        self.assertEqual(self.kv.hdel("ops/user", "age").value, {"name": "ann"})
        self.assertEqual(self.kv.hgetall("ops/user"), {"name": "ann"})
        self.assertEqual(self.kv.hset("ops/user", {"name": "bob"}).version, 3)

    def test_wrong_type(self):
        self.kv.put("ops/text", b"hello")
        for call in (lambda: self.kv.incr("ops/text"), lambda: self.kv.sadd("ops/text", "a"),
                     lambda: self.kv.hset("ops/text", {"a": "b"}),
                     lambda: self.kv.hget("ops/text", "a"),
                     lambda: self.kv.sismember("ops/text", "a"),
                     lambda: self.kv.smembers("ops/text"), lambda: self.kv.hgetall("ops/text")):
            with self.assertRaises(kvactor.WrongType) as caught:
                call()
            self.assertEqual((caught.exception.status, caught.exception.code),
                             (409, "wrong_type"))
        self.assertEqual(self.kv.get("ops/text"), b"hello", "nothing changed")


if __name__ == "__main__":
    unittest.main()
