package host

import (
	"context"
	"net/http"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
)

// callExtras holds the per-call settings of the CallOptions below; a zero
// field means the client's setting.
type callExtras struct {
	retry     *RetryPolicy
	total     time.Duration
	step      time.Duration
	idle      *time.Duration
	header    http.Header
	observers []Observer
	noVerify  bool
}

// WithCallRetry sets the retry policy of this call (or of every request of
// a tool loop), instead of the client's.
func WithCallRetry(p RetryPolicy) CallOption {
	p = p.withDefaults()
	return func(c *callConfig) { c.retry = &p }
}

// WithTimeout bounds the whole call, retries and waits included; for a
// tool loop, the whole loop. When it expires the call fails with an
// *abi.Error with code timeout.
func WithTimeout(d time.Duration) CallOption { return func(c *callConfig) { c.total = d } }

// WithStepTimeout bounds each request of a tool loop (each model call,
// retries included), not the tools it runs; outside a tool loop it bounds
// the call, as WithTimeout does.
func WithStepTimeout(d time.Duration) CallOption { return func(c *callConfig) { c.step = d } }

// WithCallIdleTimeout sets how long a streaming response of this call may
// stay silent (see WithIdleTimeout); 0 or less disables it.
func WithCallIdleTimeout(d time.Duration) CallOption {
	return func(c *callConfig) { c.idle = &d }
}

// WithHeader adds headers to this call's HTTP requests, after the
// provider's Header (a value set here replaces the provider's). Headers
// the host owns (Authorization, Host, Content-Length, Accept-Encoding,
// Connection, Transfer-Encoding) are ignored.
func WithHeader(h http.Header) CallOption {
	return func(c *callConfig) {
		if c.header == nil {
			c.header = http.Header{}
		}
		for k, v := range h {
			k = http.CanonicalHeaderKey(k)
			switch k {
			case "Host", "Content-Length", "Accept-Encoding", "Authorization", "Connection", "Transfer-Encoding":
				continue // owned by the host
			}
			c.header[k] = append([]string(nil), v...)
		}
	}
}

// WithCallObserver receives the step events of this call only (in a tool
// loop, of the loop's requests and steps), in addition to the client's
// observer. It is called on the goroutine that runs the call.
func WithCallObserver(o Observer) CallOption {
	return func(c *callConfig) { c.observers = append(c.observers, o) }
}

// SkipOutputValidation turns off the check of a json_schema response's
// final text against its schema (see Client.Generate).
func SkipOutputValidation() CallOption { return func(c *callConfig) { c.noVerify = true } }

func callConfigOf(opts []CallOption) callConfig {
	var cc callConfig
	for _, o := range opts {
		if o != nil {
			o(&cc)
		}
	}
	return cc
}

// timeoutCtx bounds ctx by d (when d > 0); the cause of its expiry is an
// *abi.Error with code timeout naming the option.
func timeoutCtx(ctx context.Context, d time.Duration, what string) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeoutCause(ctx, d, &abi.Error{Code: abi.CodeTimeout, Err: context.DeadlineExceeded,
		Message: "the call ran past its " + what + " of " + d.String()})
}

// apply fills the call's settings into the exchange's inputs: the context
// bounded by its timeouts, the provider with its extra headers, the retry
// policy and idle timeout to use, and the observer fan-out.
func (cc *callConfig) apply(ctx context.Context, c *Client, p Provider) (context.Context, context.CancelFunc, Provider, RetryPolicy, time.Duration) {
	ctx, c1 := timeoutCtx(ctx, cc.total, "total timeout (host.WithTimeout)")
	ctx, c2 := timeoutCtx(ctx, cc.step, "step timeout (host.WithStepTimeout)")
	if len(cc.header) > 0 {
		h := p.Header.Clone()
		if h == nil {
			h = http.Header{}
		}
		for k, v := range cc.header {
			h[k] = v
		}
		p.Header = h
	}
	retry := c.retry
	if cc.retry != nil {
		retry = *cc.retry
	}
	idle := c.idle
	if cc.idle != nil {
		idle = *cc.idle
	}
	return ctx, func() { c2(); c1() }, p, retry, idle
}

// multiObserver sends every event to each of its observers.
type multiObserver []Observer

func (m multiObserver) Observe(ctx context.Context, e StepEvent) {
	for _, o := range m {
		o.Observe(ctx, e)
	}
}

// withObservers returns o extended by extra.
func withObservers(o Observer, extra []Observer) Observer {
	if len(extra) == 0 {
		return o
	}
	var m multiObserver
	if o != nil {
		m = append(m, o)
	}
	return append(m, extra...)
}
