// The errors of every call: the node's JSON error answers as *Error, matched by errors.Is
// against one sentinel per error code, and the failures to get an answer at all.

package kvactor

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Sentinel errors for errors.Is. Every error a call returns for an answer of the node is an
// *Error, which matches the sentinel of its code; an *Error for a network or TLS failure
// matches ErrUnreachable.
var (
	ErrBadRequest       = errors.New("kvactor: bad request")        // 400 bad_request
	ErrUnauthorized     = errors.New("kvactor: unauthorized")       // 401 unauthorized
	ErrForbidden        = errors.New("kvactor: forbidden")          // 403 forbidden
	ErrNotFound         = errors.New("kvactor: not found")          // 404 not_found
	ErrMethodNotAllowed = errors.New("kvactor: method not allowed") // 405 method_not_allowed
	ErrConflict         = errors.New("kvactor: conflict")           // 409 conflict (if_version)
	ErrWrongType        = errors.New("kvactor: wrong type")         // 409 wrong_type
	ErrPayloadTooLarge  = errors.New("kvactor: payload too large")  // 413 payload_too_large
	ErrUnavailable      = errors.New("kvactor: unavailable")        // 503 unavailable
	ErrInternal         = errors.New("kvactor: internal error")     // 500 internal, or another status
	ErrUnreachable      = errors.New("kvactor: node unreachable")   // no answer: connection, timeout, TLS
	ErrProtocol         = errors.New("kvactor: unexpected answer")  // not what a kvnode sends
)

// Codes of the errors that have no answer of the node behind them.
const (
	CodeUnreachable = "unreachable"
	CodeProtocol    = "protocol"
)

var sentinels = map[string]error{
	"bad_request":        ErrBadRequest,
	"unauthorized":       ErrUnauthorized,
	"forbidden":          ErrForbidden,
	"not_found":          ErrNotFound,
	"method_not_allowed": ErrMethodNotAllowed,
	"conflict":           ErrConflict,
	"wrong_type":         ErrWrongType,
	"payload_too_large":  ErrPayloadTooLarge,
	"unavailable":        ErrUnavailable,
	"internal":           ErrInternal,
	CodeUnreachable:      ErrUnreachable,
	CodeProtocol:         ErrProtocol,
}

var codeOfStatus = map[int]string{
	400: "bad_request",
	401: "unauthorized",
	403: "forbidden",
	404: "not_found",
	405: "method_not_allowed",
	409: "conflict",
	413: "payload_too_large",
	503: "unavailable",
}

// Error is what every call returns when it fails: the node's error answer
// ({"error": Code, "message": Message} with a 4xx or 5xx Status), or a failure to get one
// (Code CodeUnreachable, Status 0, the cause in Err).
//
//	var kvErr *kvactor.Error
//	if errors.As(err, &kvErr) && kvErr.Code == "conflict" { ... }
//	if errors.Is(err, kvactor.ErrNotFound) { ... }
type Error struct {
	Status  int    // the HTTP status; 0 when no answer came
	Code    string // "not_found", "conflict", ..., CodeUnreachable or CodeProtocol
	Message string // the node's message, or what went wrong
	// CurrentVersion is, for a conflict, the key's version when the write was refused (0: the
	// key did not exist), from the answer's X-Kv-Version header; nil if it had none.
	CurrentVersion *uint64
	Err            error // the cause of an unreachable or protocol error
}

func (e *Error) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("kvactor: %s (%d %s)", e.Message, e.Status, e.Code)
	}
	return "kvactor: " + e.Message
}

// Is makes errors.Is(err, ErrNotFound) (and the other sentinels) match by the error's code.
func (e *Error) Is(target error) bool {
	sentinel, ok := sentinels[e.Code]
	if !ok {
		sentinel = ErrInternal
	}
	return target == sentinel
}

// Unwrap returns the cause of an unreachable or protocol error (a *net.OpError, a TLS
// certificate error, context.DeadlineExceeded, ...).
func (e *Error) Unwrap() error { return e.Err }

// errorFromReply makes the error of an answer with a status of 400 or more.
func errorFromReply(status int, body []byte, header http.Header) *Error {
	var document struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	e := &Error{Status: status}
	if json.Unmarshal(body, &document) == nil {
		e.Code, e.Message = document.Error, document.Message
	}
	if e.Code == "" {
		e.Code = codeOfStatus[status]
		if e.Code == "" {
			e.Code = "internal"
		}
	}
	if e.Message == "" {
		text := strings.TrimSpace(string(body))
		if len(text) > 500 {
			text = text[:500]
		}
		if text == "" {
			text = fmt.Sprintf("HTTP %d", status)
		}
		e.Message = text
	}
	if e.Code == "conflict" {
		if n, err := strconv.ParseUint(header.Get("X-Kv-Version"), 10, 64); err == nil {
			e.CurrentVersion = &n
		}
	}
	return e
}

func unreachable(base string, cause error) *Error {
	what := cause
	var urlErr *url.Error // "Get \"URL\": ..." says again what the message starts with
	if errors.As(cause, &urlErr) {
		what = urlErr.Err
	}
	return &Error{Code: CodeUnreachable, Message: base + ": " + what.Error(), Err: cause}
}

func protocolError(format string, args ...any) *Error {
	message := fmt.Sprintf(format, args...)
	return &Error{Code: CodeProtocol, Message: message, Err: errors.New(message)}
}
