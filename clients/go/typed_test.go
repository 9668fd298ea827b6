// Typed values, atomic operations and expiry (contract sections 7 and 8) against a real
// kvnode.

package kvactor

import (
	"errors"
	"math"
	"reflect"
	"testing"
	"time"
)

func TestEachTypeRoundTrips(t *testing.T) {
	node := startNode(t, "")
	kv := newClient(t, node.url(), nil)
	ctx := testContext(t)
	must := func(_ *WriteResult, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(kv.PutInt(ctx, "t/int", -42))
	must(kv.PutUint(ctx, "t/uint", math.MaxUint64))
	must(kv.PutFloat(ctx, "t/float", 2.5))
	must(kv.PutFloat(ctx, "t/float-big", 1e16))
	must(kv.PutTyped(ctx, "t/float-exp", TypeFloat, []byte("-1e3")))
	must(kv.PutSet(ctx, "t/set", []string{"b", "a", "b"}))
	must(kv.PutHash(ctx, "t/hash", map[string]string{"name": "ann", "age": "7"}))
	must(kv.PutJSON(ctx, "t/json", map[string]any{"a": []any{1, 2.5, nil, true}}))

	get := func(key string, want Type) *Item {
		t.Helper()
		item, err := kv.Get(ctx, key)
		if err != nil || item.Type != want {
			t.Fatalf("get %s: %+v, %v", key, item, err)
		}
		if head, err := kv.Head(ctx, key); err != nil || head.Type != want {
			t.Fatalf("head %s: %+v, %v", key, head, err)
		}
		return item
	}
	if n, err := get("t/int", TypeInt).Int(); n != -42 || err != nil {
		t.Errorf("int: %d, %v", n, err)
	}
	if n, err := get("t/uint", TypeUint).Uint(); n != math.MaxUint64 || err != nil {
		t.Errorf("uint: %d, %v", n, err)
	}
	if f, err := get("t/float", TypeFloat).Float(); f != 2.5 || err != nil {
		t.Errorf("float: %v, %v", f, err)
	}
	if f, err := get("t/float-big", TypeFloat).Float(); f != 1e16 || err != nil {
		t.Errorf("big float: %v, %v", f, err)
	}
	if item := get("t/float-exp", TypeFloat); item.String() != "-1000" {
		t.Errorf("float text: %s", item.String())
	}
	if s, err := get("t/set", TypeSet).Set(); !reflect.DeepEqual(s, []string{"a", "b"}) || err != nil {
		t.Errorf("set: %q, %v", s, err)
	}
	if h, err := get("t/hash", TypeHash).Hash(); !reflect.DeepEqual(h, map[string]string{"age": "7", "name": "ann"}) || err != nil {
		t.Errorf("hash: %v, %v", h, err)
	}
	var document map[string][]any
	if err := get("t/json", TypeJSON).JSON(&document); err != nil || !reflect.DeepEqual(document["a"], []any{1.0, 2.5, nil, true}) {
		t.Errorf("json: %v, %v", document, err)
	}
	if _, err := kv.PutTyped(ctx, "t/bad", TypeInt, []byte("1.5")); !errors.Is(err, ErrBadRequest) {
		t.Errorf("an int that is not: %v", err)
	}
	if _, err := kv.PutFloat(ctx, "t/bad", math.NaN()); !errors.Is(err, ErrBadRequest) {
		t.Errorf("NaN: %v", err)
	}
	if exists, _ := kv.Exists(ctx, "t/bad"); exists {
		t.Error("a refused value was written")
	}
}

func TestIncr(t *testing.T) {
	node := startNode(t, "")
	kv := newClient(t, node.url(), nil)
	ctx := testContext(t)
	item, err := kv.Incr(ctx, "ops/hits", 1)
	if n, _ := item.Int(); err != nil || n != 1 || item.Version != 1 || item.Type != TypeInt {
		t.Fatalf("first incr: %+v, %v", item, err)
	}
	if item, err = kv.Incr(ctx, "ops/hits", -5); err != nil || item.String() != "-4" {
		t.Fatalf("negative incr: %+v, %v", item, err)
	}
	if item, err = kv.IncrFloat(ctx, "ops/score", 2.5); err != nil || item.Type != TypeFloat || item.String() != "2.5" {
		t.Fatalf("float incr: %+v, %v", item, err)
	}
	if item, err = kv.Incr(ctx, "ops/score", 1); err != nil || item.String() != "3.5" {
		t.Fatalf("int amount on a float: %+v, %v", item, err)
	}
	if item, err = kv.Incr(ctx, "ops/u", 3, AsType(TypeUint)); err != nil || item.Type != TypeUint {
		t.Fatalf("uint incr: %+v, %v", item, err)
	}
	if _, err = kv.Incr(ctx, "ops/u", -4); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("below 0: %v", err)
	}
	if _, err = kv.IncrFloat(ctx, "ops/hits", 0.5); !errors.Is(err, ErrWrongType) && !errors.Is(err, ErrBadRequest) {
		t.Fatalf("a float amount on an int: %v", err)
	}
	if _, err = kv.PutInt(ctx, "ops/max", math.MaxInt64); err != nil {
		t.Fatal(err)
	}
	if _, err = kv.Incr(ctx, "ops/max", 1); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("overflow: %v", err)
	}
	if _, err = kv.Incr(ctx, "ops/hits", 1, IfVersion(1)); !errors.Is(err, ErrConflict) {
		t.Fatalf("incr with a stale version: %v", err)
	}
	if item, err = kv.Incr(ctx, "ops/hits", 1, IfVersion(2)); err != nil || item.Version != 3 {
		t.Fatalf("incr with the version: %+v, %v", item, err)
	}
}

func TestSetsAndHashes(t *testing.T) {
	node := startNode(t, "")
	kv := newClient(t, node.url(), nil)
	ctx := testContext(t)
	members := func(item *Item, err error) []string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		s, err := item.Set()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if got := members(kv.SAdd(ctx, "ops/tags", []string{"b", "a", "b"})); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Fatalf("sadd: %q", got)
	}
	if got := members(kv.SRem(ctx, "ops/tags", []string{"a", "nope"})); !reflect.DeepEqual(got, []string{"b"}) {
		t.Fatalf("srem: %q", got)
	}
	if is, err := kv.SIsMember(ctx, "ops/tags", "b"); !is || err != nil {
		t.Fatalf("sismember b: %v, %v", is, err)
	}
	if is, err := kv.SIsMember(ctx, "ops/tags", "a"); is || err != nil {
		t.Fatalf("sismember a: %v, %v", is, err)
	}
	if got := members(kv.SRem(ctx, "ops/tags", []string{"b"})); len(got) != 0 {
		t.Fatalf("an emptied set: %q", got)
	}
	if got, err := kv.SMembers(ctx, "ops/tags"); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("smembers of an empty set: %q, %v", got, err)
	}
	if _, err := kv.SIsMember(ctx, "ops/none", "a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("sismember of a missing key: %v", err)
	}

	item, err := kv.HSet(ctx, "ops/user", map[string]string{"name": "ann", "age": "7"})
	if h, _ := item.Hash(); err != nil || item.Type != TypeHash || !reflect.DeepEqual(h, map[string]string{"age": "7", "name": "ann"}) {
		t.Fatalf("hset: %+v, %v", item, err)
	}
	if v, err := kv.HGet(ctx, "ops/user", "name"); v != "ann" || err != nil {
		t.Fatalf("hget: %q, %v", v, err)
	}
	if _, err := kv.HGet(ctx, "ops/user", "email"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("hget of a missing field: %v", err)
	}
	if item, err = kv.HDel(ctx, "ops/user", []string{"age"}); err != nil || item.String() != `{"name":"ann"}` {
		t.Fatalf("hdel: %+v, %v", item, err)
	}
	if h, err := kv.HGetAll(ctx, "ops/user"); err != nil || !reflect.DeepEqual(h, map[string]string{"name": "ann"}) {
		t.Fatalf("hgetall: %v, %v", h, err)
	}

	if _, err := kv.Put(ctx, "ops/text", []byte("hello")); err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() error{
		"incr":      func() error { _, err := kv.Incr(ctx, "ops/text", 1); return err },
		"sadd":      func() error { _, err := kv.SAdd(ctx, "ops/text", []string{"a"}); return err },
		"hset":      func() error { _, err := kv.HSet(ctx, "ops/text", map[string]string{"a": "b"}); return err },
		"hget":      func() error { _, err := kv.HGet(ctx, "ops/text", "a"); return err },
		"sismember": func() error { _, err := kv.SIsMember(ctx, "ops/text", "a"); return err },
		"smembers":  func() error { _, err := kv.SMembers(ctx, "ops/text"); return err },
		"hgetall":   func() error { _, err := kv.HGetAll(ctx, "ops/text"); return err },
	} {
		var kvErr *Error
		if err := call(); !errors.Is(err, ErrWrongType) || !errors.As(err, &kvErr) || kvErr.Status != 409 {
			t.Errorf("%s on a bytes key: %v", name, err)
		}
	}
}

func TestExpiry(t *testing.T) {
	node := startNode(t, "")
	kv := newClient(t, node.url(), nil)
	ctx := testContext(t)
	near := func(at time.Time, want time.Duration) bool {
		return math.Abs(time.Until(at).Seconds()-want.Seconds()) < 5
	}
	if _, err := kv.Put(ctx, "ttl/session", []byte("token"), WithTTL(time.Minute)); err != nil {
		t.Fatal(err)
	}
	item, err := kv.Get(ctx, "ttl/session")
	if err != nil || !near(item.ExpiresAt, time.Minute) {
		t.Fatalf("expires at: %+v, %v", item, err)
	}
	if left, expires, err := kv.TTL(ctx, "ttl/session"); err != nil || !expires || math.Abs(left.Seconds()-60) > 5 {
		t.Fatalf("ttl: %v, %v, %v", left, expires, err)
	}
	result, err := kv.Expire(ctx, "ttl/session", 5*time.Minute)
	if err != nil || result.Version != 2 || !near(result.ExpiresAt, 5*time.Minute) {
		t.Fatalf("expire: %+v, %v", result, err)
	}
	if result, err = kv.Persist(ctx, "ttl/session"); err != nil || !result.ExpiresAt.IsZero() {
		t.Fatalf("persist: %+v, %v", result, err)
	}
	if _, expires, err := kv.TTL(ctx, "ttl/session"); expires || err != nil {
		t.Fatalf("ttl after persist: %v, %v", expires, err)
	}
	if _, err := kv.Expire(ctx, "ttl/missing", time.Second); !errors.Is(err, ErrNotFound) {
		t.Fatalf("expire of a missing key: %v", err)
	}
	if _, _, err := kv.TTL(ctx, "ttl/missing"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("ttl of a missing key: %v", err)
	}
	// An atomic operation keeps the expiry.
	if _, err := kv.Incr(ctx, "ttl/counter", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Expire(ctx, "ttl/counter", 100*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Incr(ctx, "ttl/counter", 1); err != nil {
		t.Fatal(err)
	}
	if _, expires, _ := kv.TTL(ctx, "ttl/counter"); !expires {
		t.Fatal("incr cleared the expiry")
	}

	w, err := kv.Watch(ctx, WatchOptions{Prefix: "gone/"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := kv.Put(ctx, "gone/k", []byte("v"), WithTTL(time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.PutMany(ctx, map[string]any{"gone/batch": "v"}, WithTTL(time.Second)); err != nil {
		t.Fatal(err)
	}
	events := collect(t, w, 4, 10*time.Second)
	expired := map[string]bool{}
	for _, event := range events[2:] {
		if event.Op != "expire" || event.Value != nil {
			t.Fatalf("events: %s", keysOf(events))
		}
		expired[event.Key] = true
	}
	if !expired["gone/k"] || !expired["gone/batch"] {
		t.Fatalf("events: %s", keysOf(events))
	}
	if _, err := kv.Get(ctx, "gone/k"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("an expired key: %v", err)
	}
}
