// Values as they are read: the typed values' types, Item and its decoders, the results of
// writes and listings, and the texts that PUT ?type=T takes.

package kvactor

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"
)

// Type is the type of a value (contract section 7), as ?type= and X-Kv-Type name it.
type Type string

// The value types of the node.
const (
	TypeBytes Type = "bytes" // any bytes; the default
	TypeInt   Type = "int"   // signed 64-bit, decimal text
	TypeUint  Type = "uint"  // unsigned 64-bit, decimal text
	TypeFloat Type = "float" // IEEE double, the shortest text that reads back equal
	TypeSet   Type = "set"   // set of UTF-8 strings: a JSON array, bytewise sorted
	TypeHash  Type = "hash"  // map of string to string: a JSON object, fields sorted
	TypeJSON  Type = "json"  // any JSON document, compact
)

// Item is one key as read: its value (the bytes the node sent: raw for TypeBytes, the
// type's text otherwise), version, type and expiry. Int, Uint, Float, Set, Hash and JSON
// decode a typed value.
type Item struct {
	Key       string
	Value     []byte    // nil for Head, and for listings without values
	Version   uint64    // 1 when created, +1 on every write
	Type      Type      // TypeBytes unless the value was written typed
	ExpiresAt time.Time // zero when the key does not expire (or the call does not tell)
}

// String returns the value as a string (a bytes value holding text, or a typed value's text).
func (i *Item) String() string { return string(i.Value) }

// Int decodes an int (or uint) value.
func (i *Item) Int() (int64, error) { return decodeInt(i.Value) }

// Uint decodes a uint (or non-negative int) value.
func (i *Item) Uint() (uint64, error) { return decodeUint(i.Value) }

// Float decodes a float value (or any number).
func (i *Item) Float() (float64, error) { return decodeFloat(i.Value) }

// Set decodes a set value: its members, bytewise sorted.
func (i *Item) Set() ([]string, error) { return decodeSet(i.Value) }

// Hash decodes a hash value.
func (i *Item) Hash() (map[string]string, error) { return decodeHash(i.Value) }

// JSON decodes a json (or set or hash) value into v, as json.Unmarshal does.
func (i *Item) JSON(v any) error { return json.Unmarshal(i.Value, v) }

// WriteResult is what a Put did: the key's new version, and whether it created the key.
type WriteResult struct {
	Key     string `json:"key"`
	Version uint64 `json:"version"`
	Created bool   `json:"created"`
}

// ExpiryResult is what Expire and Persist did: the new version and the deadline (zero when
// the key no longer expires).
type ExpiryResult struct {
	Key       string
	Version   uint64
	ExpiresAt time.Time
}

// Page is one page of a listing: its keys in bytewise order, with ListOptions.Values also
// the items (value, version, type), and Next, the cursor for the next page ("" after the
// last; pass it as ListOptions.After).
type Page struct {
	Keys  []string
	Items []Item
	Next  string
}

func decodeInt(text []byte) (int64, error) {
	n, err := strconv.ParseInt(string(text), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("kvactor: value %q is not an int: %w", truncated(text), err)
	}
	return n, nil
}

func decodeUint(text []byte) (uint64, error) {
	n, err := strconv.ParseUint(string(text), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("kvactor: value %q is not a uint: %w", truncated(text), err)
	}
	return n, nil
}

func decodeFloat(text []byte) (float64, error) {
	f, err := strconv.ParseFloat(string(text), 64)
	if err != nil {
		return 0, fmt.Errorf("kvactor: value %q is not a float: %w", truncated(text), err)
	}
	return f, nil
}

func decodeSet(text []byte) ([]string, error) {
	var members []string
	if err := json.Unmarshal(text, &members); err != nil {
		return nil, fmt.Errorf("kvactor: value %q is not a set: %w", truncated(text), err)
	}
	if members == nil {
		members = []string{}
	}
	return members, nil
}

func decodeHash(text []byte) (map[string]string, error) {
	var fields map[string]string
	if err := json.Unmarshal(text, &fields); err != nil {
		return nil, fmt.Errorf("kvactor: value %q is not a hash: %w", truncated(text), err)
	}
	if fields == nil {
		fields = map[string]string{}
	}
	return fields, nil
}

func truncated(text []byte) string {
	if len(text) > 64 {
		return string(text[:64]) + "..."
	}
	return string(text)
}

// The texts PUT ?type=T takes.

func intText(n int64) []byte   { return []byte(strconv.FormatInt(n, 10)) }
func uintText(n uint64) []byte { return []byte(strconv.FormatUint(n, 10)) }

func floatText(f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, &Error{Code: "bad_request", Message: "a float value must be finite"}
	}
	return []byte(strconv.FormatFloat(f, 'g', -1, 64)), nil
}

func setText(members []string) []byte {
	sorted := append([]string{}, members...)
	sort.Strings(sorted)
	text, _ := json.Marshal(sorted) // strings always marshal
	return text
}

func hashText(fields map[string]string) []byte {
	if fields == nil {
		fields = map[string]string{}
	}
	text, _ := json.Marshal(fields)
	return text
}

func unixMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}
