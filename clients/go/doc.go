// Package kvactor is a client of the kvactor key-value node (kvnode) over its HTTP API, with
// only the standard library: keys and values, compare-and-swap, listings with paging, typed
// values and atomic operations, expiry, the change feed over server-sent events with
// automatic resume, TLS (and mutual TLS) and bearer tokens.
//
//	kv, err := kvactor.New("http://127.0.0.1:8080", nil)
//	if err != nil { ... }
//	ctx := context.Background()
//	kv.Put(ctx, "greeting", []byte("hello"))
//	item, err := kv.Get(ctx, "greeting")          // item.Value, item.Version, item.Type
//	_, err = kv.Put(ctx, "config", []byte("v2"), kvactor.IfVersion(1))
//	if errors.Is(err, kvactor.ErrConflict) { ... } // someone else wrote it first
//	hits, err := kv.Incr(ctx, "hits", 1)           // hits.Int()
//
// Every method takes a context.Context and returns an *Error when it fails, which errors.Is
// matches against ErrNotFound, ErrConflict, ErrWrongType, ErrUnauthorized, ErrForbidden,
// ErrBadRequest, ErrPayloadTooLarge, ErrUnavailable, ErrUnreachable, ... Typed values are
// written with PutInt, PutUint, PutFloat, PutSet, PutHash and PutJSON (or PutTyped with the
// type's text), and read back with Item's Int, Uint, Float, Set, Hash and JSON.
//
// Watch delivers the changes of a prefix on a channel and resumes a dropped connection with
// Last-Event-ID, so no change is missed or delivered twice while the node retains it; an
// Event with Op "reset" says that the node no longer had the changes to resume after.
package kvactor
