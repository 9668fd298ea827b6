// An incremental parser of text/event-stream (the WHATWG server-sent events format), with no
// networking, so that the watch's framing can be tested alone.

package kvactor

import (
	"bytes"
	"errors"
	"strings"
)

// sseMessage is one dispatched block of a text/event-stream.
type sseMessage struct {
	event       string // the event: field, "" for the default type
	data        string // the data: lines joined with '\n'
	lastEventID string // the stream's last event id as of this message
	hasID       bool   // lastEventID was set (here or earlier)
	// hasData is false for a block with an id: and no data: the standard dispatches no event
	// for it, but it moves the resume point (a kvnode starts each new stream with one).
	hasData bool
}

// The largest event is a 1 MiB value in base64 plus its key and fields; a longer line means
// the peer is not a kvnode, and must not make the client grow without bound.
const maxSSELine = 16 << 20

var errSSELineTooLong = errors.New("the event stream sent a line longer than 16 MiB")

// sseParser parses server-sent events (the WHATWG format) incrementally: bytes in as they
// arrive, split anywhere, complete messages out. Lines end with CR, LF or CRLF; a blank line
// dispatches; data lines accumulate; an id persists across messages; comments are skipped.
type sseParser struct {
	line       []byte
	afterCR    bool // the last byte ended a line with CR: a following LF is its pair
	event      string
	data       []string
	hasData    bool
	blockHasID bool
	lastID     string
	hasID      bool
}

func (p *sseParser) feed(chunk []byte) ([]sseMessage, error) {
	var out []sseMessage
	for len(chunk) > 0 {
		if p.afterCR {
			p.afterCR = false
			if chunk[0] == '\n' {
				chunk = chunk[1:]
				continue
			}
		}
		end := bytes.IndexAny(chunk, "\r\n")
		if end < 0 {
			if len(p.line)+len(chunk) > maxSSELine {
				return out, errSSELineTooLong
			}
			p.line = append(p.line, chunk...)
			break
		}
		p.line = append(p.line, chunk[:end]...)
		p.afterCR = chunk[end] == '\r'
		p.takeLine(string(p.line), &out)
		p.line = p.line[:0]
		chunk = chunk[end+1:]
	}
	return out, nil
}

func (p *sseParser) takeLine(line string, out *[]sseMessage) {
	if line == "" {
		p.dispatch(out)
		return
	}
	if line[0] == ':' {
		return // a comment: the node's heartbeat
	}
	field, value := line, ""
	if colon := strings.IndexByte(line, ':'); colon >= 0 {
		field, value = line[:colon], strings.TrimPrefix(line[colon+1:], " ")
	}
	switch field {
	case "data":
		p.data = append(p.data, value)
		p.hasData = true
	case "event":
		p.event = value
	case "id":
		if !strings.ContainsRune(value, 0) {
			p.lastID, p.hasID, p.blockHasID = value, true, true
		}
	}
	// "retry" is left out on purpose: the watch paces its own reconnections.
}

func (p *sseParser) dispatch(out *[]sseMessage) {
	if p.hasData || p.blockHasID {
		*out = append(*out, sseMessage{event: p.event, data: strings.Join(p.data, "\n"),
			lastEventID: p.lastID, hasID: p.hasID, hasData: p.hasData})
	}
	p.event, p.data, p.hasData, p.blockHasID = "", nil, false, false
}
