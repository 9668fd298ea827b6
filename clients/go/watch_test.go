// The SSE watch against a real kvnode: events, prefixes, FromRev, resume after a dropped
// connection and after a node restart, reset, the end of its context.

package kvactor

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestWatchEventsOfEveryKind(t *testing.T) {
	node := startNode(t, "")
	kv := newClient(t, node.url(), nil)
	ctx := testContext(t)
	w, err := kv.Watch(ctx, WatchOptions{Prefix: "w1/"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	kv.Put(ctx, "w1/a", []byte("\x00ann"))
	kv.Put(ctx, "other/a", []byte("not watched"))
	kv.PutInt(ctx, "w1/n", 5)
	kv.SAdd(ctx, "w1/s", []string{"x"})
	kv.Delete(ctx, "w1/a")
	kv.Delete(ctx, "w1/missing") // no event
	events := collect(t, w, 4, 10*time.Second)
	if got := keysOf(events); got != "put w1/a, put w1/n, put w1/s, delete w1/a" {
		t.Fatalf("events: %s", got)
	}
	put := events[0]
	if string(put.Value) != "\x00ann" || put.Type != TypeBytes || put.Version != 1 || put.TsMs == 0 || put.Seq == 0 {
		t.Fatalf("put event: %+v", put)
	}
	if n, err := events[1].Int(); n != 5 || err != nil || events[1].Type != TypeInt {
		t.Fatalf("int event: %+v", events[1])
	}
	if s, err := events[2].Set(); err != nil || len(s) != 1 || s[0] != "x" {
		t.Fatalf("set event: %+v", events[2])
	}
	if events[3].Value != nil {
		t.Fatalf("delete event: %+v", events[3])
	}
	for i := 1; i < len(events); i++ {
		if events[i].Rev <= events[i-1].Rev {
			t.Fatalf("revs out of order: %s", keysOf(events))
		}
	}
	if rev, ok := w.LastRev(); !ok || rev != events[3].Rev {
		t.Fatalf("last rev: %d, %v", rev, ok)
	}
}

func TestWatchFromRevReplaysWhatCameAfter(t *testing.T) {
	node := startNode(t, "")
	kv := newClient(t, node.url(), nil)
	ctx := testContext(t)
	var revs []uint64
	for n := 0; n < 3; n++ {
		kv.Put(ctx, fmt.Sprintf("w2/%d", n), []byte("v"))
	}
	w, err := kv.Watch(ctx, WatchOptions{Prefix: "w2/", FromRev: Rev(0)})
	if err != nil {
		t.Fatal(err)
	}
	for _, event := range collect(t, w, 3, 10*time.Second) {
		revs = append(revs, event.Rev)
	}
	w.Close()
	if _, open := <-w.Events(); open || w.Err() != nil {
		t.Fatalf("after Close: open %v, err %v", open, w.Err())
	}
	replay, err := kv.Watch(ctx, WatchOptions{Prefix: "w2/", FromRev: Rev(revs[0])})
	if err != nil {
		t.Fatal(err)
	}
	defer replay.Close()
	kv.Put(ctx, "w2/live", []byte("after"))
	events := collect(t, replay, 3, 10*time.Second)
	if got := keysOf(events); got != "put w2/1, put w2/2, put w2/live" || events[0].Rev != revs[1] {
		t.Fatalf("replay: %s", got)
	}
}

func TestWatchResumesADroppedConnectionWithoutLossOrRepeat(t *testing.T) {
	node := startNode(t, "")
	kv := newClient(t, node.url(), nil)
	proxy := newProxy(t, node.port)
	ctx := testContext(t)
	w, err := newClient(t, proxy.url(), nil).Watch(ctx, WatchOptions{Prefix: "w3/", ReconnectFor: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	kv.Put(ctx, "w3/0", []byte("0"))
	events := collect(t, w, 1, 10*time.Second)
	// The node is out of reach while these are written: the watch must get them later.
	proxy.setPaused(true)
	proxy.cut()
	for n := 1; n < 6; n++ {
		kv.Put(ctx, fmt.Sprintf("w3/%d", n), []byte("v"))
	}
	time.Sleep(300 * time.Millisecond) // the watch fails to reconnect at least once
	proxy.setPaused(false)
	events = append(events, collect(t, w, 5, 15*time.Second)...)
	proxy.cut() // a second drop, at once after an event
	kv.Put(ctx, "w3/6", []byte("6"))
	events = append(events, collect(t, w, 1, 15*time.Second)...)
	want := "put w3/0, put w3/1, put w3/2, put w3/3, put w3/4, put w3/5, put w3/6"
	if got := keysOf(events); got != want {
		t.Fatalf("events: %s", got)
	}
	for i := 1; i < len(events); i++ {
		if events[i].Rev <= events[i-1].Rev {
			t.Fatalf("an event twice or out of order: %s", keysOf(events))
		}
	}
	if w.Reconnects() < 2 || proxy.acceptedCount() < 3 {
		t.Fatalf("reconnects %d, connections %d", w.Reconnects(), proxy.acceptedCount())
	}
}

func TestWatchARevBeforeTheHistoryGetsAReset(t *testing.T) {
	node := startNode(t, "[feed]\nhistory_events = 3\n")
	kv := newClient(t, node.url(), nil)
	ctx := testContext(t)
	for n := 0; n < 10; n++ {
		kv.Put(ctx, fmt.Sprintf("r/%d", n), []byte("v"))
	}
	w, err := kv.Watch(ctx, WatchOptions{Prefix: "r/", FromRev: Rev(1)})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	// A watch with FromRev does not wait for the node to take it, so a write made before the
	// reset arrives may come before the node has the watch, and the reset would then cover
	// it: the reset is read first.
	if reset := collect(t, w, 1, 10*time.Second)[0]; reset.Op != "reset" || reset.Rev != 10 ||
		reset.OldestRev != 8 {
		t.Fatalf("reset: %+v", reset)
	}
	kv.Put(ctx, "r/live", []byte("x"))
	if live := collect(t, w, 1, 10*time.Second)[0]; live.Key != "r/live" || live.Rev != 11 {
		t.Fatalf("live: %+v", live)
	}
}

func TestWatchGoesOnAcrossANodeRestart(t *testing.T) {
	node := startNode(t, "[storage]\npersistence = \"wal\"\n")
	kv := newClient(t, node.url(), nil)
	ctx := testContext(t)
	w, err := kv.Watch(ctx, WatchOptions{ReconnectFor: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	kv.Put(ctx, "restart/a", []byte("1"))
	before := collect(t, w, 1, 10*time.Second)
	if status := node.stop(); status != 0 {
		t.Fatalf("kvnode exited with %d", status)
	}
	node.start(node.port)
	kv.Put(ctx, "restart/b", []byte("2"))
	after := collect(t, w, 1, 20*time.Second)
	if after[0].Key != "restart/b" || after[0].Rev != before[0].Rev+1 {
		t.Fatalf("after the restart: %+v", after[0])
	}
	if w.Reconnects() < 1 {
		t.Fatal("no reconnection")
	}
}

func TestWatchEndsWithItsContext(t *testing.T) {
	node := startNode(t, "")
	kv := newClient(t, node.url(), nil)
	ctx, cancel := context.WithCancel(context.Background())
	w, err := kv.Watch(ctx, WatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case _, open := <-w.Events():
		if open {
			t.Fatal("an event after the end")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the watch did not end")
	}
	if w.Err() != nil {
		t.Fatalf("err: %v", w.Err())
	}
	w.Close() // a second end is harmless
}
