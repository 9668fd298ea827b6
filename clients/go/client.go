// The client of one kvnode: its URL, TLS and token, the request plumbing, and the routes of one
// key, of many keys and of the node itself (contract sections 1, 2, 10).

package kvactor

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// DefaultURL is where kvnode listens by default.
const DefaultURL = "http://127.0.0.1:8080"

// Version is this client's version, sent in its User-Agent.
const Version = "0.1.0"

// Options configure a Client. The zero value is a plain-HTTP client without a token.
type Options struct {
	// Token is a bearer token, sent as "Authorization: Bearer TOKEN" on every request.
	Token string
	// CAFile holds PEM CA certificates to verify the node's certificate with (https only;
	// default: the system's CAs).
	CAFile string
	// CertFile and KeyFile are a client certificate and its key, for a node that requires one
	// (mutual TLS).
	CertFile, KeyFile string
	// TLSConfig is used instead of CAFile, CertFile and KeyFile when set.
	TLSConfig *tls.Config
	// Timeout bounds every call but Watch, unless its context has an earlier deadline.
	// Default 10 s; negative: no bound.
	Timeout time.Duration
	// HTTPClient replaces the client's own *http.Client (its TLS settings then apply, not the
	// ones above). It must have no Timeout, which would cut watches.
	HTTPClient *http.Client
}

// Client is a client of one kvnode over HTTP/1.1 with kept-alive connections. It is safe for
// concurrent use. Every method takes a context, and returns an *Error (matching ErrNotFound,
// ErrConflict, ... with errors.Is) when it fails.
type Client struct {
	base    string // scheme://host:port and any path prefix, without a trailing '/'
	token   string
	timeout time.Duration
	http    *http.Client
}

// New makes a client of the node at baseURL ("http://HOST:PORT" or "https://HOST:PORT"; a
// path after it is kept as a prefix of every route, for a node behind a proxy). opts may be
// nil.
func New(baseURL string, opts *Options) (*Client, error) {
	if opts == nil {
		opts = &Options{}
	}
	if !strings.Contains(baseURL, "://") {
		baseURL = "http://" + baseURL
	}
	parsed, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("kvactor: invalid URL %q: %w", baseURL, err)
	}
	if parsed.Scheme != "http" && parsed.Scheme != "https" {
		return nil, fmt.Errorf("kvactor: invalid URL %q: the scheme must be http or https", baseURL)
	}
	if parsed.Host == "" || parsed.Hostname() == "" {
		return nil, fmt.Errorf("kvactor: invalid URL %q: the host is missing", baseURL)
	}
	if parsed.User != nil {
		return nil, fmt.Errorf("kvactor: invalid URL %q: user names and passwords are not supported", baseURL)
	}
	if parsed.RawQuery != "" || parsed.Fragment != "" {
		return nil, fmt.Errorf("kvactor: invalid URL %q: a query or fragment is not supported", baseURL)
	}
	c := &Client{
		base:    parsed.Scheme + "://" + parsed.Host + strings.TrimRight(parsed.EscapedPath(), "/"),
		token:   opts.Token,
		timeout: opts.Timeout,
		http:    opts.HTTPClient,
	}
	if c.timeout == 0 {
		c.timeout = 10 * time.Second
	}
	if c.http == nil {
		tlsConfig := opts.TLSConfig
		if tlsConfig == nil && (opts.CAFile != "" || opts.CertFile != "") {
			if parsed.Scheme != "https" {
				return nil, fmt.Errorf("kvactor: TLS options need an https:// URL, not %q", baseURL)
			}
			if tlsConfig, err = loadTLS(opts); err != nil {
				return nil, err
			}
		}
		transport := http.DefaultTransport.(*http.Transport).Clone()
		transport.Proxy = nil // a node is reached directly, as kvctl does
		transport.TLSClientConfig = tlsConfig
		transport.MaxIdleConnsPerHost = 16
		c.http = &http.Client{Transport: transport}
	}
	return c, nil
}

func loadTLS(opts *Options) (*tls.Config, error) {
	config := &tls.Config{MinVersion: tls.VersionTLS12}
	if opts.CAFile != "" {
		pem, err := os.ReadFile(opts.CAFile)
		if err != nil {
			return nil, fmt.Errorf("kvactor: CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("kvactor: CA file %s holds no PEM certificate", opts.CAFile)
		}
		config.RootCAs = pool
	}
	if opts.CertFile != "" {
		keyFile := opts.KeyFile
		if keyFile == "" {
			keyFile = opts.CertFile
		}
		pair, err := tls.LoadX509KeyPair(opts.CertFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("kvactor: client certificate: %w", err)
		}
		config.Certificates = []tls.Certificate{pair}
	}
	return config, nil
}

// URL returns the node's base URL.
func (c *Client) URL() string { return c.base }

// Close closes the idle kept-alive connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// -- the plumbing ---------------------------------------------------------------------------

// reply is a complete answer.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// keyTarget is /v1/keys/{key}?params: every byte of the key but unreserved ones and '/' is
// escaped as %XX, so any UTF-8 key reaches the node exactly as given.
func keyTarget(key string, params url.Values) (string, error) {
	if key == "" {
		return "", &Error{Code: "bad_request", Message: "a key must not be empty"}
	}
	return "/v1/keys/" + escapeKey(key) + encodeQuery(params), nil
}

func escapeKey(key string) string {
	const hex = "0123456789ABCDEF"
	var out strings.Builder
	for i := 0; i < len(key); i++ {
		b := key[i]
		if 'A' <= b && b <= 'Z' || 'a' <= b && b <= 'z' || '0' <= b && b <= '9' ||
			b == '-' || b == '.' || b == '_' || b == '~' || b == '/' {
			out.WriteByte(b)
		} else {
			out.WriteByte('%')
			out.WriteByte(hex[b>>4])
			out.WriteByte(hex[b&15])
		}
	}
	return out.String()
}

// encodeQuery is "?a=1&b=2" or "". The node reads '+' as a space, as url.Values encodes it.
func encodeQuery(params url.Values) string {
	if len(params) == 0 {
		return ""
	}
	return "?" + params.Encode()
}

// do sends one request and reads its whole answer. A request that fails on a kept-alive
// connection the node had closed while it was idle never reached the node: an idempotent
// one is sent again, once.
func (c *Client) do(ctx context.Context, method, target string, body []byte, contentType string,
	idempotent bool) (*reply, error) {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	for attempt := 1; ; attempt++ {
		reused := false
		trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused }}
		request, err := c.newRequest(httptrace.WithClientTrace(ctx, trace), method, target, body, contentType)
		if err != nil {
			return nil, err
		}
		response, err := c.http.Do(request)
		if err == nil {
			data, readErr := io.ReadAll(response.Body)
			response.Body.Close()
			if readErr == nil {
				return &reply{response.StatusCode, response.Header, data}, nil
			}
			err = readErr
		}
		if reused && idempotent && attempt == 1 && ctx.Err() == nil && isStaleConnection(err) {
			continue
		}
		return nil, unreachable(c.base, err)
	}
}

func isStaleConnection(err error) bool {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	text := err.Error()
	return strings.Contains(text, "connection reset") || strings.Contains(text, "broken pipe") ||
		strings.Contains(text, "server closed idle connection")
}

func (c *Client) newRequest(ctx context.Context, method, target string, body []byte,
	contentType string) (*http.Request, error) {
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	request, err := http.NewRequestWithContext(ctx, method, c.base+target, reader)
	if err != nil {
		return nil, &Error{Code: "bad_request", Message: err.Error(), Err: err}
	}
	request.Header.Set("User-Agent", "kvactor-go/"+Version)
	if c.token != "" {
		request.Header.Set("Authorization", "Bearer "+c.token)
	}
	if contentType != "" {
		request.Header.Set("Content-Type", contentType)
	}
	return request, nil
}

// call is do with an error for any status but 2xx.
func (c *Client) call(ctx context.Context, method, target string, body []byte, contentType string,
	idempotent bool) (*reply, error) {
	r, err := c.do(ctx, method, target, body, contentType, idempotent)
	if err != nil {
		return nil, err
	}
	if r.status < 200 || r.status > 299 {
		return nil, errorFromReply(r.status, r.body, r.header)
	}
	return r, nil
}

func (c *Client) callJSON(ctx context.Context, method, target string, body []byte, contentType string,
	idempotent bool, into any) error {
	r, err := c.call(ctx, method, target, body, contentType, idempotent)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(r.body, into); err != nil {
		return protocolError("%s %s answered %q, not the JSON expected: %v", method, target,
			truncated(r.body), err)
	}
	return nil
}

func itemOf(key string, r *reply, withValue bool) *Item {
	item := &Item{Key: key, Type: TypeBytes}
	if t := r.header.Get("X-Kv-Type"); t != "" {
		item.Type = Type(t)
	}
	item.Version, _ = strconv.ParseUint(r.header.Get("X-Kv-Version"), 10, 64)
	if ms, err := strconv.ParseInt(r.header.Get("X-Kv-Expires-At"), 10, 64); err == nil {
		item.ExpiresAt = unixMillis(ms)
	}
	if withValue {
		item.Value = r.body
		if item.Value == nil {
			item.Value = []byte{}
		}
	}
	return item
}

// -- write options --------------------------------------------------------------------------

// WriteOption qualifies a write: IfVersion, WithTTL, AsType.
type WriteOption func(*writeOptions)

type writeOptions struct {
	ifVersion *uint64
	ttl       *time.Duration
	typ       Type
}

// IfVersion makes a write compare-and-swap: it happens only if the key is at version n (0:
// only if the key does not exist); else the call fails with ErrConflict.
func IfVersion(n uint64) WriteOption {
	return func(o *writeOptions) { o.ifVersion = &n }
}

// WithTTL makes the key expire d (whole seconds, 1 s to 10^9 s) after a Put or PutMany. A
// write without it clears any expiry; atomic operations keep it.
func WithTTL(d time.Duration) WriteOption {
	return func(o *writeOptions) { o.ttl = &d }
}

// AsType names the type of a key that Incr creates (TypeUint or TypeFloat; default TypeInt).
func AsType(t Type) WriteOption {
	return func(o *writeOptions) { o.typ = t }
}

func collectOptions(opts []WriteOption) writeOptions {
	var o writeOptions
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

func (o writeOptions) params() (url.Values, error) {
	params := url.Values{}
	if o.ifVersion != nil {
		params.Set("if_version", strconv.FormatUint(*o.ifVersion, 10))
	}
	if o.ttl != nil {
		if *o.ttl < time.Second || *o.ttl%time.Second != 0 {
			return nil, &Error{Code: "bad_request",
				Message: fmt.Sprintf("a ttl must be whole seconds, at least 1 s, not %v", *o.ttl)}
		}
		params.Set("ttl", strconv.FormatInt(int64(*o.ttl/time.Second), 10))
	}
	return params, nil
}

// -- one key --------------------------------------------------------------------------------

// Get reads key: its value, version, type and expiry. A missing (or expired) key is
// ErrNotFound.
func (c *Client) Get(ctx context.Context, key string) (*Item, error) {
	target, err := keyTarget(key, nil)
	if err != nil {
		return nil, err
	}
	r, err := c.call(ctx, http.MethodGet, target, nil, "", true)
	if err != nil {
		return nil, err
	}
	return itemOf(key, r, true), nil
}

// Head reads key's version, type and expiry without its value. A missing key is ErrNotFound.
func (c *Client) Head(ctx context.Context, key string) (*Item, error) {
	target, err := keyTarget(key, nil)
	if err != nil {
		return nil, err
	}
	r, err := c.do(ctx, http.MethodHead, target, nil, "", true)
	if err != nil {
		return nil, err
	}
	if r.status == http.StatusNotFound {
		return nil, &Error{Status: 404, Code: "not_found", Message: "no key `" + key + "` found"}
	}
	if r.status < 200 || r.status > 299 {
		return nil, errorFromReply(r.status, r.body, r.header)
	}
	return itemOf(key, r, false), nil
}

// Exists tells whether key exists (and has not expired).
func (c *Client) Exists(ctx context.Context, key string) (bool, error) {
	_, err := c.Head(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Put writes value to key as a bytes value. Options: IfVersion (compare-and-swap), WithTTL.
func (c *Client) Put(ctx context.Context, key string, value []byte, opts ...WriteOption) (*WriteResult, error) {
	return c.PutTyped(ctx, key, TypeBytes, value, opts...)
}

// PutString writes the UTF-8 bytes of value to key as a bytes value.
func (c *Client) PutString(ctx context.Context, key, value string, opts ...WriteOption) (*WriteResult, error) {
	return c.PutTyped(ctx, key, TypeBytes, []byte(value), opts...)
}

// PutTyped writes text, which must be the text of a value of type t ("42" for TypeInt, a JSON
// array of strings for TypeSet, ...), to key; a text that is not of its type is ErrBadRequest.
func (c *Client) PutTyped(ctx context.Context, key string, t Type, text []byte, opts ...WriteOption) (*WriteResult, error) {
	params, err := collectOptions(opts).params()
	if err != nil {
		return nil, err
	}
	if t != "" && t != TypeBytes {
		params.Set("type", string(t))
	}
	target, err := keyTarget(key, params)
	if err != nil {
		return nil, err
	}
	if text == nil {
		text = []byte{}
	}
	var result WriteResult
	if err := c.callJSON(ctx, http.MethodPut, target, text, "application/octet-stream", true, &result); err != nil {
		return nil, err
	}
	return &result, nil
}

// PutInt writes n to key as an int value.
func (c *Client) PutInt(ctx context.Context, key string, n int64, opts ...WriteOption) (*WriteResult, error) {
	return c.PutTyped(ctx, key, TypeInt, intText(n), opts...)
}

// PutUint writes n to key as a uint value.
func (c *Client) PutUint(ctx context.Context, key string, n uint64, opts ...WriteOption) (*WriteResult, error) {
	return c.PutTyped(ctx, key, TypeUint, uintText(n), opts...)
}

// PutFloat writes f (finite) to key as a float value.
func (c *Client) PutFloat(ctx context.Context, key string, f float64, opts ...WriteOption) (*WriteResult, error) {
	text, err := floatText(f)
	if err != nil {
		return nil, err
	}
	return c.PutTyped(ctx, key, TypeFloat, text, opts...)
}

// PutSet writes members (duplicates collapse) to key as a set value.
func (c *Client) PutSet(ctx context.Context, key string, members []string, opts ...WriteOption) (*WriteResult, error) {
	return c.PutTyped(ctx, key, TypeSet, setText(members), opts...)
}

// PutHash writes fields to key as a hash value.
func (c *Client) PutHash(ctx context.Context, key string, fields map[string]string, opts ...WriteOption) (*WriteResult, error) {
	return c.PutTyped(ctx, key, TypeHash, hashText(fields), opts...)
}

// PutJSON writes v, as json.Marshal encodes it, to key as a json value.
func (c *Client) PutJSON(ctx context.Context, key string, v any, opts ...WriteOption) (*WriteResult, error) {
	text, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("kvactor: %w", err)
	}
	return c.PutTyped(ctx, key, TypeJSON, text, opts...)
}

// Delete deletes key and tells whether it existed (deleting a missing key is no error).
// Option: IfVersion.
func (c *Client) Delete(ctx context.Context, key string, opts ...WriteOption) (bool, error) {
	params, err := collectOptions(opts).params()
	if err != nil {
		return false, err
	}
	target, err := keyTarget(key, params)
	if err != nil {
		return false, err
	}
	var result struct {
		Deleted bool `json:"deleted"`
	}
	if err := c.callJSON(ctx, http.MethodDelete, target, nil, "", true, &result); err != nil {
		return false, err
	}
	return result.Deleted, nil
}

// -- many keys ------------------------------------------------------------------------------

// ListOptions select the keys of a listing.
type ListOptions struct {
	Prefix, Suffix string // only keys that start / end with these (both may be set)
	Limit          int    // at most this many keys per page (0: the node's 1000; at most 10000)
	After          string // start after this key: the previous page's Next
	Values         bool   // also return each key's value, version and type (Page.Items)
}

// List reads one page of keys in bytewise order. A page may hold fewer than Limit keys and
// still have a Next (a token's rules filter it, or a page with values reached 16 MiB): follow
// Next until it is "", or use ForEach.
func (c *Client) List(ctx context.Context, opts ListOptions) (*Page, error) {
	params := url.Values{}
	if opts.Prefix != "" {
		params.Set("prefix", opts.Prefix)
	}
	if opts.Suffix != "" {
		params.Set("suffix", opts.Suffix)
	}
	if opts.Limit != 0 {
		params.Set("limit", strconv.Itoa(opts.Limit))
	}
	if opts.After != "" {
		params.Set("after", opts.After)
	}
	if opts.Values {
		params.Set("values", "true")
	}
	var document struct {
		Keys  []string `json:"keys"`
		Items []struct {
			Key     string `json:"key"`
			Value   string `json:"value"`
			Version uint64 `json:"version"`
			Type    Type   `json:"type"`
		} `json:"items"`
		Next *string `json:"next"`
	}
	if err := c.callJSON(ctx, http.MethodGet, "/v1/keys"+encodeQuery(params), nil, "", true, &document); err != nil {
		return nil, err
	}
	page := &Page{Keys: document.Keys}
	if document.Next != nil {
		page.Next = *document.Next
	}
	if opts.Values {
		page.Keys = make([]string, 0, len(document.Items))
		page.Items = make([]Item, 0, len(document.Items))
		for _, entry := range document.Items {
			value, err := base64.StdEncoding.DecodeString(entry.Value)
			if err != nil {
				return nil, protocolError("the value of %q in a listing is not base64", entry.Key)
			}
			if entry.Type == "" {
				entry.Type = TypeBytes
			}
			page.Keys = append(page.Keys, entry.Key)
			page.Items = append(page.Items, Item{Key: entry.Key, Value: value, Version: entry.Version, Type: entry.Type})
		}
	}
	if page.Keys == nil {
		page.Keys = []string{}
	}
	return page, nil
}

// ForEach calls fn for every matching key in bytewise order, page after page (opts.Limit is
// the page size); with opts.Values the items carry value, version and type, else only the
// key. An error from fn stops it and is returned.
func (c *Client) ForEach(ctx context.Context, opts ListOptions, fn func(Item) error) error {
	for {
		page, err := c.List(ctx, opts)
		if err != nil {
			return err
		}
		for i, key := range page.Keys {
			item := Item{Key: key}
			if opts.Values {
				item = page.Items[i]
			}
			if err := fn(item); err != nil {
				return err
			}
		}
		if page.Next == "" {
			return nil
		}
		opts.After = page.Next
	}
}

// Keys returns every matching key (opts.After and opts.Values are honoured as in ForEach).
func (c *Client) Keys(ctx context.Context, opts ListOptions) ([]string, error) {
	opts.Values = false
	keys := []string{}
	err := c.ForEach(ctx, opts, func(item Item) error {
		keys = append(keys, item.Key)
		return nil
	})
	return keys, err
}

// PutMany writes many keys at once (POST /v1/keys): all of them, or none when one is invalid
// (ErrBadRequest). A string value is stored as bytes, any other JSON value (as json.Marshal
// encodes it) as type json. Option: WithTTL. Returns how many keys were written.
func (c *Client) PutMany(ctx context.Context, values map[string]any, opts ...WriteOption) (int, error) {
	params, err := collectOptions(opts).params()
	if err != nil {
		return 0, err
	}
	body, err := json.Marshal(values)
	if err != nil {
		return 0, fmt.Errorf("kvactor: %w", err)
	}
	var result struct {
		Written int `json:"written"`
	}
	if err := c.callJSON(ctx, http.MethodPost, "/v1/keys"+encodeQuery(params), body, "application/json", true, &result); err != nil {
		return 0, err
	}
	return result.Written, nil
}

// -- the node -------------------------------------------------------------------------------

// Ping checks that the node answers GET /v1/ping (no token needed).
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.call(ctx, http.MethodGet, "/v1/ping", nil, "", true)
	return err
}

// Ready tells whether the node serves: true for /v1/readiness 200, false for 503 (starting,
// or draining for shutdown).
func (c *Client) Ready(ctx context.Context) (bool, error) {
	r, err := c.do(ctx, http.MethodGet, "/v1/readiness", nil, "", true)
	if err != nil {
		return false, err
	}
	if r.status == http.StatusServiceUnavailable {
		return false, nil
	}
	if r.status < 200 || r.status > 299 {
		return false, errorFromReply(r.status, r.body, r.header)
	}
	return true, nil
}

// Info returns GET /v1/info: node id, version, uptime, partitions.
func (c *Client) Info(ctx context.Context) (map[string]any, error) {
	var info map[string]any
	err := c.callJSON(ctx, http.MethodGet, "/v1/info", nil, "", true, &info)
	return info, err
}
