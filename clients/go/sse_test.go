// The SSE parser alone, and the watch's resume logic against a scripted server: the resume
// point, repeats, resets, error answers and giving up.

package kvactor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestSSEParserGivesTheSameMessagesForAnySplit(t *testing.T) {
	stream := ":heartbeat\r\n\r\nid: 7\r\n\r\nevent: reset\rid: 9\rdata: {\"a\":1}\r\r" +
		"data: one\ndata:two\nid: 10\n\nretry: 5\nunknown: x\ndata\n\n"
	var whole sseParser
	want, err := whole.feed([]byte(stream))
	if err != nil {
		t.Fatal(err)
	}
	expected := []sseMessage{
		{event: "", data: "", lastEventID: "7", hasID: true, hasData: false},
		{event: "reset", data: `{"a":1}`, lastEventID: "9", hasID: true, hasData: true},
		{event: "", data: "one\ntwo", lastEventID: "10", hasID: true, hasData: true},
		{event: "", data: "", lastEventID: "10", hasID: true, hasData: true},
	}
	if !reflect.DeepEqual(want, expected) {
		t.Fatalf("messages: %+v", want)
	}
	for size := 1; size <= 5; size++ {
		var parser sseParser
		var got []sseMessage
		for start := 0; start < len(stream); start += size {
			end := start + size
			if end > len(stream) {
				end = len(stream)
			}
			found, err := parser.feed([]byte(stream[start:end]))
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, found...)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("split every %d bytes: %+v", size, got)
		}
	}
}

func TestSSEParserRefusesAnEndlessLine(t *testing.T) {
	var parser sseParser
	chunk := []byte(strings.Repeat("x", 1<<20))
	for i := 0; i < 17; i++ {
		if _, err := parser.feed(chunk); err != nil {
			return
		}
	}
	t.Fatal("a 17 MiB line was taken")
}

func sseEvent(rev uint64) string {
	document, _ := json.Marshal(map[string]any{"op": "put", "key": "k", "value": "dg==", "version": 1,
		"partition": 0, "seq": rev, "rev": rev, "ts_ms": 1})
	return fmt.Sprintf("id: %d\ndata: %s\n\n", rev, document)
}

// scriptedNode answers the n-th GET /v1/watch with the n-th body, then ends the stream; 503
// after the script.
type scriptedNode struct {
	server *httptest.Server
	mu     sync.Mutex
	seen   []string // the Last-Event-ID of each request ("-" for none)
}

func newScriptedNode(t *testing.T, status int, contentType string, bodies ...string) *scriptedNode {
	s := &scriptedNode{}
	s.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		id := "-"
		if values, ok := r.Header["Last-Event-Id"]; ok {
			id = values[0]
		}
		s.seen = append(s.seen, id)
		n := len(s.seen)
		s.mu.Unlock()
		if n > len(bodies) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(503)
			w.Write([]byte(`{"error":"unavailable","message":"draining"}`))
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		w.Write([]byte(bodies[n-1]))
	}))
	t.Cleanup(s.server.Close)
	return s
}

func (s *scriptedNode) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string{}, s.seen...)
}

func scriptedWatch(t *testing.T, s *scriptedNode, opts WatchOptions) *Watch {
	t.Helper()
	opts.ReconnectFor = time.Second
	w, err := newClient(t, s.server.URL, nil).Watch(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func revsOf(events []Event) []uint64 {
	revs := make([]uint64, len(events))
	for i, event := range events {
		revs[i] = event.Rev
	}
	return revs
}

func TestWatchReconnectsWithTheLastEventIDAndSkipsRepeats(t *testing.T) {
	s := newScriptedNode(t, 200, "text/event-stream",
		"id: 1\n\n"+sseEvent(2)+":\n\n"+sseEvent(3), sseEvent(2)+sseEvent(3)+sseEvent(4))
	w := scriptedWatch(t, s, WatchOptions{Prefix: "user:"})
	if revs := revsOf(collect(t, w, 3, 5*time.Second)); !reflect.DeepEqual(revs, []uint64{2, 3, 4}) {
		t.Fatalf("revs: %v", revs)
	}
	if seen := s.requests()[:2]; !reflect.DeepEqual(seen, []string{"-", "3"}) {
		t.Fatalf("Last-Event-ID: %q", seen)
	}
}

func TestWatchFromRevIsTheFirstResumePoint(t *testing.T) {
	s := newScriptedNode(t, 200, "text/event-stream", sseEvent(6))
	w := scriptedWatch(t, s, WatchOptions{FromRev: Rev(5)})
	if revs := revsOf(collect(t, w, 1, 5*time.Second)); revs[0] != 6 || s.requests()[0] != "5" {
		t.Fatalf("revs %v, requests %q", revs, s.requests())
	}
}

func TestWatchStreamPositionIsAResumePoint(t *testing.T) {
	s := newScriptedNode(t, 200, "text/event-stream", "id: 41\n\n", sseEvent(42))
	w := scriptedWatch(t, s, WatchOptions{})
	if revs := revsOf(collect(t, w, 1, 5*time.Second)); revs[0] != 42 || s.requests()[1] != "41" {
		t.Fatalf("revs %v, requests %q", revs, s.requests())
	}
}

func TestWatchResetIsDeliveredAndMovesTheResumePoint(t *testing.T) {
	reset := "event: reset\nid: 30\ndata: {\"rev\":30,\"oldest_rev\":21}\n\n"
	s := newScriptedNode(t, 200, "text/event-stream", reset, sseEvent(31))
	w := scriptedWatch(t, s, WatchOptions{FromRev: Rev(3)})
	events := collect(t, w, 2, 5*time.Second)
	if events[0].Op != "reset" || events[0].Rev != 30 || events[0].OldestRev != 21 {
		t.Fatalf("reset: %+v", events[0])
	}
	if events[1].Rev != 31 || string(events[1].Value) != "v" || s.requests()[1] != "30" {
		t.Fatalf("after the reset: %+v, requests %q", events[1], s.requests())
	}
}

func TestWatchResetToALowerRevLetsTheLowerRevsThrough(t *testing.T) {
	// A node restarted without persistence numbers its events from 1 again.
	reset := "event: reset\nid: 2\ndata: {\"rev\":2,\"oldest_rev\":1}\n\n"
	s := newScriptedNode(t, 200, "text/event-stream", sseEvent(50), reset+sseEvent(3))
	w := scriptedWatch(t, s, WatchOptions{})
	if got := keysOf(collect(t, w, 3, 5*time.Second)); got != "put k, reset , put k" {
		t.Fatalf("events: %s", got)
	}
}

func TestWatchMalformedResetIsAnError(t *testing.T) {
	s := newScriptedNode(t, 200, "text/event-stream", "event: reset\nid: 30\ndata: {}\n\n")
	w := scriptedWatch(t, s, WatchOptions{})
	if _, open := <-w.Events(); open || !errors.Is(w.Err(), ErrProtocol) {
		t.Fatalf("open %v, err %v", open, w.Err())
	}
}

func TestWatchErrorReplyIsReturnedAtOnce(t *testing.T) {
	s := newScriptedNode(t, 400, "application/json", `{"error":"bad_request","message":"since_rev must be a number"}`)
	_, err := newClient(t, s.server.URL, nil).Watch(context.Background(), WatchOptions{})
	var kvErr *Error
	if !errors.Is(err, ErrBadRequest) || !errors.As(err, &kvErr) || kvErr.Message != "since_rev must be a number" {
		t.Fatalf("err: %v", err)
	}
}

func TestWatchReplyThatIsNoEventStreamIsAnError(t *testing.T) {
	s := newScriptedNode(t, 200, "text/html", "<html>not a kvnode</html>")
	_, err := newClient(t, s.server.URL, nil).Watch(context.Background(), WatchOptions{})
	if !errors.Is(err, ErrProtocol) || !strings.Contains(err.Error(), "text/html") {
		t.Fatalf("err: %v", err)
	}
}

func TestWatchGivesUpWhenReconnectingKeepsFailing(t *testing.T) {
	s := newScriptedNode(t, 200, "text/event-stream", sseEvent(1))
	w := scriptedWatch(t, s, WatchOptions{})
	collect(t, w, 1, 5*time.Second)
	select {
	case _, open := <-w.Events():
		if open {
			t.Fatal("an event after the script")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the watch did not give up")
	}
	if !errors.Is(w.Err(), ErrUnavailable) {
		t.Fatalf("err: %v", w.Err())
	}
	seen := s.requests()
	if len(seen) < 3 {
		t.Fatalf("it did not retry: %q", seen)
	}
	for _, id := range seen[1:] {
		if id != "1" {
			t.Fatalf("Last-Event-ID: %q", seen)
		}
	}
}
