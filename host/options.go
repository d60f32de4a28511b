package host

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/wasmadapt/wasmadapt/abi"
)

// Option configures a Client.
type Option func(*Client)

// Defaults of a Client.
const (
	// DefaultIdleTimeout is how long a streaming response may stay silent
	// (no bytes, headers included) before the client gives up on it.
	DefaultIdleTimeout = 60 * time.Second
	// DefaultMaxBodyBytes bounds a decompressed response body (and a
	// stream's total bytes).
	DefaultMaxBodyBytes = 64 << 20
	// DefaultMaxErrorBodyBytes bounds the body of an error response given
	// to the module's error mapping.
	DefaultMaxErrorBodyBytes = 1 << 20
	// DefaultMaxBatch is the most stream chunks passed to one transform
	// call, and DefaultMaxBatchBytes the most bytes queued for it.
	DefaultMaxBatch      = 64
	DefaultMaxBatchBytes = 1 << 20
)

// WithMaxBatch sets the most chunks one transform call receives (default
// DefaultMaxBatch). Chunks are batched only when they are already framed
// while the previous call runs, so batching never delays an event; 1 makes
// one call per chunk on the caller's goroutine.
func WithMaxBatch(n int) Option { return func(c *Client) { c.maxBatch = n } }

// sharedTransport is the transport of every Client made without
// WithHTTPClient or WithTransport: one connection pool per process.
var sharedTransport = NewTransport()

// NewTransport returns a new transport with the host's settings: HTTP/2
// attempted on TLS connections, the transport's own compression off (the
// host asks for gzip and zstd and decodes them with a size limit), and
// larger idle pools. Use it with WithTransport to change TLS or proxy
// settings while keeping the rest.
func NewTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ForceAttemptHTTP2 = true
	// The host advertises gzip and zstd itself and decodes them with a
	// size limit (framing.Decompress); the transport must not.
	t.DisableCompression = true
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 64
	return t
}

// WithHTTPClient makes the client send with hc. Its Timeout should be zero:
// a stream may last minutes; use contexts and WithIdleTimeout instead. The
// client uses a copy of hc whose CheckRedirect refuses every redirect: a
// provider's 3xx answer is an invalid_request error caused by ErrRedirect.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// WithTransport makes the client send through rt (a shared transport with
// its own TLS or proxy settings, or a test double).
func WithTransport(rt http.RoundTripper) Option {
	return func(c *Client) { c.hc = &http.Client{Transport: rt} }
}

// WithLogger sets the logger (default slog.Default()). Secrets are never
// logged.
func WithLogger(l *slog.Logger) Option { return func(c *Client) { c.log = l } }

// WithRetry sets the retry policy (default DefaultRetryPolicy).
func WithRetry(p RetryPolicy) Option { return func(c *Client) { c.retry = p } }

// WithIdleTimeout sets how long a streaming response may stay silent before
// it fails (default DefaultIdleTimeout; 0 or less disables it). It covers
// the wait for the response headers and every gap between body reads. A
// non-streamed request is bounded by its context only, since a provider
// sends nothing until the whole answer is ready.
func WithIdleTimeout(d time.Duration) Option { return func(c *Client) { c.idle = d } }

// WithMaxBodyBytes bounds a decompressed response body (default
// DefaultMaxBodyBytes).
func WithMaxBodyBytes(n int64) Option { return func(c *Client) { c.maxBody = n } }

// WithSleeper replaces the function the client waits with between
// retries. Tests use it to observe the delays without waiting.
func WithSleeper(s Sleeper) Option { return func(c *Client) { c.sleep = s } }

// WithClock replaces the clock used for Retry-After dates, SigV4
// signatures and durations.
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// WithJitter replaces the random source of the backoff jitter (a function
// returning values in [0, 1)).
func WithJitter(rnd func() float64) Option { return func(c *Client) { c.rnd = rnd } }

// WithObserver receives every step of every call: requests, downgrades,
// retries, events, responses, and the tool loop's steps.
func WithObserver(o Observer) Option { return func(c *Client) { c.obs = o } }

// Recording is one HTTP exchange as the host saw it: what `wasmrun chat
// --record` saves as a replayable case. It holds no credential: the
// provider request is the module's projection, to which the host adds
// credentials only on the wire.
type Recording struct {
	// Request is the normalized request sent (after any downgrade).
	Request *abi.Request
	// ProviderRequest is the module's projection of it.
	ProviderRequest *abi.ProviderRequest
	// Attempt counts the HTTP attempts of the call, from 1.
	Attempt int
	// Status and Header are the response's.
	Status int
	Header http.Header
	// Body is the response body as read (decompressed); it is cut short
	// when the stream broke or the caller stopped early.
	Body []byte
}

// WithRecorder calls f after each HTTP attempt that got a response, with
// the exchange. f runs on the calling goroutine and may keep the
// Recording.
func WithRecorder(f func(ctx context.Context, r *Recording)) Option {
	return func(c *Client) { c.recorder = f }
}

// WithTracerProvider sets the OpenTelemetry tracer provider (default the
// global one, a no-op unless the program installs an SDK).
func WithTracerProvider(tp trace.TracerProvider) Option { return func(c *Client) { c.tp = tp } }

// WithMeterProvider sets the OpenTelemetry meter provider (default the
// global one).
func WithMeterProvider(mp metric.MeterProvider) Option { return func(c *Client) { c.mp = mp } }
