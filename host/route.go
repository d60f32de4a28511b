package host

import (
	"context"
	"errors"
	"iter"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/wasmadapt/wasmadapt/abi"
)

// AttrRouteTarget is the span attribute naming the route target that
// served a call (on the route span, parent of the targets' chat spans).
const AttrRouteTarget = "wasmadapt.route.target"

// Target is one place a Route may send a request: a provider and the model
// to ask there.
type Target struct {
	// Name identifies the target in records and spans (default
	// "module/model").
	Name string
	// Provider is where the request goes (its Credentials may be a
	// KeyPool).
	Provider Provider
	// Model replaces the request's model ("" keeps it).
	Model string
}

// ModelFor is the model a request for requested is sent with to t: t's
// Model, or requested when t does not replace it.
func (t Target) ModelFor(requested string) string {
	if t.Model != "" {
		return t.Model
	}
	return requested
}

func (t Target) label(model string) string {
	if t.Name != "" {
		return t.Name
	}
	m := ""
	if t.Provider.Module != nil {
		m = t.Provider.Module.Name()
	}
	return m + "/" + model
}

// Route is an ordered list of targets: a request goes to the first one
// that can serve it and moves on to the next when a target fails with a
// retryable error (after that target's retries) before any event reached
// the caller. A target whose model cannot serve the request (the
// capability check) is skipped, never sent to, and the reason recorded.
type Route struct {
	Targets []Target
}

// RouteAttempt records what became of one target of a route.
type RouteAttempt struct {
	// Target is the target's name.
	Target string
	// Skipped is set when the target was not sent to (Err says why).
	Skipped bool
	// Err is why the target did not serve (nil for the one that did).
	Err error
}

// routeRun sends req along rt, emitting the serving target's events.
func (c *Client) routeRun(ctx context.Context, rt *Route, req *abi.Request, opts []CallOption, emit func(*abi.Event, error) bool) (served string, provider string, rec []RouteAttempt, err error) {
	if rt == nil || len(rt.Targets) == 0 {
		return "", "", nil, abi.Errorf(abi.CodeInvalidRequest, "the route has no targets")
	}
	if req == nil {
		return "", "", nil, abi.Errorf(abi.CodeInvalidRequest, "nil request")
	}
	ctx, span := c.tel.tracer.Start(ctx, "route", trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(attribute.String(AttrOperationName, "route"), attribute.String(AttrRequestModel, req.Model)))
	defer func() {
		if err != nil && !errors.Is(err, errStopped) {
			span.SetStatus(codes.Error, err.Error())
		} else if served != "" {
			span.SetAttributes(attribute.String(AttrRouteTarget, served))
		}
		span.End()
	}()
	var skips []string
	var last error
	for _, t := range rt.Targets {
		r := *req
		r.Model = t.ModelFor(r.Model)
		name := t.label(r.Model)
		skip := func(err error) {
			rec = append(rec, RouteAttempt{Target: name, Skipped: true, Err: err})
			skips = append(skips, name+": "+err.Error())
			span.AddEvent("route.skip", trace.WithAttributes(attribute.String(AttrRouteTarget, name), attribute.String(AttrErrorType, string(abi.CodeOf(err)))))
		}
		if t.Provider.Module == nil {
			skip(abi.Errorf(abi.CodeInvalidRequest, "the target has no Module"))
			continue
		}
		caps, err := c.Capabilities(ctx, t.Provider.Module, r.Model)
		if err != nil {
			skip(err)
			continue
		}
		if err := c.precheck(caps, &r, opts); err != nil {
			skip(err)
			continue
		}
		delivered := false
		err = c.run(ctx, t.Provider, &r, opts, func(ev *abi.Event, err error) bool {
			delivered = true
			return emit(ev, err)
		})
		if err == nil || errors.Is(err, errStopped) || delivered {
			// Served, wholly or in part: a failure after the first
			// event is the caller's, never retried elsewhere.
			rec = append(rec, RouteAttempt{Target: name, Err: err})
			return name, caps.Provider, rec, err
		}
		rec = append(rec, RouteAttempt{Target: name, Err: err})
		span.AddEvent("route.fail", trace.WithAttributes(attribute.String(AttrRouteTarget, name), attribute.String(AttrErrorType, string(abi.CodeOf(err)))))
		last = err
		var ae *abi.Error
		if ctx.Err() != nil || !errors.As(err, &ae) || !ae.Retryable {
			return "", "", rec, err
		}
	}
	if last != nil {
		return "", "", rec, last
	}
	return "", "", rec, &abi.Error{Code: abi.CodeCapabilityUnsupported,
		Message: "no target of the route can serve the request: " + strings.Join(skips, "; ")}
}

// GenerateRoute is Generate along a route: the response says which target
// served it (Served) and what became of the others (Route).
func (c *Client) GenerateRoute(ctx context.Context, rt *Route, req *abi.Request, opts ...CallOption) (*Response, error) {
	return c.generateRoute(ctx, rt, req, opts, nil)
}

// generateRoute is GenerateRoute; stop is as for generate.
func (c *Client) generateRoute(ctx context.Context, rt *Route, req *abi.Request, opts []CallOption, stop func() bool) (*Response, error) {
	var acc Accumulator
	var first error
	served, prov, rec, err := c.routeRun(ctx, rt, req, opts, func(ev *abi.Event, err error) bool {
		acc.Add(*ev)
		if err != nil && first == nil {
			first = err
		}
		return stop == nil || !stop()
	})
	acc.Provider = prov
	r := acc.Response()
	r.Served, r.Route = served, rec
	if first != nil {
		return r, first
	}
	if err == nil {
		err = verifyOutput(req, r, opts)
	}
	return r, err
}

// StreamRoute is Stream along a route. Record, when not nil, receives
// what GenerateRoute puts on its response (the serving target and the
// attempts) once the stream ends.
func (c *Client) StreamRoute(ctx context.Context, rt *Route, req *abi.Request, record func(served string, attempts []RouteAttempt), opts ...CallOption) iter.Seq2[abi.Event, error] {
	return func(yield func(abi.Event, error) bool) {
		served, _, rec, err := c.routeRun(ctx, rt, req, opts, func(ev *abi.Event, err error) bool { return yield(*ev, err) })
		if record != nil {
			record(served, rec)
		}
		if err != nil && !errors.Is(err, errStopped) {
			ev, _ := ErrorEvent(err)
			yield(ev, err)
		}
	}
}
