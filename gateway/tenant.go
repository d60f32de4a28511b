package gateway

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/gateway/config"
	"github.com/wasmadapt/wasmadapt/gateway/limits"
)

// DefaultOutputEstimate is the output tokens a request without
// max_output_tokens (max_tokens) is reserved for, until its usage settles
// the reservation.
const DefaultOutputEstimate = 1024

// tenants are the gateway's limits: the limiter, and the store's
// connection to close.
type tenants struct {
	limiter *limits.Limiter
	closer  func() error
}

// newTenants builds the limiter of cfg: its store is o.LimitStore, else
// Redis when the file sets redis:, else memory.
func newTenants(cfg *config.Config, o Options) *tenants {
	t := &tenants{closer: func() error { return nil }}
	store := o.LimitStore
	prefix := ""
	if r := cfg.Redis; r != nil {
		prefix = r.KeyPrefix
		if store == nil {
			pw := ""
			if r.PasswordEnv != "" {
				pw = o.Getenv(r.PasswordEnv)
			}
			c := redis.NewClient(&redis.Options{Addr: r.Addr, Password: pw, DB: r.DB})
			store, t.closer = limits.NewRedisStore(c), c.Close
		}
	}
	if store == nil {
		store = limits.NewMemoryStore(o.Now)
	}
	t.limiter = limits.New(store, prefix, o.Now)
	return t
}

// Close closes the connection to the limit store (Redis), if any.
func (s *Server) Close() error { return s.tenants.closer() }

// policy is the limits.Policy of a key's configured limits.
func policy(k *config.Key) limits.Policy {
	if k.Limits == nil {
		return limits.Policy{}
	}
	return limits.Policy{RequestsPerMinute: k.Limits.RequestsPerMinute, TokensPerMinute: k.Limits.TokensPerMinute,
		TokenBudget: k.Limits.TokenBudget, BudgetPeriod: k.Limits.Period()}
}

// estimate is the tokens reserved for req, whose body had size bytes,
// before its usage is known: the body's size at four bytes a token, plus
// the request's output bound.
func estimate(size int, req *abi.Request) int64 {
	out := int64(DefaultOutputEstimate)
	if req.MaxOutputTokens != nil && *req.MaxOutputTokens > 0 {
		out = int64(*req.MaxOutputTokens)
	}
	return int64(size+3)/4 + out
}

// rateLimitHeaders reports a key's limits as its dialect's clients read
// them: OpenAI's x-ratelimit-{limit,remaining,reset}-{requests,tokens}
// (reset as a duration, "59.5s"), or Anthropic's
// anthropic-ratelimit-{requests,tokens}-{limit,remaining,reset} (reset as
// an RFC 3339 time). The requests trio is requests_per_minute; the tokens
// trio is whichever of tokens_per_minute and token_budget has the least
// left. A limit the key does not have is not reported.
func rateLimitHeaders(h http.Header, ws []limits.Window, anthropicDialect bool, now time.Time) {
	var req, tok *limits.Window
	for i := range ws {
		w := &ws[i]
		switch {
		case w.Limit == limits.LimitRequests:
			req = w
		case tok == nil || w.Remaining() < tok.Remaining():
			tok = w
		}
	}
	// names are the limit, remaining and reset headers of the requests
	// and the tokens windows, canonical already (no work for Set).
	names := [2][3]string{
		{"X-Ratelimit-Limit-Requests", "X-Ratelimit-Remaining-Requests", "X-Ratelimit-Reset-Requests"},
		{"X-Ratelimit-Limit-Tokens", "X-Ratelimit-Remaining-Tokens", "X-Ratelimit-Reset-Tokens"},
	}
	if anthropicDialect {
		names = [2][3]string{
			{"Anthropic-Ratelimit-Requests-Limit", "Anthropic-Ratelimit-Requests-Remaining", "Anthropic-Ratelimit-Requests-Reset"},
			{"Anthropic-Ratelimit-Tokens-Limit", "Anthropic-Ratelimit-Tokens-Remaining", "Anthropic-Ratelimit-Tokens-Reset"},
		}
	}
	// vals backs every header's value slice: one allocation where Set
	// made one a header (each slice is capped, so that an Add to one
	// header cannot write into the next).
	vals := make([]string, 6)
	for i, w := range [2]*limits.Window{req, tok} {
		if w == nil {
			continue
		}
		reset := max(w.Reset.Sub(now), 0).Round(time.Millisecond).String()
		if anthropicDialect {
			reset = w.Reset.UTC().Format(time.RFC3339)
		}
		v := vals[3*i : 3*i+3 : 3*i+3]
		v[0], v[1], v[2] = strconv.FormatInt(w.Max, 10), strconv.FormatInt(w.Remaining(), 10), reset
		for j, name := range names[i] {
			h[name] = v[j : j+1 : j+1]
		}
	}
}

// admit takes a request, estimated at est() tokens, from its key's limits
// before the provider is called. On refusal it sets Retry-After on w and
// returns the error to answer with (rate_limited, or unavailable when the
// store failed). Either way the key's limits are reported in rate-limit
// headers of its dialect (rateLimitHeaders). Otherwise
// settle, called once the answer is known, replaces the token estimate
// with the usage the provider reported; refund says the request failed
// before its answer began, so took no tokens.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, key *config.Key, anthropicDialect bool, est func() int64, log *slog.Logger) (settle func(u abi.Usage, refund bool), e *abi.Error) {
	p := policy(key)
	if p.Zero() {
		return func(abi.Usage, bool) {}, nil
	}
	var tokens int64
	if p.TokensPerMinute > 0 || p.TokenBudget > 0 {
		tokens = est()
	}
	res, err := s.tenants.limiter.Reserve(r.Context(), key.Name, p, tokens)
	var d *limits.Denied
	switch {
	case errors.As(err, &d):
		rateLimitHeaders(w.Header(), d.Windows, anthropicDialect, s.now())
		w.Header().Set("Retry-After", strconv.FormatInt(int64(d.RetryAfter.Seconds()), 10))
		return nil, &abi.Error{Code: abi.CodeRateLimited, Retryable: true, Message: "this gateway API key is " + d.Error()}
	case err != nil:
		log.Error("tenant limits", slog.Any("err", err))
		return nil, &abi.Error{Code: abi.CodeUnavailable, Retryable: true, Message: "the gateway cannot check this key's limits now (its limit store is unreachable); retry later"}
	}
	rateLimitHeaders(w.Header(), res.Windows, anthropicDialect, s.now())
	return func(u abi.Usage, refund bool) {
		used := int64(u.InputTokens + u.OutputTokens)
		if used == 0 && !refund {
			return // no usage reported: the estimate stands
		}
		if err := res.Settle(context.WithoutCancel(r.Context()), used); err != nil {
			log.Error("tenant limits: settling", slog.Any("err", err))
		}
	}, nil
}
