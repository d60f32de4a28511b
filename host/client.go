package host

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/api"
	"github.com/wasmadapt/wasmadapt/framing"
	"github.com/wasmadapt/wasmadapt/host/sigv4"
)

// Provider is one LLM endpoint: an adapter module, where to send its
// requests and the credentials to send them with. The zero BaseURL means
// the module's default base URL.
type Provider struct {
	// Module is the adapter that speaks the provider's wire format.
	Module api.Module
	// BaseURL is the endpoint's base URL ("https://api.example.com",
	// a proxy, or a loopback test server). Empty: the module's
	// DefaultBaseURL.
	BaseURL string
	// Credentials yields the secret for the module's auth scheme. It may
	// be nil for a module whose scheme is "none".
	Credentials CredentialSource
	// Region is the AWS region, for modules whose scheme is aws-sigv4.
	Region string
	// Header holds extra headers sent with every request (an organization
	// or project header, a gateway's routing key). The module never sees
	// them.
	Header http.Header
}

// Client sends normalized requests through adapter modules. It is safe for
// concurrent use and should be reused: it holds the connection pool.
type Client struct {
	hc            *http.Client
	log           *slog.Logger
	retry         RetryPolicy
	idle          time.Duration
	maxBody       int64
	maxErrBody    int64
	maxEvent      int
	sleep         Sleeper
	now           func() time.Time
	rnd           func() float64
	obs           Observer
	tel           *telemetry
	maxBatch      int
	maxBatchBytes int
	recorder      func(context.Context, *Recording)
	tp            trace.TracerProvider
	mp            metric.MeterProvider
	caps          capsCache
	capsSize      int
	// assume is the WithAssumedCapabilities default (capcheck.go).
	assume *abi.Features
	// discovered holds the capabilities Models found (ops.go).
	discovered discoveredCache
}

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

// NewClient returns a client with the given options.
func NewClient(opts ...Option) *Client {
	c := &Client{
		idle:          DefaultIdleTimeout,
		maxBody:       DefaultMaxBodyBytes,
		maxErrBody:    DefaultMaxErrorBodyBytes,
		sleep:         realSleep,
		maxBatch:      DefaultMaxBatch,
		maxBatchBytes: DefaultMaxBatchBytes,
		now:           time.Now,
		rnd:           defaultRand,
	}
	for _, o := range opts {
		o(c)
	}
	if c.hc == nil {
		c.hc = &http.Client{Transport: sharedTransport}
	}
	// Redirects are never followed, whatever the given client says: Go's
	// client resends every header but Authorization and Cookie to another
	// host, API keys and signed AWS headers included (policy.go).
	hc := *c.hc
	hc.CheckRedirect = noRedirect
	c.hc = &hc
	if c.log == nil {
		c.log = slog.Default()
	}
	c.retry = c.retry.withDefaults()
	c.caps.max = c.capsSize
	if c.caps.max <= 0 {
		c.caps.max = DefaultCapabilitiesCacheSize
	}
	c.tel = newTelemetry(c.tp, c.mp)
	return c
}

// Capabilities returns the module's capabilities for model, cached per
// module and model (a module value that is not comparable is not cached)
// in a bounded LRU cache (WithCapabilitiesCacheSize) that forgets closed
// modules. Features and details that Models discovered for the model, and
// that have not expired (WithDiscoveryTTL), replace the module's own, with
// source "discovered".
func (c *Client) Capabilities(ctx context.Context, m api.Module, model string) (*abi.Capabilities, error) {
	// A Pinner (a registry handle) changes version between calls: its
	// capabilities are not cached (its pinned versions are).
	_, pinner := m.(api.Pinner)
	cacheable := !pinner && reflect.TypeOf(m).Comparable()
	k := capsKey{m, model}
	if cacheable {
		if v, ok := c.caps.get(k); ok {
			return c.discovered.overlay(m.Name(), model, v, c.now()), nil
		}
	}
	caps, err := m.Capabilities(ctx, model)
	if err != nil {
		return nil, err
	}
	if cacheable {
		c.caps.put(k, caps)
	}
	return c.discovered.overlay(m.Name(), model, caps, c.now()), nil
}

// Stream sends req and yields the normalized events as they arrive.
//
// Every failure is yielded as its error event together with the error, an
// *abi.Error with a stable code (match it with errors.Is against the abi
// sentinels): (abi.Event{Type: "error", ...}, err). An error the provider
// reports inside a stream may be followed by more events (a tool call cut
// off by the token limit, then usage and finish), and the loop may go on
// ranging to get them; every other failure (an error response, a broken
// or truncated stream, an adapter fault) is the last value yielded. When
// ctx ends, the last value is (zero Event, ctx's error). Stopping the loop
// early closes the connection.
//
// With req.Stream false the response is fetched whole and its events are
// yielded at once. Each range over the returned sequence sends the request
// anew. With a json_schema response format, an answer that does not match
// the schema ends the sequence with an output_invalid error after its
// events (see VerifyOutput).
func (c *Client) Stream(ctx context.Context, p Provider, req *abi.Request, opts ...CallOption) iter.Seq2[abi.Event, error] {
	return func(yield func(abi.Event, error) bool) {
		v := newOutputCheck(req, opts) // structured.go
		err := c.run(ctx, p, req, opts, func(ev *abi.Event, err error) bool { v.add(ev); return yield(*ev, err) })
		if err == nil {
			err = v.check()
		}
		if err != nil && !errors.Is(err, errStopped) {
			ev, _ := ErrorEvent(err)
			yield(ev, err)
		}
	}
}

// Generate sends req and returns the whole response: text, reasoning
// parts, tool calls, usage and finish reason. With req.Stream false it uses
// the provider's non-streamed endpoint; with req.Stream true it streams and
// accumulates.
//
// The response is never nil. When err is not nil it holds what arrived
// before or after the failure; err is the first error (an error event of
// the provider, or the failure that ended the call).
func (c *Client) Generate(ctx context.Context, p Provider, req *abi.Request, opts ...CallOption) (*Response, error) {
	return c.generate(ctx, p, req, opts, nil)
}

// generate is Generate; a non-nil stop, when it reports true after an
// event, ends the call with errStopped.
func (c *Client) generate(ctx context.Context, p Provider, req *abi.Request, opts []CallOption, stop func() bool) (*Response, error) {
	var acc Accumulator
	var first error
	var downgrades downgradeRecorder
	opts = append(opts[:len(opts):len(opts)], WithCallObserver(&downgrades))
	err := c.run(ctx, p, req, opts, func(ev *abi.Event, err error) bool {
		acc.Add(*ev)
		if err != nil && first == nil {
			first = err
		}
		return stop == nil || !stop()
	})
	r := acc.Response()
	r.Downgrades = downgrades
	if p.Module != nil && req != nil {
		if caps, cerr := c.Capabilities(ctx, p.Module, req.Model); cerr == nil {
			r.setProvider(caps.Provider)
		}
	}
	if first != nil {
		return r, first
	}
	if err == nil {
		err = verifyOutput(req, r, opts) // structured.go
	}
	return r, err
}

var errStopped = errors.New("host: the caller stopped the stream")

// ErrIdleTimeout is the cause (errors.Is) of the error returned when a
// streaming response stays silent longer than the idle timeout.
var ErrIdleTimeout = errors.New("host: idle timeout")

func (c *Client) run(ctx context.Context, p Provider, req *abi.Request, opts []CallOption, emit func(*abi.Event, error) bool) (err error) {
	if p.Module == nil {
		return abi.Errorf(abi.CodeInvalidRequest, "host.Provider has no Module: load an adapter module and set Provider.Module")
	}
	if req == nil {
		return abi.Errorf(abi.CodeInvalidRequest, "nil request")
	}
	// A module whose version can change between calls (an engine.Registry
	// handle) is pinned for the whole request, retries included: every
	// call goes to one version, which is not closed before the request
	// ends.
	if pn, ok := p.Module.(api.Pinner); ok {
		m, release := pn.Pin()
		defer release()
		p.Module = m
	}
	cc := callConfigOf(opts)
	if cc.assume == nil {
		cc.assume = c.assume
	}
	ctx, cancelCall, p, retry, idle := cc.apply(ctx, c, p)
	defer cancelCall()
	start := c.now()
	caps, err := c.Capabilities(ctx, p.Module, req.Model)
	if err != nil {
		return err
	}
	ctx, op := c.tel.start(ctx, c.now, caps, p, req)
	obs := c.observer(ctx, req, p, caps)
	obs.o = withObservers(obs.o, cc.observers)
	defer func() {
		op.end(err, start)
		obs.response(op.acc.Response(), err)
	}()
	c.noteCapabilities(ctx, op, caps, req, &cc)
	sendReq, applied, err := gate(caps, req, &cc)
	if err != nil {
		return err
	}
	var all []Downgrade
	for _, d := range applied {
		c.downgraded(ctx, op, obs, p.Module.Name(), req.Model, d, &all)
	}
	preq, sendReq, err := project(ctx, p.Module.Project, sendReq, &cc, func() {
		c.downgraded(ctx, op, obs, p.Module.Name(), req.Model, DropRefusedSampling, &all)
	})
	if err != nil {
		return err
	}
	ctxJSON, err := json.Marshal(sendReq.Context())
	if err != nil {
		return abi.Wrap(abi.CodeInvalidRequest, err, "encoding the stream context")
	}
	base := p.BaseURL
	if base == "" {
		base = caps.DefaultBaseURL
	}
	if base == "" {
		return abi.Errorf(abi.CodeInvalidRequest, "module %s declares no default base URL: set Provider.BaseURL", caps.Name)
	}
	x := &exchange{c: c, p: p, caps: caps, preq: preq, ctxJSON: ctxJSON, base: base, op: op, obs: obs, sent: sendReq, idle: idle}
	x.emit = func(ev *abi.Event, err error) bool {
		op.event(ev)
		obs.emit(StepEvent{Kind: KindEvent, Event: ev, Err: err})
		return emit(ev, err)
	}
	for attempt := 0; ; attempt++ {
		obs.emit(StepEvent{Kind: KindRequest, Attempt: attempt + 1})
		x.attempts = attempt + 1
		x.order = api.EventOrder{}
		retryAfter, err := x.attempt(ctx)
		if err == nil || errors.Is(err, errStopped) {
			return err
		}
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		var ae *abi.Error
		if x.delivered || attempt >= retry.MaxRetries || !errors.As(err, &ae) || !ae.Retryable {
			return err
		}
		wait := retry.backoff(attempt, c.rnd)
		if retryAfter > 0 {
			if retryAfter > retry.MaxRetryAfter {
				e := *ae
				e.Message += " (the provider asks to retry after " + retryAfter.Round(time.Second).String() + ", longer than the retry policy's MaxRetryAfter)"
				return &e
			}
			wait = retryAfter
		}
		c.log.WarnContext(ctx, "host: retrying", slog.String("code", string(ae.Code)), slog.Int("status", ae.Status),
			slog.Int("attempt", attempt+1), slog.Duration("delay", wait), slog.String("module", p.Module.Name()))
		obs.emit(StepEvent{Kind: KindRetry, Attempt: attempt + 1, Delay: wait, Err: err})
		op.retries++
		if err := c.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// exchange is one request with its retries.
type exchange struct {
	c         *Client
	p         Provider
	caps      *abi.Capabilities
	preq      *abi.ProviderRequest
	ctxJSON   []byte
	base      string
	op        *operation
	obs       *observer
	emit      func(*abi.Event, error) bool
	delivered bool
	sent      *abi.Request
	attempts  int
	idle      time.Duration
	cred      Credential // this attempt's, for a CredentialReporter
	// secrets are the credential's parts sent with the current attempt:
	// a response that contains one is refused (ErrCredentialEchoed).
	secrets [][]byte
	// order checks the attempt's events against the ABI's event order.
	order api.EventOrder
}

// deliver hands events to the caller. A retryable error event that comes
// before anything reached the caller ends the attempt, so that it can be
// retried; any other error event is delivered with its error and the
// stream goes on.
func (x *exchange) deliver(events []abi.Event, sawEnd *bool) error {
	for i := range events {
		ev := &events[i]
		if err := x.order.Check(ev); err != nil {
			return err
		}
		var err error
		switch ev.Type {
		case abi.EventError:
			e := ev.Err()
			if !x.delivered && e.Retryable {
				return e
			}
			err = e
			*sawEnd = true
		case abi.EventFinish:
			*sawEnd = true
		}
		x.delivered = true
		if !x.emit(ev, err) {
			return errStopped
		}
	}
	return nil
}

func (x *exchange) attempt(ctx context.Context) (time.Duration, error) {
	c := x.c
	streaming := x.preq.StreamFraming != abi.FramingNone && x.preq.StreamFraming != ""
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	hreq, err := x.build(actx)
	if err != nil {
		return 0, err
	}
	var idle *idleReader
	if streaming && x.idle > 0 {
		idle = &idleReader{d: x.idle}
		idle.t = time.AfterFunc(x.idle, func() { cancel(ErrIdleTimeout) })
		defer idle.t.Stop()
	}
	resp, err := c.hc.Do(hreq)
	if err != nil {
		if ctx.Err() != nil {
			return 0, context.Cause(ctx)
		}
		if context.Cause(actx) == ErrIdleTimeout {
			return 0, &abi.Error{Code: abi.CodeTimeout, Retryable: true, Err: ErrIdleTimeout,
				Message: "no response headers from " + hreq.URL.Host + " within the idle timeout of " + x.idle.String() + ": the provider is stalled; retry later or raise host.WithIdleTimeout"}
		}
		return 0, netError(redactURLError(err), hreq.URL)
	}
	defer resp.Body.Close()
	x.op.status(resp.StatusCode)
	var body io.Reader = resp.Body
	if idle != nil {
		idle.r = resp.Body
		idle.t.Reset(x.idle)
		body = idle
	}
	dec, err := framing.Decompress(body, resp.Header.Get("Content-Encoding"), c.maxBody)
	if err != nil {
		return 0, err
	}
	if closer, ok := dec.(io.Closer); ok {
		defer closer.Close()
	}
	if c.recorder != nil {
		var buf bytes.Buffer
		dec = io.TeeReader(dec, &buf)
		defer func() {
			c.recorder(ctx, &Recording{Request: x.sent, ProviderRequest: x.preq, Attempt: x.attempts,
				Status: resp.StatusCode, Header: resp.Header.Clone(), Body: buf.Bytes()})
		}()
	}
	headers := responseHeaders(resp.Header)
	for _, h := range headers {
		if echoed(x.secrets, h[1]) {
			return 0, echoError(resp.StatusCode)
		}
	}
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		return 0, redirectError(resp.StatusCode, resp.Header)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		data, rerr := io.ReadAll(io.LimitReader(dec, c.maxErrBody))
		if rerr != nil && ctx.Err() != nil {
			return 0, context.Cause(ctx)
		}
		if echoed(x.secrets, data) {
			return 0, echoError(resp.StatusCode)
		}
		ev, err := x.p.Module.MapError(ctx, &abi.ResponseInput{Status: uint32(resp.StatusCode), Headers: headers, Context: x.ctxJSON, Body: data})
		if err != nil {
			return 0, err
		}
		e := ev.Err()
		if e == nil {
			return 0, abi.Errorf(abi.CodeAdapterBadOutput, "module %s mapped HTTP %d to a %s event, not an error event", x.caps.Name, resp.StatusCode, ev.Type)
		}
		e.Status = resp.StatusCode
		ra, _ := ParseRetryAfter(resp.Header, c.now())
		return x.reportCredential(resp.StatusCode, ra), e
	}
	if err := notAnAPIAnswer(resp); err != nil {
		return 0, err
	}
	sawEnd := false
	if !streaming {
		data, err := io.ReadAll(dec)
		if err != nil {
			return 0, x.readErr(ctx, actx, err)
		}
		if echoed(x.secrets, data) {
			return 0, echoError(resp.StatusCode)
		}
		events, err := x.p.Module.ParseResponse(ctx, &abi.ResponseInput{Status: uint32(resp.StatusCode), Headers: headers, Context: x.ctxJSON, Body: data})
		if err != nil {
			return 0, err
		}
		return 0, x.deliver(events, &sawEnd)
	}
	st := &streamRun{x: x, ctx: ctx}
	var err2 error
	if c.maxBatch <= 1 {
		err2 = st.direct(actx, dec)
	} else {
		err2 = st.batched(actx, dec, cancel, resp.Body)
	}
	if err2 != nil {
		return 0, err2
	}
	if err := st.transform(nil, abi.FlagEnd); err != nil {
		return 0, err
	}
	if !st.sawEnd {
		// A body that ended cleanly without a single event is an
		// answer the module cannot read, not a transient failure: a
		// retry would be billed and answer the same.
		return 0, &abi.Error{Code: abi.CodeStreamTruncated, Retryable: st.events > 0,
			Message: "the stream from " + hreq.URL.Host + " ended without a finish or error event: the response is incomplete"}
	}
	return 0, nil
}

// streamRun feeds one streamed body through the module's transform.
type streamRun struct {
	x      *exchange
	ctx    context.Context
	state  []byte
	in     abi.TransformInput
	sawEnd bool
	events int // events the module emitted for this attempt
}

// transform runs one transform call over chunks and delivers its events.
func (s *streamRun) transform(chunks []abi.Chunk, flags uint32) error {
	for i := range chunks {
		if echoed(s.x.secrets, chunks[i].Event, chunks[i].Data) {
			return echoError(http.StatusOK)
		}
	}
	s.in = abi.TransformInput{Flags: flags, State: s.state, Chunks: chunks}
	if len(s.state) == 0 {
		s.in.Context = s.x.ctxJSON
	}
	state, events, err := s.x.p.Module.Transform(s.ctx, &s.in)
	if err != nil {
		return err
	}
	s.state = state
	s.x.op.chunks += len(chunks)
	s.events += len(events)
	if flags&abi.FlagEnd != 0 && !s.x.delivered {
		// The last call carries no chunk: an error it reports is the
		// module's verdict on a body that arrived whole, not the
		// provider's. When nothing came before it, the module could
		// read nothing in that body (an HTML page, an unknown format):
		// a retry would be billed for the same answer.
		for i := range events {
			events[i].Retryable = false
		}
	}
	return s.x.deliver(events, &s.sawEnd)
}

// direct makes one transform call per chunk, on the caller's goroutine.
func (s *streamRun) direct(actx context.Context, body io.Reader) error {
	one := make([]abi.Chunk, 1)
	for chunk, err := range framing.Split(body, s.x.preq.StreamFraming, framing.Options{MaxEventBytes: s.x.c.maxEvent}) {
		if err != nil {
			return s.x.readErr(s.ctx, actx, err)
		}
		one[0] = chunk
		if err := s.transform(one, 0); err != nil {
			return err
		}
	}
	return nil
}

// batched reads and frames the body on a second goroutine, which queues
// copies of the chunks while a transform call runs; each call then takes
// every chunk queued so far (up to the batch limits). Events do not depend
// on batching (the ABI requires it), and nothing waits for a batch to
// fill: an idle transform takes the first chunk as soon as it is framed.
func (s *streamRun) batched(actx context.Context, body io.Reader, cancel context.CancelCauseFunc, raw io.Closer) error {
	c := s.x.c
	b := &batcher{maxChunks: c.maxBatch, maxBytes: c.maxBatchBytes}
	b.cond.L = &b.mu
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.produce(framing.Split(body, s.x.preq.StreamFraming, framing.Options{MaxEventBytes: c.maxEvent}))
	}()
	defer func() {
		b.stop()
		cancel(nil) // unblocks a read in progress
		raw.Close()
		<-done
	}()
	var chunks []abi.Chunk
	var arena []byte
	for {
		var err error
		chunks, arena, err = b.take(chunks, arena)
		if len(chunks) > 0 {
			if terr := s.transform(chunks, 0); terr != nil {
				return terr
			}
			continue
		}
		if err == io.EOF {
			return nil
		}
		return s.x.readErr(s.ctx, actx, err)
	}
}

// batcher is a bounded queue of copied chunks between the goroutine that
// frames the body and the one that calls transform.
type batcher struct {
	mu        sync.Mutex
	cond      sync.Cond
	pending   []abi.Chunk
	arena     []byte
	freeC     []abi.Chunk
	freeA     []byte
	err       error
	done      bool
	stopped   bool
	maxChunks int
	maxBytes  int
}

func (b *batcher) produce(seq iter.Seq2[abi.Chunk, error]) {
	for ch, err := range seq {
		b.mu.Lock()
		// A batch holds at most maxBytes, unless it is one chunk: a
		// batch never grows past the module's input limit because of
		// the chunks around a large one.
		for !b.stopped && len(b.pending) > 0 && (len(b.pending) >= b.maxChunks || len(b.arena)+len(ch.Event)+len(ch.Data) > b.maxBytes) {
			b.cond.Wait()
		}
		if b.stopped {
			b.mu.Unlock()
			return
		}
		if err != nil {
			b.err, b.done = err, true
			b.cond.Broadcast()
			b.mu.Unlock()
			return
		}
		start := len(b.arena)
		b.arena = append(b.arena, ch.Event...)
		mid := len(b.arena)
		b.arena = append(b.arena, ch.Data...)
		end := len(b.arena)
		b.pending = append(b.pending, abi.Chunk{Event: b.arena[start:mid:mid], Data: b.arena[mid:end:end]})
		b.cond.Broadcast()
		b.mu.Unlock()
	}
	b.mu.Lock()
	b.err, b.done = io.EOF, true
	b.cond.Broadcast()
	b.mu.Unlock()
}

// take gives back the buffers of the batch the caller is done with and
// waits for the next one. With no chunk left it returns the framer's
// final error (io.EOF at a clean end).
func (b *batcher) take(doneC []abi.Chunk, doneA []byte) ([]abi.Chunk, []byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if doneC != nil {
		b.freeC, b.freeA = doneC[:0], doneA[:0]
	}
	for len(b.pending) == 0 && !b.done {
		b.cond.Wait()
	}
	if len(b.pending) == 0 {
		return nil, nil, b.err
	}
	out, outA := b.pending, b.arena
	b.pending, b.arena = b.freeC, b.freeA
	b.freeC, b.freeA = nil, nil
	b.cond.Broadcast()
	return out, outA, nil
}

func (b *batcher) stop() {
	b.mu.Lock()
	b.stopped = true
	b.cond.Broadcast()
	b.mu.Unlock()
}

// readErr classifies an error met while reading a 2xx body.
func (x *exchange) readErr(ctx, actx context.Context, err error) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if context.Cause(actx) == ErrIdleTimeout {
		return &abi.Error{Code: abi.CodeStreamTruncated, Retryable: true, Err: ErrIdleTimeout,
			Message: "the provider sent nothing for " + x.idle.String() + " (idle timeout): the connection stalled mid-response; retry, or raise host.WithIdleTimeout"}
	}
	if errors.Is(err, framing.ErrMalformed) || errors.Is(err, framing.ErrLimit) {
		return err
	}
	return &abi.Error{Code: abi.CodeStreamTruncated, Retryable: true, Err: err,
		Message: "the connection broke mid-response: " + err.Error()}
}

// responseHeaders returns the headers in the module's form: lower-case
// names sorted, repeated values joined with ", ".
func responseHeaders(h http.Header) [][2][]byte {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool { return strings.ToLower(names[i]) < strings.ToLower(names[j]) })
	out := make([][2][]byte, 0, len(names))
	for _, k := range names {
		out = append(out, [2][]byte{[]byte(strings.ToLower(k)), []byte(strings.Join(h[k], ", "))})
	}
	return out
}

// build turns the provider request into an HTTP request with credentials,
// after checking it against the host's rules (policy.go): an allowed
// method, a path that stays under the base URL, no query parameter named
// like the query credential, and only headers the policy allows. Operator
// headers (Provider.Header) win over projected ones.
func (x *exchange) build(ctx context.Context) (*http.Request, error) {
	pr := x.preq
	name := x.caps.Name
	if err := checkMethod(name, pr.Method); err != nil {
		return nil, err
	}
	path := pr.Path
	rawQuery := ""
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path, rawQuery = path[:i], path[i+1:]
	}
	bu, err := url.Parse(x.base)
	if err != nil || bu.Scheme == "" || bu.Host == "" || bu.Opaque != "" {
		return nil, abi.Errorf(abi.CodeInvalidRequest, "base URL %q is not an absolute URL: set Provider.BaseURL to e.g. https://api.example.com", x.base)
	}
	u, err := resolvePath(name, bu, path)
	if err != nil {
		return nil, err
	}
	q, err := url.ParseQuery(bu.RawQuery)
	if err != nil {
		return nil, abi.Errorf(abi.CodeInvalidRequest, "base URL query: %v", err)
	}
	auth := x.caps.Auth
	queryCred := func(k string) error {
		if auth.Scheme == abi.AuthQuery && k == auth.Name {
			return abi.Errorf(abi.CodeAdapterBadOutput, "module %s projected the query parameter %q, which carries the credential: only the host sets it", name, k)
		}
		return nil
	}
	if rawQuery != "" {
		extra, err := url.ParseQuery(rawQuery)
		if err != nil {
			return nil, abi.Errorf(abi.CodeAdapterBadOutput, "module %s projected a path with a malformed query: %v", name, err)
		}
		for k, v := range extra {
			if err := queryCred(k); err != nil {
				return nil, err
			}
			q[k] = v
		}
	}
	for k, v := range pr.Query {
		if err := queryCred(k); err != nil {
			return nil, err
		}
		q.Set(k, v)
	}
	authHeader := ""
	if auth.Scheme == abi.AuthHeader {
		authHeader = auth.Name
	}
	if err := checkHeaders(name, pr.Headers, authHeader); err != nil {
		return nil, err
	}
	method := pr.Method
	if method == "" {
		method = http.MethodPost
	}
	var body io.Reader
	if len(pr.Body) > 0 {
		body = bytes.NewReader(pr.Body)
	}
	var cred Credential
	if auth.Scheme != abi.AuthNone && auth.Scheme != "" {
		if x.p.Credentials == nil {
			return nil, abi.Errorf(abi.CodeAuthentication, "module %s authenticates with %s but the provider has no credentials: set Provider.Credentials (e.g. host.EnvKey(\"API_KEY_VAR\"))", x.caps.Name, auth.Scheme)
		}
		cred, err = x.p.Credentials.Credential(ctx)
		x.cred = cred
		if err != nil {
			var ae *abi.Error
			if errors.As(err, &ae) {
				return nil, err
			}
			return nil, abi.Wrap(abi.CodeAuthentication, err, "reading the credential")
		}
	}
	x.secrets = secrets(cred)
	if auth.Scheme == abi.AuthQuery {
		if auth.Name == "" {
			return nil, abi.Errorf(abi.CodeAdapterBadOutput, "module %s declares the query auth scheme without a parameter name", x.caps.Name)
		}
		q.Set(auth.Name, cred.Key)
	}
	u.RawQuery = q.Encode()
	if auth.Scheme == abi.AuthAWSSigV4 {
		// Re-encode from the escaped form, so that an escaped '/' the
		// module projected inside a segment (a model ARN) stays escaped.
		u.RawPath = sigv4.CanonicalEscapedURI(u.EscapedPath(), false)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, abi.Wrap(abi.CodeInvalidRequest, err, "building the HTTP request")
	}
	for k, v := range pr.Headers {
		req.Header.Set(k, v)
	}
	for k, v := range x.p.Header {
		req.Header[http.CanonicalHeaderKey(k)] = append([]string(nil), v...)
	}
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept-Encoding", "gzip, zstd")
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "wasmadapt-host/1")
	}
	switch auth.Scheme {
	case abi.AuthBearer:
		req.Header.Set("Authorization", "Bearer "+cred.Key)
	case abi.AuthHeader:
		if auth.Name == "" {
			return nil, abi.Errorf(abi.CodeAdapterBadOutput, "module %s declares the header auth scheme without a header name", x.caps.Name)
		}
		req.Header.Set(auth.Name, auth.Prefix+cred.Key)
	case abi.AuthAWSSigV4:
		if x.p.Region == "" {
			return nil, abi.Errorf(abi.CodeInvalidRequest, "module %s signs with aws-sigv4: set Provider.Region (e.g. us-east-1)", x.caps.Name)
		}
		s := sigv4.Signer{Region: x.p.Region, Service: auth.Service, SingleEncodePath: auth.Service == "s3"}
		err := s.Sign(req, sigv4.PayloadHash(pr.Body), sigv4.Credentials{
			AccessKeyID: cred.AccessKeyID, SecretAccessKey: cred.SecretAccessKey, SessionToken: cred.SessionToken,
		}, x.c.now())
		if err != nil {
			return nil, abi.Wrap(abi.CodeAuthentication, err, "signing the request")
		}
	case abi.AuthQuery, abi.AuthNone, "":
	default:
		return nil, abi.Errorf(abi.CodeAdapterBadOutput, "module %s declares an unknown auth scheme %q", x.caps.Name, auth.Scheme)
	}
	x.c.log.DebugContext(ctx, "host: sending", slog.String("method", method), slog.String("host", u.Host),
		slog.String("path", u.Path), slog.String("module", x.caps.Name))
	return req, nil
}

// redactURLError removes the query (where a query-scheme credential
// lives) from the URL net/http puts in its errors, so that no secret
// reaches an error message or a log.
func redactURLError(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	u, perr := url.Parse(ue.URL)
	if perr != nil {
		return &url.Error{Op: ue.Op, URL: "[redacted]", Err: ue.Err}
	}
	if u.RawQuery != "" {
		u.RawQuery = "[redacted]"
	}
	u.User = nil
	return &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
}

// idleReader resets the idle timer on every read that made progress.
type idleReader struct {
	r io.Reader
	t *time.Timer
	d time.Duration
}

func (i *idleReader) Read(p []byte) (int, error) {
	n, err := i.r.Read(p)
	if n > 0 {
		i.t.Reset(i.d)
	}
	return n, err
}

// CloseIdleConnections closes the idle connections of the transport shared
// by clients made without WithHTTPClient or WithTransport.
func CloseIdleConnections() { sharedTransport.CloseIdleConnections() }
