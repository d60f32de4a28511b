package host

import (
	"context"
	"errors"
	"iter"
	"log/slog"
	"net/http"
	"reflect"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/api"
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
	// contexts caches the JSON of stream contexts (ctxjson.go).
	contexts contextCache
}

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

// CloseIdleConnections closes the idle connections of the transport shared
// by clients made without WithHTTPClient or WithTransport.
func CloseIdleConnections() { sharedTransport.CloseIdleConnections() }
