package host

import (
	"context"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
)

// StepKind names what a StepEvent reports.
type StepKind string

// The step kinds.
const (
	// KindRequest: an HTTP attempt is about to be sent (Attempt counts
	// from 1).
	KindRequest StepKind = "request"
	// KindDowngrade: the capability check applied an allowed downgrade.
	KindDowngrade StepKind = "downgrade"
	// KindRetry: an attempt failed with Err and will be retried after
	// Delay.
	KindRetry StepKind = "retry"
	// KindEvent: a normalized event reached the caller.
	KindEvent StepKind = "event"
	// KindResponse: a call ended, with Response (possibly partial) and
	// Err.
	KindResponse StepKind = "response"
	// KindStepStart: the tool loop starts step Step.
	KindStepStart StepKind = "step-start"
	// KindToolCall: the tool loop is about to handle ToolCall.
	KindToolCall StepKind = "tool-call"
	// KindToolResult: a tool call produced Result (an error result when
	// its arguments were invalid, the gate denied it, or the handler
	// failed).
	KindToolResult StepKind = "tool-result"
	// KindStepEnd: the tool loop finished step Step with Response.
	KindStepEnd StepKind = "step-end"
)

// StepEvent is one observable step of a call or a tool loop. Every event
// carries the request's session and trace ids and, inside a tool loop, the
// step number.
type StepEvent struct {
	// Kind says what happened.
	Kind StepKind
	// SessionID and TraceID are the request's.
	SessionID string
	TraceID   string
	// Step is the tool loop step (from 1), 0 outside a tool loop.
	Step int
	// Module and Model say which adapter and model served the call.
	Module string
	Model  string
	// Attempt is the HTTP attempt number (KindRequest, KindRetry).
	Attempt int
	// Delay is the wait before the next attempt (KindRetry).
	Delay time.Duration
	// Downgrade is the downgrade applied (KindDowngrade).
	Downgrade Downgrade
	// Event is the normalized event (KindEvent); valid during the call.
	Event *abi.Event
	// ToolCall and Result describe a tool call (KindToolCall,
	// KindToolResult).
	ToolCall *ToolCall
	Result   *ToolResult
	// Response is the response of a call or step (KindResponse,
	// KindStepEnd).
	Response *Response
	// Err is the failure, if any.
	Err error
}

// Observer receives step events. It is called synchronously on the
// goroutine doing the work (a tool loop's events, tool results included,
// on the loop's goroutine), so it must be quick and safe for concurrent
// use.
type Observer interface {
	Observe(ctx context.Context, e StepEvent)
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(ctx context.Context, e StepEvent)

// Observe calls f.
func (f ObserverFunc) Observe(ctx context.Context, e StepEvent) { f(ctx, e) }

type stepKey struct{}

func withStep(ctx context.Context, step int) context.Context {
	return context.WithValue(ctx, stepKey{}, step)
}

func stepOf(ctx context.Context) int {
	s, _ := ctx.Value(stepKey{}).(int)
	return s
}

// observer stamps events with a call's identity.
type observer struct {
	ctx  context.Context
	o    Observer
	base StepEvent
}

func (c *Client) observer(ctx context.Context, req *abi.Request, p Provider, caps *abi.Capabilities) *observer {
	return &observer{ctx: ctx, o: c.obs, base: StepEvent{
		SessionID: req.SessionID, TraceID: req.TraceID, Step: stepOf(ctx), Module: caps.Name, Model: req.Model,
	}}
}

func (o *observer) emit(e StepEvent) {
	if o == nil || o.o == nil {
		return
	}
	e.SessionID, e.TraceID, e.Step, e.Module, e.Model = o.base.SessionID, o.base.TraceID, o.base.Step, o.base.Module, o.base.Model
	o.o.Observe(o.ctx, e)
}

func (o *observer) response(r *Response, err error) {
	o.emit(StepEvent{Kind: KindResponse, Response: r, Err: err})
}
