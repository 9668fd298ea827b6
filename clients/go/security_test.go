// TLS, mutual TLS and bearer tokens (contract section 10) against a real kvnode.
// The certificates are made at test time; nothing secret is kept in the repository.

package kvactor

import (
	"crypto/tls"
	"errors"
	"strings"
	"testing"
	"time"
)

func startTLSNode(t *testing.T, mutual bool) (*testNode, certificates) {
	t.Helper()
	c := makeCertificates(t)
	config := "[http.tls]\ncert_file = \"" + c.serverCert + "\"\nkey_file = \"" + c.serverKey + "\"\n"
	readiness := &tls.Config{RootCAs: c.pool(t)}
	if mutual {
		config += "client_ca_file = \"" + c.ca + "\"\n"
		pair, err := tls.LoadX509KeyPair(c.clientCert, c.clientKey)
		if err != nil {
			t.Fatal(err)
		}
		readiness.Certificates = []tls.Certificate{pair}
	}
	node := newNode(t, config)
	node.tls = readiness
	return node.start(0), c
}

func TestTLS(t *testing.T) {
	node, c := startTLSNode(t, false)
	ctx := testContext(t)
	kv := newClient(t, node.url(), &Options{CAFile: c.ca})
	if _, err := kv.Put(ctx, "tls/k", []byte("secret")); err != nil {
		t.Fatal(err)
	}
	if item, err := kv.Get(ctx, "tls/k"); err != nil || item.String() != "secret" {
		t.Fatalf("get: %+v, %v", item, err)
	}
	w, err := kv.Watch(ctx, WatchOptions{Prefix: "tls/"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	kv.Put(ctx, "tls/k", []byte("changed"))
	if events := collect(t, w, 1, 10*time.Second); string(events[0].Value) != "changed" {
		t.Fatalf("event: %+v", events[0])
	}

	byName := newClient(t, strings.Replace(node.url(), "127.0.0.1", "localhost", 1), &Options{CAFile: c.ca})
	if err := byName.Ping(ctx); err != nil {
		t.Fatalf("localhost is a name of the certificate: %v", err)
	}
	withConfig := newClient(t, node.url(), &Options{TLSConfig: &tls.Config{RootCAs: c.pool(t)}})
	if err := withConfig.Ping(ctx); err != nil {
		t.Fatalf("with a tls.Config: %v", err)
	}

	otherCA := newClient(t, node.url(), &Options{CAFile: c.otherCA})
	_, err = otherCA.Get(ctx, "tls/k")
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("a certificate of another CA: %v", err)
	}
	if _, err := otherCA.Watch(ctx, WatchOptions{}); !errors.Is(err, ErrUnreachable) {
		t.Fatalf("a watch with another CA: %v", err)
	}
	plain := newClient(t, strings.Replace(node.url(), "https", "http", 1), nil)
	if _, err := plain.Get(ctx, "tls/k"); !errors.Is(err, ErrUnreachable) {
		t.Fatalf("plain HTTP to a TLS port: %v", err)
	}
}

func TestMutualTLS(t *testing.T) {
	node, c := startTLSNode(t, true)
	ctx := testContext(t)
	kv := newClient(t, node.url(), &Options{CAFile: c.ca, CertFile: c.clientCert, KeyFile: c.clientKey})
	if _, err := kv.Put(ctx, "mtls/k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if item, err := kv.Get(ctx, "mtls/k"); err != nil || item.String() != "v" {
		t.Fatalf("get: %+v, %v", item, err)
	}
	without := newClient(t, node.url(), &Options{CAFile: c.ca})
	if _, err := without.Put(ctx, "mtls/k", []byte("v")); !errors.Is(err, ErrUnreachable) {
		t.Fatalf("without a client certificate: %v", err)
	}
}

const (
	adminToken  = "admin-5c1e9b07"
	appToken    = "app-8a2f44d1"
	readerToken = "reader-03bd7e6f"
)

func TestTokens(t *testing.T) {
	node := newNode(t, "")
	tokens := node.writeFile("tokens.toml",
		tokenEntry("admin", adminToken, `[{prefix = "", access = "write"}]`)+
			tokenEntry("app", appToken, `[{prefix = "app/", access = "write"}, {prefix = "shared/", access = "read"}]`)+
			tokenEntry("reader", readerToken, `[{prefix = "app/", access = "read"}]`))
	node.config = "[auth]\ntokens_file = \"" + tokens + "\"\n"
	node.start(0)
	ctx := testContext(t)
	admin := newClient(t, node.url(), &Options{Token: adminToken})
	app := newClient(t, node.url(), &Options{Token: appToken})
	reader := newClient(t, node.url(), &Options{Token: readerToken})

	if _, err := app.Put(ctx, "app/k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Incr(ctx, "app/n", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Put(ctx, "shared/s", []byte("shared")); err != nil {
		t.Fatal(err)
	}
	if item, err := app.Get(ctx, "shared/s"); err != nil || item.String() != "shared" {
		t.Fatalf("read of a read prefix: %+v, %v", item, err)
	}
	var kvErr *Error
	if _, err := app.Put(ctx, "shared/s", []byte("x")); !errors.Is(err, ErrForbidden) || !errors.As(err, &kvErr) || kvErr.Status != 403 {
		t.Fatalf("write to a read prefix: %v", err)
	}
	if _, err := app.Get(ctx, "other/k"); !errors.Is(err, ErrForbidden) {
		t.Fatalf("read outside the prefixes: %v", err)
	}
	if _, err := reader.Put(ctx, "app/k", []byte("x")); !errors.Is(err, ErrForbidden) {
		t.Fatalf("write with read access: %v", err)
	}

	for _, token := range []string{"", "wrong-token"} {
		kv := newClient(t, node.url(), &Options{Token: token})
		if _, err := kv.Get(ctx, "app/k"); !errors.Is(err, ErrUnauthorized) || !errors.As(err, &kvErr) || kvErr.Status != 401 {
			t.Fatalf("token %q: %v", token, err)
		}
		if _, err := kv.Watch(ctx, WatchOptions{Prefix: "app/"}); !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("watch with token %q: %v", token, err)
		}
		if err := kv.Ping(ctx); err != nil {
			t.Fatalf("ping needs no token: %v", err)
		}
		if ready, err := kv.Ready(ctx); !ready || err != nil {
			t.Fatalf("readiness needs no token: %v", err)
		}
	}

	if _, err := admin.PutMany(ctx, map[string]any{"hidden/1": "h", "app/1": "1"}); err != nil {
		t.Fatal(err)
	}
	keys, err := reader.Keys(ctx, ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range keys {
		if !strings.HasPrefix(key, "app/") {
			t.Fatalf("the reader lists %q", key)
		}
	}
	if len(keys) != 3 {
		t.Fatalf("the reader lists %q", keys)
	}
	w, err := reader.Watch(ctx, WatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	admin.Put(ctx, "hidden/2", []byte("h"))
	admin.Put(ctx, "app/2", []byte("2"))
	if events := collect(t, w, 1, 10*time.Second); events[0].Key != "app/2" {
		t.Fatalf("the reader watched %q", events[0].Key)
	}
}
