// Atomic operations on typed values (incr, sadd, srem, hset, hdel), typed reads, and expiry
// (contract sections 7 and 8).

package kvactor

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// operate applies one atomic operation (POST /v1/keys/{key}?op=OP) and returns the key with
// its new value, version and type.
func (c *Client) operate(ctx context.Context, key, op string, body []byte, opts []WriteOption,
	idempotent bool) (*Item, error) {
	o := collectOptions(opts)
	params, err := writeOptions{ifVersion: o.ifVersion}.params()
	if err != nil {
		return nil, err
	}
	params.Set("op", op)
	if o.typ != "" {
		params.Set("type", string(o.typ))
	}
	target, err := keyTarget(key, params)
	if err != nil {
		return nil, err
	}
	var document struct {
		Key     string          `json:"key"`
		Version uint64          `json:"version"`
		Type    Type            `json:"type"`
		Value   json.RawMessage `json:"value"`
	}
	contentType := ""
	if body != nil {
		contentType = "application/json"
	} else {
		body = []byte{}
	}
	if err := c.callJSON(ctx, http.MethodPost, target, body, contentType, idempotent, &document); err != nil {
		return nil, err
	}
	item := &Item{Key: document.Key, Version: document.Version, Type: document.Type, Value: document.Value}
	// Numbers come as a JSON string of the text GET prints; sets and hashes as JSON.
	var text string
	if json.Unmarshal(document.Value, &text) == nil {
		item.Value = []byte(text)
	}
	return item, nil
}

// Incr adds amount (may be negative) to the int or uint at key, atomically, and returns the
// key with its new value (Item.Int, Item.Uint). A missing key starts at 0, of type TypeInt
// or the one AsType names. Options: IfVersion, AsType. A key of another type is
// ErrWrongType; a result out of range is ErrBadRequest and writes nothing.
func (c *Client) Incr(ctx context.Context, key string, amount int64, opts ...WriteOption) (*Item, error) {
	return c.operate(ctx, key, "incr", intText(amount), opts, false)
}

// IncrFloat adds amount to the float at key, atomically (a missing key is created as
// TypeFloat unless AsType says otherwise), and returns the key with its new value
// (Item.Float).
func (c *Client) IncrFloat(ctx context.Context, key string, amount float64, opts ...WriteOption) (*Item, error) {
	text, err := floatText(amount)
	if err != nil {
		return nil, err
	}
	if collectOptions(opts).typ == "" {
		opts = append(append([]WriteOption{}, opts...), AsType(TypeFloat))
	}
	return c.operate(ctx, key, "incr", text, opts, false)
}

func stringsJSON(names []string) []byte {
	if names == nil {
		names = []string{}
	}
	text, _ := json.Marshal(names)
	return text
}

// SAdd adds members to the set at key (created when missing) and returns the key with the
// whole new set (Item.Set). Option: IfVersion.
func (c *Client) SAdd(ctx context.Context, key string, members []string, opts ...WriteOption) (*Item, error) {
	return c.operate(ctx, key, "sadd", stringsJSON(members), opts, true)
}

// SRem removes members from the set at key; an emptied set stays. Option: IfVersion.
func (c *Client) SRem(ctx context.Context, key string, members []string, opts ...WriteOption) (*Item, error) {
	return c.operate(ctx, key, "srem", stringsJSON(members), opts, true)
}

// SMembers returns the members of the set at key, bytewise sorted.
func (c *Client) SMembers(ctx context.Context, key string) ([]string, error) {
	item, err := c.typed(ctx, key, TypeSet)
	if err != nil {
		return nil, err
	}
	return item.Set()
}

// SIsMember tells whether member is in the set at key (ErrNotFound for a missing key,
// ErrWrongType for a key that is no set).
func (c *Client) SIsMember(ctx context.Context, key, member string) (bool, error) {
	target, err := keyTarget(key, url.Values{"member": {member}})
	if err != nil {
		return false, err
	}
	var result struct {
		Member bool `json:"member"`
	}
	err = c.callJSON(ctx, http.MethodGet, target, nil, "", true, &result)
	return result.Member, err
}

// HSet sets fields of the hash at key (created when missing) and returns the key with the
// whole new hash (Item.Hash). Option: IfVersion.
func (c *Client) HSet(ctx context.Context, key string, fields map[string]string, opts ...WriteOption) (*Item, error) {
	return c.operate(ctx, key, "hset", hashText(fields), opts, true)
}

// HDel removes fields from the hash at key; an emptied hash stays. Option: IfVersion.
func (c *Client) HDel(ctx context.Context, key string, fields []string, opts ...WriteOption) (*Item, error) {
	return c.operate(ctx, key, "hdel", stringsJSON(fields), opts, true)
}

// HGet returns the value of field in the hash at key (ErrNotFound for a missing key or field,
// ErrWrongType for a key that is no hash).
func (c *Client) HGet(ctx context.Context, key, field string) (string, error) {
	target, err := keyTarget(key, url.Values{"field": {field}})
	if err != nil {
		return "", err
	}
	r, err := c.call(ctx, http.MethodGet, target, nil, "", true)
	if err != nil {
		return "", err
	}
	return string(r.body), nil
}

// HGetAll returns every field of the hash at key.
func (c *Client) HGetAll(ctx context.Context, key string) (map[string]string, error) {
	item, err := c.typed(ctx, key, TypeHash)
	if err != nil {
		return nil, err
	}
	return item.Hash()
}

func (c *Client) typed(ctx context.Context, key string, wanted Type) (*Item, error) {
	item, err := c.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	if item.Type != wanted {
		return nil, &Error{Status: 409, Code: "wrong_type",
			Message: "key `" + key + "` holds a value of type " + string(item.Type) + ", not " + string(wanted)}
	}
	return item, nil
}

// -- expiry ---------------------------------------------------------------------------------

// Expire makes key expire d (whole seconds, 1 s to 10^9 s) from now. Option: IfVersion.
func (c *Client) Expire(ctx context.Context, key string, d time.Duration, opts ...WriteOption) (*ExpiryResult, error) {
	if d < time.Second || d%time.Second != 0 {
		return nil, &Error{Code: "bad_request", Message: "a ttl must be whole seconds, at least 1 s, not " + d.String()}
	}
	return c.expiry(ctx, key, "expire", []byte(strconv.FormatInt(int64(d/time.Second), 10)), opts)
}

// Persist removes key's expiry. Option: IfVersion.
func (c *Client) Persist(ctx context.Context, key string, opts ...WriteOption) (*ExpiryResult, error) {
	return c.expiry(ctx, key, "persist", []byte{}, opts)
}

func (c *Client) expiry(ctx context.Context, key, op string, body []byte, opts []WriteOption) (*ExpiryResult, error) {
	params, err := writeOptions{ifVersion: collectOptions(opts).ifVersion}.params()
	if err != nil {
		return nil, err
	}
	params.Set("op", op)
	target, err := keyTarget(key, params)
	if err != nil {
		return nil, err
	}
	var document struct {
		Key       string `json:"key"`
		Version   uint64 `json:"version"`
		ExpiresAt *int64 `json:"expires_at"`
	}
	if err := c.callJSON(ctx, http.MethodPost, target, body, "", true, &document); err != nil {
		return nil, err
	}
	result := &ExpiryResult{Key: document.Key, Version: document.Version}
	if document.ExpiresAt != nil {
		result.ExpiresAt = unixMillis(*document.ExpiresAt)
	}
	return result, nil
}

// TTL returns how long key has left, and false when it does not expire. A missing key is
// ErrNotFound.
func (c *Client) TTL(ctx context.Context, key string) (time.Duration, bool, error) {
	item, err := c.Head(ctx, key)
	if err != nil {
		return 0, false, err
	}
	if item.ExpiresAt.IsZero() {
		return 0, false, nil
	}
	left := time.Until(item.ExpiresAt)
	if left < 0 {
		left = 0
	}
	return left, true, nil
}
