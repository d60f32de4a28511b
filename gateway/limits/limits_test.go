package limits_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/wasmadapt/wasmadapt/gateway/limits"
	"github.com/wasmadapt/wasmadapt/internal/redistest"
	"github.com/wasmadapt/wasmadapt/internal/testclock"
)

// stores are the stores every behaviour test runs against: memory, and
// Redis when redis-server is installed (the Redis subtests skip, saying
// so, when it is not).
// The memory store runs on the clock now; Redis keeps real time, which
// only expires counters (the windows follow the limiter's clock).
var stores = map[string]func(t *testing.T, now func() time.Time) limits.Store{
	"memory": func(_ *testing.T, now func() time.Time) limits.Store { return limits.NewMemoryStore(now) },
	"redis": func(t *testing.T, _ func() time.Time) limits.Store {
		c := redis.NewClient(&redis.Options{Addr: redistest.Start(t)})
		t.Cleanup(func() { c.Close() })
		return limits.NewRedisStore(c)
	},
}

type step struct {
	advance time.Duration
	reserve int64 // tokens estimated
	settle  int64 // tokens used (-1: do not settle)
	denied  string
	retry   time.Duration
}

func TestLimiter(t *testing.T) {
	// 10:00:30 UTC: 30 s into a minute, 10.5 h into a day.
	start := time.Date(2026, 12, 7, 10, 0, 30, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		policy limits.Policy
		steps  []step
	}{
		{"requests per minute", limits.Policy{RequestsPerMinute: 2}, []step{
			{reserve: 5, settle: -1},
			{reserve: 5, settle: -1},
			{reserve: 5, denied: limits.LimitRequests, retry: 30 * time.Second},
			{advance: 29*time.Second + 500*time.Millisecond, reserve: 5, denied: limits.LimitRequests, retry: time.Second},
			{advance: time.Second, reserve: 5, settle: -1}, // the next minute
		}},
		{"tokens per minute settle with usage", limits.Policy{TokensPerMinute: 100}, []step{
			{reserve: 80, settle: 10}, // 10 used
			{reserve: 80, settle: -1}, // 90 held
			{reserve: 80, settle: 5},  // admitted while room is left (170 held), then 95
			{reserve: 80, settle: -1}, // 175
			{reserve: 1, denied: limits.LimitTokens, retry: 30 * time.Second},
			{advance: 30 * time.Second, reserve: 1, settle: -1},
		}},
		{"concurrent estimates are held until settled", limits.Policy{TokensPerMinute: 100}, []step{
			{reserve: 100, settle: -1},
			{reserve: 0, denied: limits.LimitTokens, retry: 30 * time.Second},
		}},
		{"budget per day", limits.Policy{TokensPerMinute: 1000, TokenBudget: 150, BudgetPeriod: 24 * time.Hour}, []step{
			{reserve: 100, settle: 100},
			{advance: time.Minute, reserve: 100, settle: 60}, // 160
			{reserve: 1, denied: limits.LimitBudget, retry: 13*time.Hour + 58*time.Minute + 30*time.Second},
			{advance: 14 * time.Hour, reserve: 100, settle: -1}, // the next day
		}},
		{"nothing is taken from any limit when one refuses", limits.Policy{RequestsPerMinute: 2, TokenBudget: 100, BudgetPeriod: time.Hour}, []step{
			{reserve: 40, settle: -1},
			{reserve: 40, settle: -1}, // budget 80
			{reserve: 40, denied: limits.LimitRequests, retry: 30 * time.Second},
			{reserve: 40, denied: limits.LimitRequests, retry: 30 * time.Second},
			{advance: 30 * time.Second, reserve: 15, settle: -1}, // budget 95: the refusals took none
			{reserve: 5, settle: -1}, // 100
			{reserve: 0, denied: limits.LimitRequests, retry: 60 * time.Second},
			{advance: time.Minute, reserve: 0, denied: limits.LimitBudget, retry: 58 * time.Minute},
		}},
		{"no policy admits everything", limits.Policy{}, []step{
			{reserve: 1 << 40, settle: 1 << 40}, {reserve: 1 << 40, settle: -1},
		}},
	} {
		for name, mk := range stores {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				clk := testclock.New(start)
				store := mk(t, clk.Now)
				l := limits.New(store, fmt.Sprintf("test:%d", time.Now().UnixNano()), clk.Now)
				for i, s := range tc.steps {
					clk.Add(s.advance)
					r, err := l.Reserve(context.Background(), "k", tc.policy, s.reserve)
					if s.denied != "" {
						var d *limits.Denied
						if !errors.As(err, &d) || d.Limit != s.denied || d.RetryAfter != s.retry {
							t.Fatalf("step %d: %v (%+v), want %s with retry after %s", i, err, d, s.denied, s.retry)
						}
						continue
					}
					if err != nil {
						t.Fatalf("step %d: %v", i, err)
					}
					if s.settle >= 0 {
						if err := r.Settle(context.Background(), s.settle); err != nil {
							t.Fatal(err)
						}
					}
				}
			})
		}
	}
}

// TestConcurrentReserve: limiters sharing a store, as replicas share
// Redis, admit exactly the limit however many ask at once.
func TestConcurrentReserve(t *testing.T) {
	const limit, callers = 25, 120
	for name, mk := range stores {
		t.Run(name, func(t *testing.T) {
			// A fixed clock: every caller is in the same window.
			now := func() time.Time { return time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC) }
			store := mk(t, now)
			prefix := fmt.Sprintf("conc:%d", time.Now().UnixNano())
			var admitted, denied atomic.Int64
			var wg sync.WaitGroup
			for i := range callers {
				wg.Go(func() {
					l := limits.New(store, prefix, now) // one limiter per "replica"
					_, err := l.Reserve(context.Background(), "k", limits.Policy{RequestsPerMinute: limit}, int64(i))
					var d *limits.Denied
					switch {
					case err == nil:
						admitted.Add(1)
					case errors.As(err, &d):
						denied.Add(1)
					default:
						t.Error(err)
					}
				})
			}
			wg.Wait()
			if admitted.Load() != limit || denied.Load() != callers-limit {
				t.Fatalf("admitted %d, denied %d; want %d and %d", admitted.Load(), denied.Load(), limit, callers-limit)
			}
		})
	}
}

// TestStoreError: a store that cannot be reached refuses (fails closed)
// with a *StoreError.
func TestStoreError(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	defer c.Close()
	_, err := limits.New(limits.NewRedisStore(c), "", nil).Reserve(context.Background(), "k", limits.Policy{RequestsPerMinute: 1}, 1)
	var se *limits.StoreError
	if !errors.As(err, &se) {
		t.Fatalf("err %v, want *StoreError", err)
	}
}

// TestMemoryExpiry: counters of past windows are dropped.
func TestMemoryExpiry(t *testing.T) {
	clk := testclock.New(time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC))
	s := limits.NewMemoryStore(clk.Now)
	l := limits.New(s, "", clk.Now)
	for range 3 {
		if _, err := l.Reserve(context.Background(), "k", limits.Policy{RequestsPerMinute: 10}, 0); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Minute)
	}
	if n := s.Len(); n > 2 {
		t.Fatalf("%d counters held after three windows, want at most 2 (the live one and one within its TTL)", n)
	}
	clk.Add(5 * time.Minute)
	l.Reserve(context.Background(), "k", limits.Policy{RequestsPerMinute: 10}, 0)
	if n := s.Len(); n != 1 {
		t.Fatalf("%d counters held, want 1", n)
	}
}

// TestWindows: Reserve reports every limit's state, the request's share
// included when admitted and as found when refused, in each store.
func TestWindows(t *testing.T) {
	start := time.Date(2026, 12, 7, 10, 0, 30, 0, time.UTC)
	minute, hour := time.Date(2026, 12, 7, 10, 1, 0, 0, time.UTC), time.Date(2026, 12, 7, 11, 0, 0, 0, time.UTC)
	p := limits.Policy{RequestsPerMinute: 2, TokensPerMinute: 100, TokenBudget: 1000, BudgetPeriod: time.Hour}
	for name, mk := range stores {
		t.Run(name, func(t *testing.T) {
			clk := testclock.New(start)
			l := limits.New(mk(t, clk.Now), fmt.Sprintf("win:%d", time.Now().UnixNano()), clk.Now)
			r, err := l.Reserve(context.Background(), "k", p, 40)
			if err != nil {
				t.Fatal(err)
			}
			want := []limits.Window{{limits.LimitRequests, 2, 1, minute}, {limits.LimitTokens, 100, 40, minute}, {limits.LimitBudget, 1000, 40, hour}}
			if utc(r.Windows) != fmt.Sprint(want) {
				t.Fatalf("windows %v, want %v", r.Windows, want)
			}
			if err := r.Settle(context.Background(), 10); err != nil {
				t.Fatal(err)
			}
			if r, err = l.Reserve(context.Background(), "k", p, 95); err != nil {
				t.Fatal(err)
			}
			if w := r.Windows[1]; w.Used != 105 || w.Remaining() != 0 {
				t.Fatalf("tokens window %+v (remaining %d), want 105 used and none remaining", w, w.Remaining())
			}
			_, err = l.Reserve(context.Background(), "k", p, 1)
			var d *limits.Denied
			if !errors.As(err, &d) {
				t.Fatalf("err %v, want *Denied", err)
			}
			want = []limits.Window{{limits.LimitRequests, 2, 2, minute}, {limits.LimitTokens, 100, 105, minute}, {limits.LimitBudget, 1000, 105, hour}}
			if utc(d.Windows) != fmt.Sprint(want) {
				t.Fatalf("denied windows %v, want %v", d.Windows, want)
			}
		})
	}
}

// utc prints ws with their resets in UTC.
func utc(ws []limits.Window) string {
	out := make([]limits.Window, len(ws))
	for i, w := range ws {
		w.Reset = w.Reset.UTC()
		out[i] = w
	}
	return fmt.Sprint(out)
}
