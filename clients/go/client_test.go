// Keys, compare-and-swap, listings, batches, errors and the kept-alive connection against a
// real kvnode.

package kvactor

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestPutGetDelete(t *testing.T) {
	node := startNode(t, "")
	kv := newClient(t, node.url(), nil)
	ctx := testContext(t)

	written, err := kv.Put(ctx, "keys/greeting", []byte("hello"))
	if err != nil || *written != (WriteResult{"keys/greeting", 1, true}) {
		t.Fatalf("put: %+v, %v", written, err)
	}
	item, err := kv.Get(ctx, "keys/greeting")
	if err != nil || string(item.Value) != "hello" || item.Version != 1 || item.Type != TypeBytes || !item.ExpiresAt.IsZero() {
		t.Fatalf("get: %+v, %v", item, err)
	}
	if written, err = kv.PutString(ctx, "keys/greeting", "héllo"); err != nil || written.Version != 2 || written.Created {
		t.Fatalf("second put: %+v, %v", written, err)
	}
	head, err := kv.Head(ctx, "keys/greeting")
	if err != nil || head.Version != 2 || head.Value != nil {
		t.Fatalf("head: %+v, %v", head, err)
	}
	if deleted, err := kv.Delete(ctx, "keys/greeting"); !deleted || err != nil {
		t.Fatalf("delete: %v, %v", deleted, err)
	}
	if deleted, err := kv.Delete(ctx, "keys/greeting"); deleted || err != nil {
		t.Fatalf("delete of a missing key: %v, %v", deleted, err)
	}
	_, err = kv.Get(ctx, "keys/greeting")
	var kvErr *Error
	if !errors.Is(err, ErrNotFound) || !errors.As(err, &kvErr) || kvErr.Status != 404 ||
		kvErr.Message != "no key `keys/greeting` found" {
		t.Fatalf("get of a deleted key: %v", err)
	}
	if _, err := kv.Head(ctx, "keys/greeting"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("head of a deleted key: %v", err)
	}
	if exists, err := kv.Exists(ctx, "keys/greeting"); exists || err != nil {
		t.Fatalf("exists: %v, %v", exists, err)
	}
}

func TestBinaryValuesAndOddKeysRoundTrip(t *testing.T) {
	node := startNode(t, "")
	kv := newClient(t, node.url(), nil)
	ctx := testContext(t)
	value := bytes.Repeat([]byte{0, 1, 2, 0xff, '\r', '\n'}, 100)
	odd := []string{"keys/a b", "keys/100%", "keys/x+y&z=1?#", "keys/ünï/ç", "keys/a//b", "keys/..", "keys/~.-_"}
	for _, key := range odd {
		if _, err := kv.Put(ctx, key, value); err != nil {
			t.Fatalf("put %q: %v", key, err)
		}
		item, err := kv.Get(ctx, key)
		if err != nil || !bytes.Equal(item.Value, value) || item.Key != key {
			t.Fatalf("get %q: %v", key, err)
		}
	}
	keys, err := kv.Keys(ctx, ListOptions{Prefix: "keys/"})
	sorted := append([]string{}, odd...)
	sort.Strings(sorted)
	if err != nil || !reflect.DeepEqual(keys, sorted) {
		t.Fatalf("keys: %q, %v; want %q", keys, err, sorted)
	}
	if _, err := kv.Put(ctx, "keys/empty", nil); err != nil {
		t.Fatal(err)
	}
	if item, err := kv.Get(ctx, "keys/empty"); err != nil || len(item.Value) != 0 || item.Value == nil {
		t.Fatalf("empty value: %+v, %v", item, err)
	}
}

func TestCompareAndSwap(t *testing.T) {
	node := startNode(t, "")
	kv := newClient(t, node.url(), nil)
	ctx := testContext(t)
	if w, err := kv.Put(ctx, "cas/k", []byte("1"), IfVersion(0)); err != nil || w.Version != 1 {
		t.Fatalf("create: %+v, %v", w, err)
	}
	conflict := func(err error) *Error {
		t.Helper()
		var kvErr *Error
		if !errors.Is(err, ErrConflict) || !errors.As(err, &kvErr) || kvErr.Status != 409 {
			t.Fatalf("want a conflict, got %v", err)
		}
		return kvErr
	}
	_, err := kv.Put(ctx, "cas/k", []byte("x"), IfVersion(0))
	if e := conflict(err); e.CurrentVersion == nil || *e.CurrentVersion != 1 {
		t.Fatalf("current version of an if_version=0 conflict: %v", e.CurrentVersion)
	}
	if w, err := kv.Put(ctx, "cas/k", []byte("2"), IfVersion(1)); err != nil || w.Version != 2 {
		t.Fatalf("swap: %+v, %v", w, err)
	}
	_, err = kv.Put(ctx, "cas/k", []byte("x"), IfVersion(1))
	if e := conflict(err); e.CurrentVersion == nil || *e.CurrentVersion != 2 {
		t.Fatalf("current version: %v", e.CurrentVersion)
	}
	_, err = kv.Put(ctx, "cas/missing", []byte("x"), IfVersion(3))
	if e := conflict(err); e.CurrentVersion == nil || *e.CurrentVersion != 0 {
		t.Fatalf("current version of a missing key: %v", e.CurrentVersion)
	}
	_, err = kv.Delete(ctx, "cas/k", IfVersion(1))
	conflict(err)
	if deleted, err := kv.Delete(ctx, "cas/k", IfVersion(2)); !deleted || err != nil {
		t.Fatalf("delete: %v, %v", deleted, err)
	}
}

func TestListingPagesInBytewiseOrder(t *testing.T) {
	node := startNode(t, "")
	kv := newClient(t, node.url(), nil)
	ctx := testContext(t)
	batch := map[string]any{"page/Z": "z", "page/a.json": "j", "pagez": "no"}
	for n := 0; n < 25; n++ {
		batch[fmt.Sprintf("page/%03d", n)] = fmt.Sprint(n)
	}
	if written, err := kv.PutMany(ctx, batch); err != nil || written != len(batch) {
		t.Fatalf("put many: %d, %v", written, err)
	}
	first, err := kv.List(ctx, ListOptions{Prefix: "page/", Limit: 10})
	if err != nil || len(first.Keys) != 10 || first.Keys[0] != "page/000" || first.Next != "page/009" || first.Items != nil {
		t.Fatalf("first page: %+v, %v", first, err)
	}
	second, err := kv.List(ctx, ListOptions{Prefix: "page/", Limit: 10, After: first.Next})
	if err != nil || second.Keys[0] != "page/010" {
		t.Fatalf("second page: %+v, %v", second, err)
	}
	all, err := kv.Keys(ctx, ListOptions{Prefix: "page/", Limit: 7})
	if err != nil || len(all) != 27 || all[25] != "page/Z" || all[26] != "page/a.json" {
		t.Fatalf("every key: %q, %v", all, err)
	}
	if page, err := kv.List(ctx, ListOptions{Prefix: "page/", Suffix: ".json"}); err != nil || !reflect.DeepEqual(page.Keys, []string{"page/a.json"}) || page.Next != "" {
		t.Fatalf("suffix: %+v, %v", page, err)
	}
	if _, err := kv.List(ctx, ListOptions{Limit: 10001}); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("limit over 10000: %v", err)
	}
}

func TestListingWithValuesAndBatchTypes(t *testing.T) {
	node := startNode(t, "")
	kv := newClient(t, node.url(), nil)
	ctx := testContext(t)
	if _, err := kv.Put(ctx, "vals/a", []byte{0, 0xff}); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.PutMany(ctx, map[string]any{"vals/b": map[string]int{"rps": 10}, "vals/c": "text"}); err != nil {
		t.Fatal(err)
	}
	var items []Item
	err := kv.ForEach(ctx, ListOptions{Prefix: "vals/", Values: true, Limit: 1}, func(item Item) error {
		items = append(items, item)
		return nil
	})
	if err != nil || len(items) != 3 {
		t.Fatalf("items: %+v, %v", items, err)
	}
	if !bytes.Equal(items[0].Value, []byte{0, 0xff}) || items[0].Type != TypeBytes || items[0].Version != 1 {
		t.Fatalf("bytes item: %+v", items[0])
	}
	var limits map[string]int
	if items[1].Type != TypeJSON || items[1].JSON(&limits) != nil || limits["rps"] != 10 {
		t.Fatalf("json item: %+v", items[1])
	}
	if items[2].String() != "text" || items[2].Type != TypeBytes {
		t.Fatalf("text item: %+v", items[2])
	}
	_, err = kv.PutMany(ctx, map[string]any{"vals/ok": "1", "bad\x01key": "2"})
	if !errors.Is(err, ErrBadRequest) {
		t.Fatalf("invalid batch: %v", err)
	}
	if exists, _ := kv.Exists(ctx, "vals/ok"); exists {
		t.Fatal("an invalid batch wrote a key")
	}
	stop := errors.New("stop")
	if err := kv.ForEach(ctx, ListOptions{Prefix: "vals/"}, func(Item) error { return stop }); err != stop {
		t.Fatalf("ForEach did not return the callback's error: %v", err)
	}
}

func TestErrorsAreTyped(t *testing.T) {
	node := startNode(t, "")
	kv := newClient(t, node.url(), nil)
	ctx := testContext(t)
	_, err := kv.Put(ctx, "bad\x7fkey", []byte("v"))
	var kvErr *Error
	if !errors.Is(err, ErrBadRequest) || !errors.As(err, &kvErr) || kvErr.Status != 400 || kvErr.Code != "bad_request" {
		t.Fatalf("bad key: %v", err)
	}
	if _, err := kv.Put(ctx, strings.Repeat("k", 251), nil); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("long key: %v", err)
	}
	if _, err := kv.Put(ctx, "keys/big", make([]byte, 1048577)); !errors.Is(err, ErrPayloadTooLarge) {
		t.Fatalf("big value: %v", err)
	}
	if _, err := kv.Get(ctx, ""); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("empty key: %v", err)
	}
	if _, err := kv.Put(ctx, "k", nil, WithTTL(1500*time.Millisecond)); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("fractional ttl: %v", err)
	}
	if errors.Is(err, ErrNotFound) {
		t.Fatal("a bad request matches ErrNotFound")
	}
}

func TestNodeRoutes(t *testing.T) {
	node := startNode(t, "")
	kv := newClient(t, node.url(), nil)
	ctx := testContext(t)
	if err := kv.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if ready, err := kv.Ready(ctx); !ready || err != nil {
		t.Fatalf("ready: %v, %v", ready, err)
	}
	info, err := kv.Info(ctx)
	if err != nil || info["partitions"] == nil {
		t.Fatalf("info: %v, %v", info, err)
	}
}

func TestAConnectionTheNodeClosedWhileIdleIsReopened(t *testing.T) {
	node := startNode(t, "[http]\nidle_timeout_seconds = 1\n")
	kv := newClient(t, node.url(), nil)
	ctx := testContext(t)
	if _, err := kv.Put(ctx, "idle/k", []byte("1")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1600 * time.Millisecond) // past the node's idle timeout
	if _, err := kv.Put(ctx, "idle/k", []byte("2")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1600 * time.Millisecond)
	if item, err := kv.Incr(ctx, "idle/n", 1); err != nil || item.String() != "1" {
		t.Fatalf("incr: %+v, %v", item, err)
	}
}

func TestUnreachable(t *testing.T) {
	kv := newClient(t, fmt.Sprintf("http://127.0.0.1:%d", freePort(t)), &Options{Timeout: 2 * time.Second})
	_, err := kv.Get(testContext(t), "k")
	var kvErr *Error
	if !errors.Is(err, ErrUnreachable) || !errors.As(err, &kvErr) || kvErr.Err == nil || kvErr.Status != 0 {
		t.Fatalf("want unreachable, got %v", err)
	}
	if _, err := kv.Watch(testContext(t), WatchOptions{}); !errors.Is(err, ErrUnreachable) {
		t.Fatalf("watch: want unreachable, got %v", err)
	}
}

func TestURLs(t *testing.T) {
	if c, err := New("127.0.0.1:9/", nil); err != nil || c.URL() != "http://127.0.0.1:9" {
		t.Fatalf("no scheme: %v, %v", c, err)
	}
	if c, err := New("https://kv.example/base/", nil); err != nil || c.URL() != "https://kv.example/base" {
		t.Fatalf("base path: %v, %v", c, err)
	}
	for _, bad := range []string{"ftp://host", "http://", "http://u:p@host", "http://host?x=1"} {
		if _, err := New(bad, nil); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
	if _, err := New("http://host", &Options{CAFile: "ca.pem"}); err == nil {
		t.Error("TLS options on an http URL were accepted")
	}
	if got := escapeKey("a b/ü%+"); got != "a%20b/%C3%BC%25%2B" {
		t.Errorf("escapeKey: %s", got)
	}
}
