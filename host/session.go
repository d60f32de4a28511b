package host

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"

	"github.com/wasmadapt/wasmadapt/abi"
)

// Session is one conversation: its ids and its multi-turn history. The
// caller appends user turns; Client.Send and ToolLoop.Run append the
// assistant turns (with reasoning parts, signatures and provider kept, so
// that they can be echoed to the provider that made them and scrubbed by
// the others) and the tool results. It is safe for concurrent use.
type Session struct {
	// ID and TraceID are sent as the request's session_id and trace_id.
	ID      string
	TraceID string

	mu      sync.Mutex
	msgs    []abi.Message
	pending *PendingApproval
}

// NewSession returns an empty session. An empty id or trace id is replaced
// by a random one.
func NewSession(id, traceID string) *Session {
	if id == "" {
		id = randomID(8)
	}
	if traceID == "" {
		traceID = randomID(16)
	}
	return &Session{ID: id, TraceID: traceID}
}

func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Append adds messages to the history.
func (s *Session) Append(msgs ...abi.Message) {
	s.mu.Lock()
	s.msgs = append(s.msgs, msgs...)
	s.mu.Unlock()
}

// AddSystem appends a system message.
func (s *Session) AddSystem(text string) {
	s.Append(abi.Message{Role: abi.RoleSystem, Content: abi.Text(text)})
}

// AddUser appends a user message with one text part.
func (s *Session) AddUser(text string) {
	s.Append(abi.Message{Role: abi.RoleUser, Content: abi.Text(text)})
}

// AppendResponse appends the assistant turn of r.
func (s *Session) AppendResponse(r *Response) { s.Append(r.Message()) }

// AppendToolResults appends one tool message holding the results, in the
// order given (the order of the calls).
func (s *Session) AppendToolResults(results []ToolResult) {
	if len(results) == 0 {
		return
	}
	m := abi.Message{Role: abi.RoleTool}
	for _, r := range results {
		m.Content = append(m.Content, r.Part())
	}
	s.Append(m)
}

// Messages returns a copy of the history.
func (s *Session) Messages() []abi.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]abi.Message, len(s.msgs))
	for i, m := range s.msgs {
		out[i] = abi.Message{Role: m.Role, Content: append([]abi.Part(nil), m.Content...)}
	}
	return out
}

// Request returns a copy of template with the session's ids and its
// history as the messages (after template's own messages, which is where
// a fixed system prompt can live). A TraceID set on template wins over the
// session's: a runtime that mints a trace id per turn sets it there.
func (s *Session) Request(template *abi.Request) *abi.Request {
	r := *template
	r.SessionID, r.TraceID = s.ID, s.TraceID
	if template.TraceID != "" {
		r.TraceID = template.TraceID
	}
	r.Messages = append(append([]abi.Message(nil), template.Messages...), s.Messages()...)
	return &r
}

// Send sends the session's history with template's settings, appends the
// assistant turn to the session and returns the response. On error the
// turn is not appended and the partial response is returned with the
// error, as Generate does.
func (c *Client) Send(ctx context.Context, p Provider, s *Session, template *abi.Request, opts ...CallOption) (*Response, error) {
	r, err := c.Generate(ctx, p, s.Request(template), opts...)
	if err != nil {
		return r, err
	}
	s.AppendResponse(r)
	return r, nil
}

// Sessions holds sessions keyed by session id, for runtimes that serve
// many conversations; the trace id is per turn. The zero value is ready to
// use and never forgets a session: a SessionStore (NewMemoryStore) bounds
// and persists them.
type Sessions struct {
	m sync.Map // string -> *Session
}

// Get returns the session with sessionID, creating it if needed; a
// non-empty traceID becomes its trace id for the turn (one turn of a
// session at a time).
func (ss *Sessions) Get(sessionID, traceID string) *Session {
	v, ok := ss.m.Load(sessionID)
	if !ok {
		v, _ = ss.m.LoadOrStore(sessionID, &Session{ID: sessionID, TraceID: traceID})
	}
	s := v.(*Session)
	if traceID != "" && s.TraceID != traceID {
		s.mu.Lock()
		s.TraceID = traceID
		s.mu.Unlock()
	}
	return s
}

// Delete forgets the session with sessionID (the trace id is ignored).
func (ss *Sessions) Delete(sessionID, traceID string) { ss.m.Delete(sessionID) }
