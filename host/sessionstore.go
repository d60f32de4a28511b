package host

import (
	"container/list"
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
)

// sessionJSON is the JSON form of a Session.
type sessionJSON struct {
	ID       string           `json:"id"`
	TraceID  string           `json:"trace_id,omitempty"`
	Messages []abi.Message    `json:"messages"`
	Pending  *PendingApproval `json:"pending,omitempty"`
}

// MarshalJSON encodes the session losslessly: ids, the history (reasoning
// signatures, redacted data and provider names kept) and a tool loop step
// paused for approval.
func (s *Session) MarshalJSON() ([]byte, error) {
	s.mu.Lock()
	j := sessionJSON{ID: s.ID, TraceID: s.TraceID, Messages: s.msgs, Pending: s.pending}
	defer s.mu.Unlock()
	if j.Messages == nil {
		j.Messages = []abi.Message{}
	}
	return json.Marshal(j)
}

// UnmarshalJSON restores a session encoded by MarshalJSON.
func (s *Session) UnmarshalJSON(b []byte) error {
	var j sessionJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	if j.Pending != nil && j.Pending.Request == nil {
		return errors.New("host: session JSON: a pending approval without its request")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ID, s.TraceID, s.msgs, s.pending = j.ID, j.TraceID, j.Messages, j.Pending
	return nil
}

// ErrSessionNotFound is returned by SessionStore.Load for an unknown id.
var ErrSessionNotFound = errors.New("host: session not found")

// SessionStore keeps sessions by session id, between turns and across
// restarts. Implementations are safe for concurrent use.
type SessionStore interface {
	// Load returns the session with id, or an error matching
	// ErrSessionNotFound.
	Load(ctx context.Context, id string) (*Session, error)
	// Save stores s under s.ID, replacing what was there.
	Save(ctx context.Context, s *Session) error
	// Delete forgets the session with id (no error if there is none).
	Delete(ctx context.Context, id string) error
}

// LoadOrNew loads the session with id from st, or returns a new empty one
// (not yet saved) when there is none. A non-empty traceID becomes the
// session's trace id for the turn.
func LoadOrNew(ctx context.Context, st SessionStore, id, traceID string) (*Session, error) {
	s, err := st.Load(ctx, id)
	if errors.Is(err, ErrSessionNotFound) {
		return NewSession(id, traceID), nil
	}
	if err != nil {
		return nil, err
	}
	if traceID != "" {
		s.TraceID = traceID
	}
	return s, nil
}

// MemoryStore is the in-memory SessionStore: at most MaxSessions sessions
// (the least recently used go first) and none unused for longer than TTL.
// It stores the *Session itself (no copy).
type MemoryStore struct {
	max int
	ttl time.Duration
	now func() time.Time

	mu  sync.Mutex
	lru *list.List // of *memEntry, most recent first
	m   map[string]*list.Element
}

type memEntry struct {
	s    *Session
	used time.Time
}

// Defaults of NewMemoryStore.
const (
	DefaultMaxSessions = 10000
	DefaultSessionTTL  = 24 * time.Hour
)

// NewMemoryStore returns a store of at most max sessions (<= 0:
// DefaultMaxSessions), each forgotten ttl after its last use (<= 0:
// DefaultSessionTTL). now is the clock (nil: time.Now).
func NewMemoryStore(max int, ttl time.Duration, now func() time.Time) *MemoryStore {
	if max <= 0 {
		max = DefaultMaxSessions
	}
	if ttl <= 0 {
		ttl = DefaultSessionTTL
	}
	if now == nil {
		now = time.Now
	}
	return &MemoryStore{max: max, ttl: ttl, now: now, lru: list.New(), m: map[string]*list.Element{}}
}

// Load returns the session with id, if present and not expired.
func (ms *MemoryStore) Load(ctx context.Context, id string) (*Session, error) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	el, ok := ms.m[id]
	if !ok {
		return nil, ErrSessionNotFound
	}
	e := el.Value.(*memEntry)
	now := ms.now()
	if now.Sub(e.used) > ms.ttl {
		ms.lru.Remove(el)
		delete(ms.m, id)
		return nil, ErrSessionNotFound
	}
	e.used = now
	ms.lru.MoveToFront(el)
	return e.s, nil
}

// Save stores s, evicting expired sessions and then the least recently
// used ones beyond the bound.
func (ms *MemoryStore) Save(ctx context.Context, s *Session) error {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	now := ms.now()
	if el, ok := ms.m[s.ID]; ok {
		e := el.Value.(*memEntry)
		e.s, e.used = s, now
		ms.lru.MoveToFront(el)
	} else {
		ms.m[s.ID] = ms.lru.PushFront(&memEntry{s: s, used: now})
	}
	for el := ms.lru.Back(); el != nil; {
		e := el.Value.(*memEntry)
		if ms.lru.Len() <= ms.max && now.Sub(e.used) <= ms.ttl {
			break
		}
		prev := el.Prev()
		ms.lru.Remove(el)
		delete(ms.m, e.s.ID)
		el = prev
	}
	return nil
}

// Delete forgets the session with id.
func (ms *MemoryStore) Delete(ctx context.Context, id string) error {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if el, ok := ms.m[id]; ok {
		ms.lru.Remove(el)
		delete(ms.m, id)
	}
	return nil
}

// Len returns the number of sessions held (expired ones included until
// the next Save).
func (ms *MemoryStore) Len() int {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return ms.lru.Len()
}
