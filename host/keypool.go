package host

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
)

// CredentialReporter is a CredentialSource that learns how its credentials
// fare: the client reports every error response with the credential it
// was sent with. Report returns true when another credential is ready now,
// so that the client retries at once (with it) instead of waiting out the
// provider's Retry-After.
type CredentialReporter interface {
	CredentialSource
	Report(cred Credential, status int, retryAfter time.Duration) (anotherReady bool)
}

// reportCredential tells a CredentialReporter about an error response and
// returns the delay to honour before the retry.
func (x *exchange) reportCredential(status int, retryAfter time.Duration) time.Duration {
	if r, ok := x.p.Credentials.(CredentialReporter); ok && r.Report(x.cred, status, retryAfter) {
		return 0
	}
	return retryAfter
}

// DefaultKeyCooldown is how long a KeyPool rests a key after a 429 that
// says nothing of when to retry.
const DefaultKeyCooldown = 30 * time.Second

// KeyPool is a CredentialSource over several API keys of one provider: it
// hands them out in turn, skipping keys that are cooling down. A key that
// gets a 429 cools down for the response's Retry-After (DefaultKeyCooldown
// without one); a key that gets a 401 or 403 is retired. Keys never appear
// in its String, LogValue or errors. It is safe for concurrent use.
type KeyPool struct {
	mu   sync.Mutex
	keys []poolKey
	next int
	now  func() time.Time
}

type poolKey struct {
	key     string
	until   time.Time
	retired bool
}

// NewKeyPool returns a pool of keys (empty ones are ignored).
func NewKeyPool(keys ...string) *KeyPool {
	p := &KeyPool{now: time.Now}
	for _, k := range keys {
		if k != "" {
			p.keys = append(p.keys, poolKey{key: k})
		}
	}
	return p
}

// WithClock sets the pool's clock (tests).
func (p *KeyPool) WithClock(now func() time.Time) *KeyPool {
	p.mu.Lock()
	p.now = now
	p.mu.Unlock()
	return p
}

// Credential returns the next key that is neither cooling down nor
// retired. When every key cools down it fails with a retryable
// rate_limited error saying how long until the first is ready.
func (p *KeyPool) Credential(ctx context.Context) (Credential, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	var soonest time.Duration = -1
	for range p.keys {
		i := p.next % len(p.keys)
		p.next++
		k := &p.keys[i]
		if k.retired {
			continue
		}
		if wait := k.until.Sub(now); wait > 0 {
			if soonest < 0 || wait < soonest {
				soonest = wait
			}
			continue
		}
		return Credential{Key: k.key}, nil
	}
	if soonest < 0 {
		return Credential{}, abi.Errorf(abi.CodeAuthentication, "every key of the pool (%d) was refused by the provider (401/403)", len(p.keys))
	}
	return Credential{}, &abi.Error{Code: abi.CodeRateLimited, Retryable: true,
		Message: "every key of the pool (" + strconv.Itoa(len(p.keys)) + ") is cooling down after a 429; the first is ready in " + soonest.Round(time.Millisecond).String()}
}

// Report cools down a key that got a 429 and retires one that got a 401
// or 403; it returns true when another key is ready.
func (p *KeyPool) Report(cred Credential, status int, retryAfter time.Duration) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	found := false
	for i := range p.keys {
		k := &p.keys[i]
		if k.key != cred.Key {
			continue
		}
		found = true
		switch status {
		case 429:
			if retryAfter <= 0 {
				retryAfter = DefaultKeyCooldown
			}
			k.until = now.Add(retryAfter)
		case 401, 403:
			k.retired = true
		default:
			return false
		}
	}
	if !found {
		return false
	}
	for _, k := range p.keys {
		if !k.retired && !k.until.After(now) {
			return true
		}
	}
	return false
}

// String describes the pool without its keys.
func (p *KeyPool) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return "host.KeyPool{" + strconv.Itoa(len(p.keys)) + " keys, [redacted]}"
}

// LogValue describes the pool in slog output without its keys.
func (p *KeyPool) LogValue() slog.Value { return slog.StringValue(p.String()) }
