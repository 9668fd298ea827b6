// The change feed over GET /v1/watch: events on a channel, the connection resumed with
// Last-Event-ID after every drop, repeats skipped by rev, resets delivered (contract section 3).

package kvactor

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Event is one change of the feed (contract section 3), or a reset.
type Event struct {
	// Op is "put", "delete" or "expire"; or "reset" when the node no longer retains the
	// events after the resume point: the changes up to Rev that the watch had not seen are
	// lost to it, so re-read what you need (e.g. list the prefix); the watch goes on with the
	// events after Rev.
	Op        string
	Key       string
	Value     []byte // on put: the new value (raw bytes, or a typed value's text); else nil
	Type      Type   // the value's type (TypeBytes unless the write was typed)
	Version   uint64 // the key's version after a put (before a delete or expiry)
	Partition int    // the owning partition
	Seq       uint64 // the partition's gap-free sequence number
	Rev       uint64 // the node-wide gap-free revision: the position to resume after
	TsMs      int64  // when the node applied it, Unix milliseconds
	OldestRev uint64 // reset only: the oldest event the node still retains (0: none)
	// Raw is the event's JSON as the node sent it.
	Raw json.RawMessage
}

// Int decodes an int (or uint) value.
func (e *Event) Int() (int64, error) { return decodeInt(e.Value) }

// Uint decodes a uint value.
func (e *Event) Uint() (uint64, error) { return decodeUint(e.Value) }

// Float decodes a float value.
func (e *Event) Float() (float64, error) { return decodeFloat(e.Value) }

// Set decodes a set value.
func (e *Event) Set() ([]string, error) { return decodeSet(e.Value) }

// Hash decodes a hash value.
func (e *Event) Hash() (map[string]string, error) { return decodeHash(e.Value) }

// JSON decodes a json (or set or hash) value into v.
func (e *Event) JSON(v any) error { return json.Unmarshal(e.Value, v) }

// WatchOptions select what a Watch sees and how it waits.
type WatchOptions struct {
	Prefix string // only keys that start with it ("": every key the token may read)
	// FromRev starts the watch after this rev: every retained change after it first, then the
	// live ones. nil: with the next change. Rev(n) makes one.
	FromRev *uint64
	// IdleTimeout is the silence after which a connection counts as dead (the node sends a
	// heartbeat at least every 15 s). Default 30 s.
	IdleTimeout time.Duration
	// ReconnectFor is how long reconnecting may keep failing before the watch ends with the
	// error (ErrUnreachable, or the node's). Default 10 s.
	ReconnectFor time.Duration
	// Buffer is the capacity of the Events channel (default 0: unbuffered).
	Buffer int
}

// Rev returns a pointer to n, for WatchOptions.FromRev.
func Rev(n uint64) *uint64 { return &n }

// Watch delivers the changes of a prefix on a channel, over GET /v1/watch (server-sent
// events). When the connection drops (the node restarts or drains, a proxy cuts it, nothing
// came for IdleTimeout), it reconnects with Last-Event-ID set to the last event delivered, so
// the node sends what was missed first: no change is lost or delivered twice while the node
// retains it (events the node sends again are skipped by their rev). Reconnecting is retried
// with growing pauses; when it keeps failing for ReconnectFor, or the node refuses the watch,
// the channel closes and Err tells why.
//
//	w, err := client.Watch(ctx, kvactor.WatchOptions{Prefix: "user:"})
//	if err != nil { ... }
//	defer w.Close()
//	for event := range w.Events() {
//		fmt.Println(event.Op, event.Key, string(event.Value))
//	}
//	if err := w.Err(); err != nil { ... }
type Watch struct {
	client *Client
	opts   WatchOptions
	events chan Event
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	mu          sync.Mutex
	err         error
	lastRev     uint64
	hasLastRev  bool
	resumeID    string
	hasResumeID bool
	reconnects  int
}

// errStopped ends the read loop when the watch's context is done.
var errStopped = errors.New("watch stopped")

// After a stream that ended without a single message the next connection waits this long, so
// that a node that ends every stream at once (one that is shutting down) is not hammered.
const emptyStreamPause = time.Second

// Watch starts watching the changes of opts.Prefix. The first connection is made before it
// returns, so a refused watch (ErrUnauthorized, ErrForbidden) is its error, and every change
// made after it returns is delivered. The watch ends when ctx is done, on Close, or when it
// cannot go on (see Err).
func (c *Client) Watch(ctx context.Context, opts WatchOptions) (*Watch, error) {
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 30 * time.Second
	}
	if opts.ReconnectFor <= 0 {
		opts.ReconnectFor = 10 * time.Second
	}
	w := &Watch{client: c, opts: opts, events: make(chan Event, opts.Buffer), done: make(chan struct{})}
	if opts.FromRev != nil {
		w.lastRev, w.hasLastRev = *opts.FromRev, true
		w.resumeID, w.hasResumeID = strconv.FormatUint(*opts.FromRev, 10), true
	}
	w.ctx, w.cancel = context.WithCancel(ctx)
	stream, err := w.open()
	if err == nil && opts.FromRev == nil {
		if err = stream.awaitFirstMessage(c.base); err != nil {
			stream.close()
		}
	}
	if err != nil {
		w.cancel()
		return nil, err
	}
	go w.run(stream)
	return w, nil
}

// Events returns the channel of changes. It is closed when the watch ends.
func (w *Watch) Events() <-chan Event { return w.events }

// Err returns, once Events is closed, why the watch ended: nil after Close or the end of its
// context, else the error (ErrUnreachable, ErrUnauthorized, ErrProtocol, ...).
func (w *Watch) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// Close ends the watch and waits until its connection is closed and Events is closed.
func (w *Watch) Close() error {
	w.cancel()
	<-w.done
	return nil
}

// LastRev returns the rev of the last change delivered (or the stream position the node
// started from), and false when there is none yet: a later watch with FromRev set to it goes
// on from there. It is never older than the last event received from Events; while one waits
// for room in the channel it may already be that event's.
func (w *Watch) LastRev() (uint64, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.lastRev, w.hasLastRev
}

// Reconnects returns how many times the watch reconnected after a dropped connection.
func (w *Watch) Reconnects() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.reconnects
}

// stream is one open GET /v1/watch.
type stream struct {
	body    io.ReadCloser
	cancel  context.CancelFunc
	idle    *time.Timer // cancels the connection after IdleTimeout without a byte
	parser  sseParser
	pending []sseMessage // parsed, not yet taken
}

// awaitFirstMessage reads until the stream's first message is parsed (a new stream starts with
// its position): from then on the node has the watch, and every later write reaches it.
func (s *stream) awaitFirstMessage(base string) error {
	buffer := make([]byte, 4096)
	for len(s.pending) == 0 {
		n, err := s.body.Read(buffer)
		if n > 0 {
			found, parseErr := s.parser.feed(buffer[:n])
			s.pending = append(s.pending, found...)
			if parseErr != nil {
				return protocolError("%v", parseErr)
			}
		}
		if err != nil && len(s.pending) == 0 {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return unreachable(base, err)
		}
	}
	return nil
}

func (s *stream) close() {
	s.idle.Stop()
	s.cancel()
	s.body.Close()
}

// open makes one GET /v1/watch with the resume point.
func (w *Watch) open() (*stream, error) {
	ctx, cancel := context.WithCancel(w.ctx)
	target := "/v1/watch"
	if w.opts.Prefix != "" {
		target += "?" + url.Values{"prefix": {w.opts.Prefix}}.Encode()
	}
	request, err := w.client.newRequest(ctx, http.MethodGet, target, nil, "")
	if err != nil {
		cancel()
		return nil, err
	}
	request.Header.Set("Accept", "text/event-stream")
	w.mu.Lock()
	if w.hasResumeID {
		request.Header.Set("Last-Event-ID", w.resumeID)
	}
	w.mu.Unlock()
	idle := time.AfterFunc(w.opts.IdleTimeout, cancel)
	response, err := w.client.http.Do(request)
	if err != nil {
		idle.Stop()
		cancel()
		return nil, unreachable(w.client.base, err)
	}
	if response.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(response.Body, 64<<10))
		response.Body.Close()
		idle.Stop()
		cancel()
		return nil, errorFromReply(response.StatusCode, body, response.Header)
	}
	if kind := response.Header.Get("Content-Type"); !strings.HasPrefix(kind, "text/event-stream") {
		response.Body.Close()
		idle.Stop()
		cancel()
		// Something else answers at the URL; no reconnection will change that.
		return nil, protocolError("unexpected reply from %s: /v1/watch answered with `%s`, not an event stream",
			w.client.base, kind)
	}
	return &stream{body: response.Body, cancel: cancel, idle: idle}, nil
}

func (w *Watch) run(s *stream) {
	defer func() {
		w.cancel()
		close(w.events)
		close(w.done)
	}()
	for {
		messages, err := w.consume(s)
		s.close()
		if err != nil {
			w.fail(err)
			return
		}
		if w.ctx.Err() != nil {
			return
		}
		if messages == 0 && !w.sleep(emptyStreamPause) {
			return
		}
		w.mu.Lock()
		w.reconnects++
		w.mu.Unlock()
		if s, err = w.reconnect(); err != nil || s == nil {
			w.fail(err)
			return
		}
	}
}

func (w *Watch) fail(err error) {
	if err == nil || errors.Is(err, errStopped) || w.ctx.Err() != nil {
		return
	}
	w.mu.Lock()
	w.err = err
	w.mu.Unlock()
}

func (w *Watch) sleep(d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-w.ctx.Done():
		return false
	}
}

// reconnect retries with growing pauses until a stream opens, or ReconnectFor has passed.
// It returns nil, nil when the watch's context ended meanwhile.
func (w *Watch) reconnect() (*stream, error) {
	giveUpAt := time.Now().Add(w.opts.ReconnectFor)
	pause := 100 * time.Millisecond
	for {
		s, err := w.open()
		if err == nil {
			return s, nil
		}
		if w.ctx.Err() != nil {
			return nil, nil
		}
		// Unreachable: the node restarts; unavailable (503): it is starting or draining.
		var kvErr *Error
		retryable := errors.As(err, &kvErr) && (kvErr.Code == CodeUnreachable || kvErr.Code == "unavailable")
		if !retryable || time.Now().Add(pause).After(giveUpAt) {
			return nil, err
		}
		if !w.sleep(pause) {
			return nil, nil
		}
		if pause *= 2; pause > 2*time.Second {
			pause = 2 * time.Second
		}
	}
}

// consume reads one stream until it ends (nil: reconnect) or the watch cannot go on.
func (w *Watch) consume(s *stream) (int, error) {
	buffer := make([]byte, 64<<10)
	messages := 0
	s.idle.Stop()
	for _, message := range s.pending {
		messages++
		if err := w.take(message); err != nil {
			return messages, err
		}
	}
	s.pending = nil
	s.idle.Reset(w.opts.IdleTimeout)
	for {
		n, readErr := s.body.Read(buffer)
		if n > 0 {
			s.idle.Stop() // a slow receiver of Events must not make the connection look idle
			found, err := s.parser.feed(buffer[:n])
			for _, message := range found {
				messages++
				if err := w.take(message); err != nil {
					return messages, err
				}
			}
			if err != nil {
				return messages, protocolError("%v", err)
			}
			s.idle.Reset(w.opts.IdleTimeout)
		}
		if readErr != nil {
			return messages, nil // the end of the stream, a drop, or the idle timeout
		}
	}
}

// take handles one message: delivers an event or a reset, skips a repeat, moves the
// resume point.
func (w *Watch) take(message sseMessage) error {
	var event *Event
	switch {
	case !message.hasData:
		// A new stream's position: the newest event it follows.
		if rev, err := strconv.ParseUint(message.lastEventID, 10, 64); err == nil && message.hasID {
			w.mu.Lock()
			w.lastRev, w.hasLastRev = rev, true
			w.mu.Unlock()
		}
	case message.event == "reset":
		var document struct {
			Rev       *uint64 `json:"rev"`
			OldestRev *uint64 `json:"oldest_rev"`
		}
		if json.Unmarshal([]byte(message.data), &document) != nil || document.Rev == nil || document.OldestRev == nil {
			return protocolError("unexpected reset event from the node: %s", message.data)
		}
		event = &Event{Op: "reset", Rev: *document.Rev, OldestRev: *document.OldestRev, Raw: json.RawMessage(message.data)}
	case message.event == "" || message.event == "message":
		parsed, err := parseEvent(message.data)
		if err != nil {
			return err
		}
		w.mu.Lock()
		repeat := w.hasLastRev && parsed.Rev <= w.lastRev
		w.mu.Unlock()
		if !repeat {
			event = parsed
		}
	}
	if event != nil {
		// Moved before the send, so that a caller who has received the event never reads an
		// older LastRev; taken back when the watch stops before the event is handed over.
		w.mu.Lock()
		previous, hadPrevious := w.lastRev, w.hasLastRev
		w.lastRev, w.hasLastRev = event.Rev, true
		w.mu.Unlock()
		select {
		case w.events <- *event:
		case <-w.ctx.Done():
			w.mu.Lock()
			w.lastRev, w.hasLastRev = previous, hadPrevious
			w.mu.Unlock()
			return errStopped
		}
	}
	// Only a handled message moves the resume point.
	if message.hasID {
		w.mu.Lock()
		w.resumeID, w.hasResumeID = message.lastEventID, true
		w.mu.Unlock()
	}
	return nil
}

func parseEvent(data string) (*Event, error) {
	var document struct {
		Op        string  `json:"op"`
		Key       *string `json:"key"`
		Value     *string `json:"value"`
		Type      Type    `json:"type"`
		Version   uint64  `json:"version"`
		Partition int     `json:"partition"`
		Seq       uint64  `json:"seq"`
		Rev       *uint64 `json:"rev"`
		TsMs      int64   `json:"ts_ms"`
	}
	if err := json.Unmarshal([]byte(data), &document); err != nil || document.Key == nil || document.Rev == nil || document.Op == "" {
		return nil, protocolError("unexpected event from the node: %s", truncated([]byte(data)))
	}
	event := &Event{Op: document.Op, Key: *document.Key, Type: document.Type, Version: document.Version,
		Partition: document.Partition, Seq: document.Seq, Rev: *document.Rev, TsMs: document.TsMs,
		Raw: json.RawMessage(data)}
	if event.Type == "" {
		event.Type = TypeBytes
	}
	if document.Value != nil {
		value, err := base64.StdEncoding.DecodeString(*document.Value)
		if err != nil {
			return nil, protocolError("the value of an event of %q is not base64", event.Key)
		}
		event.Value = value
	}
	return event, nil
}
