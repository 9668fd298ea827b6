"""TLS, mutual TLS and bearer tokens (contract section 10) against a real kvnode."""

import shutil
import tempfile
import unittest

import kvactor
from tests.support import KvNode, collect, make_certificates, tokens_file


class CertificatesMixin:
    @classmethod
    def make_certificates(cls):
        directory = tempfile.mkdtemp(prefix="kvactor-py-certs-")
        cls.addClassCleanup(shutil.rmtree, directory, True)
        return make_certificates(directory)


class TlsTest(CertificatesMixin, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.certs = certs = cls.make_certificates()
        config = (f'[http.tls]\ncert_file = "{certs["server_cert"]}"\n'
                  f'key_file = "{certs["server_key"]}"\n')
        cls.node = KvNode(config, tls_ca=certs["ca"]).start()
        cls.addClassCleanup(cls.node.cleanup)

    def test_https_with_the_ca(self):
        with kvactor.Client(self.node.url, cafile=self.certs["ca"], timeout=5) as kv:
            kv.put("tls/k", b"secret")
            self.assertEqual(kv.get("tls/k"), b"secret")
            watch = kv.watch(prefix="tls/")
            self.addCleanup(watch.close)
            kv.put("tls/k", b"changed")
            self.assertEqual(collect(watch, 1)[0].value, b"changed")

    def test_localhost_is_a_name_of_the_certificate(self):
        url = self.node.url.replace("127.0.0.1", "localhost")
        with kvactor.Client(url, cafile=self.certs["ca"], timeout=5) as kv:
            self.assertTrue(kv.ping())

    def test_a_certificate_of_another_ca_is_refused(self):
        kv = kvactor.Client(self.node.url, cafile=self.certs["other_ca"], timeout=5)
        with self.assertRaises(kvactor.Unreachable) as caught:
            kv.get("tls/k")
        self.assertIn("certificate", str(caught.exception).lower())
        with self.assertRaises(kvactor.Unreachable):
            kv.watch()

    def test_plain_http_to_a_tls_port_fails(self):
        kv = kvactor.Client(self.node.url.replace("https", "http"), timeout=5)
        with self.assertRaises(kvactor.Unreachable):
            kv.get("tls/k")


class MutualTlsTest(CertificatesMixin, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.certs = certs = cls.make_certificates()
        config = (f'[http.tls]\ncert_file = "{certs["server_cert"]}"\n'
                  f'key_file = "{certs["server_key"]}"\nclient_ca_file = "{certs["ca"]}"\n')
        cls.node = KvNode(config, tls_ca=certs["ca"], tls_cert=certs["client_cert"],
                          tls_key=certs["client_key"]).start()
        cls.addClassCleanup(cls.node.cleanup)

    def test_with_a_client_certificate(self):
        with kvactor.Client(self.node.url, cafile=self.certs["ca"],
                            certfile=self.certs["client_cert"],
                            keyfile=self.certs["client_key"], timeout=5) as kv:
            kv.put("mtls/k", b"v")
            self.assertEqual(kv.get("mtls/k"), b"v")

    def test_without_a_client_certificate_the_handshake_is_refused(self):
        kv = kvactor.Client(self.node.url, cafile=self.certs["ca"], timeout=5)
        with self.assertRaises(kvactor.Unreachable):
            kv.put("mtls/k", b"v")


ADMIN, APP, READER = "admin-5c1e9b07", "app-8a2f44d1", "reader-03bd7e6f"


class TokensTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        node = KvNode()
        tokens = node.write_file("tokens.toml", tokens_file({
            "admin": (ADMIN, '[{prefix = "", access = "write"}]'),
            "app": (APP, '[{prefix = "app/", access = "write"}, {prefix = "shared/", '
                         'access = "read"}]'),
            "reader": (READER, '[{prefix = "app/", access = "read"}]'),
        }))
        node.config = f'[auth]\ntokens_file = "{tokens}"\n'
        cls.node = node.start()
        cls.addClassCleanup(cls.node.cleanup)

    def client(self, token):
        kv = kvactor.Client(self.node.url, token=token, timeout=5)
        self.addCleanup(kv.close)
        return kv

    def test_a_token_reaches_its_prefixes(self):
        app = self.client(APP)
        app.put("app/k", b"v")
        self.assertEqual(app.get("app/k"), b"v")
        self.assertEqual(app.incr("app/n").value, 1)
        self.client(ADMIN).put("shared/s", b"shared")
        self.assertEqual(app.get("shared/s"), b"shared")
        with self.assertRaises(kvactor.Forbidden) as caught:
            app.put("shared/s", b"x")
        self.assertEqual((caught.exception.status, caught.exception.code), (403, "forbidden"))
        with self.assertRaises(kvactor.Forbidden):
            app.get("other/k")
        with self.assertRaises(kvactor.Forbidden):
            self.client(READER).put("app/k", b"x")
        self.assertEqual(self.client(READER).get("app/k"), b"v")

    def test_without_a_valid_token_401(self):
        for token in (None, "wrong-token"):
            kv = self.client(token)
            with self.subTest(token=token):
                with self.assertRaises(kvactor.Unauthorized) as caught:
                    kv.get("app/k")
                self.assertEqual((caught.exception.status, caught.exception.code),
                                 (401, "unauthorized"))
                with self.assertRaises(kvactor.Unauthorized):
                    kv.watch(prefix="app/")
                self.assertTrue(kv.ping(), "ping needs no token")
                self.assertTrue(kv.ready(), "readiness needs no token")

    def test_listings_and_watches_show_only_readable_keys(self):
        admin = self.client(ADMIN)
        admin.put_many({"app/1": "1", "hidden/1": "h", "shared/1": "s"})
        reader = self.client(READER)
        self.assertEqual(set(reader.keys()), {k for k in admin.keys() if k.startswith("app/")})
        watch = reader.watch()
        self.addCleanup(watch.close)
        admin.put("hidden/2", b"h")
        admin.put("app/2", b"2")
        self.assertEqual([c.key for c in collect(watch, 1)], ["app/2"])


if __name__ == "__main__":
    unittest.main()
