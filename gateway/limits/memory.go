package limits

import (
	"context"
	"sync"
	"time"
)

// MemoryStore is the Store of one process.
type MemoryStore struct {
	mu    sync.Mutex
	now   func() time.Time
	m     map[string]*entry
	sweep time.Time
}

type entry struct {
	n       int64
	expires time.Time
}

// NewMemoryStore returns an empty MemoryStore on the clock now (default
// time.Now). Expired counters are dropped at most once a minute.
func NewMemoryStore(now func() time.Time) *MemoryStore {
	if now == nil {
		now = time.Now
	}
	return &MemoryStore{now: now, m: map[string]*entry{}}
}

// get returns the live counter of key, nil when none.
func (s *MemoryStore) get(key string, now time.Time) *entry {
	e := s.m[key]
	if e != nil && !now.Before(e.expires) {
		delete(s.m, key)
		return nil
	}
	return e
}

// Take adds every counter when all are below their limits.
func (s *MemoryStore) Take(_ context.Context, cs []Counter) (int, []int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.expire(now)
	over := -1
	counts := make([]int64, len(cs))
	for i, c := range cs {
		if e := s.get(c.Key, now); e != nil {
			counts[i] = e.n
		}
		if over < 0 && c.Limit > 0 && counts[i] >= c.Limit {
			over = i
		}
	}
	if over >= 0 {
		return over, counts, nil
	}
	s.add(cs, now)
	for i, c := range cs {
		counts[i] += c.N
	}
	return -1, counts, nil
}

// Add adds every counter.
func (s *MemoryStore) Add(_ context.Context, cs []Counter) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.add(cs, s.now())
	return nil
}

func (s *MemoryStore) add(cs []Counter, now time.Time) {
	for _, c := range cs {
		e := s.get(c.Key, now)
		if e == nil {
			e = &entry{expires: now.Add(c.TTL)}
			s.m[c.Key] = e
		}
		e.n += c.N
	}
}

// expire drops the expired counters, at most once a minute.
func (s *MemoryStore) expire(now time.Time) {
	if now.Before(s.sweep) {
		return
	}
	s.sweep = now.Add(time.Minute)
	for k := range s.m {
		s.get(k, now)
	}
}

// Len is the number of counters held (expired ones included until the
// next sweep).
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}
