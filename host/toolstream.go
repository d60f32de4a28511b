package host

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"slices"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/wasmadapt/wasmadapt/abi"
)

// KindApprovalRequest: the gate left ToolCall pending; the step ends and
// the loop stops until ToolLoop.Resume answers it.
const KindApprovalRequest StepKind = "approval-request"

// Run continues the session s: it sends req (the model and settings; its
// messages, tools and ids are replaced by the session's history, the
// registry's definitions (followed by req's provider tools, which the
// provider runs itself) and the session's ids, req's TraceID winning when
// set) and loops through tool calls. Each assistant turn and each step's
// tool results are appended to s as they happen. It returns the final
// response, or the last response with an error wrapping ErrStepLimit when
// the model keeps calling tools. A failed request (Client.Generate's
// error) ends the loop with that error and the partial response; its turn
// is not appended. When the gate leaves a call pending, Run returns the
// step's response and an *ApprovalPendingError (errors.Is ErrPending); the
// session holds the pending calls (Session.Pending) until Resume. A
// response that finishes with abi.FinishPause (the provider paused a turn
// of its own tools) is appended and the history sent again, which
// continues the turn; each such request counts as a step.
func (l *ToolLoop) Run(ctx context.Context, s *Session, req *abi.Request) (*Response, error) {
	return l.drive(ctx, s, req, nil, nil, nil)
}

// Stream runs the loop as Run does and yields, for this call only, every
// step event as it happens: step start and end, each request's attempts,
// retries and normalized events, each tool call, approval request and
// tool result, all stamped with the session and trace ids and the step
// number. Every value is (event, nil) except the last of a loop that
// fails or pauses for approval: (its step-end event, the error Run would
// return). The final response is the last step-end event's Response.
// Stopping the range early stops the loop (a step in progress is
// abandoned; tool calls already running finish first). Events may be
// kept after the iteration (KindEvent's Event is a copy). opts apply after
// the loop's Options.
func (l *ToolLoop) Stream(ctx context.Context, s *Session, req *abi.Request, opts ...CallOption) iter.Seq2[StepEvent, error] {
	return func(yield func(StepEvent, error) bool) {
		l.drive(ctx, s, req, nil, opts, yield)
	}
}

// loopRun is one run of a tool loop.
type loopRun struct {
	l       *ToolLoop
	s       *Session
	cc      callConfig
	opts    []CallOption
	yield   func(StepEvent, error) bool
	stopped bool
	model   string
	traceID string
}

// send hands e to the Stream caller, if any and still listening. An
// event is copied: the caller may keep it.
func (r *loopRun) send(e StepEvent, err error) {
	if r.yield == nil || r.stopped {
		return
	}
	if e.Event != nil {
		ev := *e.Event
		e.Event = &ev
	}
	if !r.yield(e, err) {
		r.stopped = true
	}
}

// emit reports a loop event to the client's observer, the call's
// observers and the Stream caller.
func (r *loopRun) emit(ctx context.Context, step int, e StepEvent, err error) {
	e.SessionID, e.TraceID, e.Step, e.Model = r.s.ID, r.traceID, step, r.model
	if m := r.l.Provider.Module; m != nil && r.l.Route == nil {
		e.Module = m.Name()
	}
	if o := r.l.Client.obs; o != nil {
		o.Observe(ctx, e)
	}
	for _, o := range r.cc.observers {
		o.Observe(ctx, e)
	}
	r.send(e, err)
}

func (l *ToolLoop) drive(ctx context.Context, s *Session, req *abi.Request, resume *PendingApproval, opts []CallOption, yield func(StepEvent, error) bool) (*Response, error) {
	if l.Client == nil || l.Tools == nil || (l.Provider.Module == nil && l.Route == nil) || s == nil || req == nil {
		err := errors.New("host: ToolLoop needs a Client, Tools, a Provider with a Module (or a Route), a Session and a request")
		if yield != nil {
			yield(StepEvent{Kind: KindStepEnd, Err: err}, err)
		}
		return nil, err
	}
	all := append(slices.Clone(l.Options), opts...)
	r := &loopRun{l: l, s: s, yield: yield, cc: callConfigOf(all), model: req.Model}
	ctx, cancel := timeoutCtx(ctx, r.cc.total, "total timeout (host.WithTimeout)")
	defer cancel()
	// The loop's context carries the total timeout: each request gets
	// only the step timeout.
	r.opts = append(all, func(c *callConfig) { c.total = 0 },
		WithCallObserver(ObserverFunc(func(_ context.Context, e StepEvent) { r.send(e, nil) })))
	max := l.MaxSteps
	if max <= 0 {
		max = DefaultMaxSteps
	}
	// One span for the whole loop: the chat and execute_tool spans of its
	// steps are its children.
	ctx, span := l.Client.tel.tracer.Start(ctx, "invoke_agent", trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(attribute.String(AttrOperationName, "invoke_agent"), attribute.String(AttrConversationID, s.ID),
			attribute.String(AttrRequestModel, req.Model)))
	defer span.End()
	var last *Response
	step := 1
	if resume != nil {
		step = resume.Step
		r.traceID = resume.TraceID
		sctx := withStep(ctx, step)
		s.AppendToolResults(r.finish(sctx, step, resume.Calls))
		s.setPending(nil)
		r.emit(sctx, step, StepEvent{Kind: KindStepEnd}, nil)
		if r.stopped {
			return nil, errStopped
		}
		step++
	}
	for ; step <= max; step++ {
		sctx := withStep(ctx, step)
		rq := s.Request(req)
		rq.Tools = append(l.Tools.Definitions(), providerTools(req.Tools)...)
		r.traceID = rq.TraceID
		r.emit(sctx, step, StepEvent{Kind: KindStepStart}, nil)
		l.Client.log.DebugContext(sctx, "host: tool loop step", slog.String("session_id", s.ID), slog.String("trace_id", rq.TraceID), slog.Int("step", step))
		var resp *Response
		var err error
		if l.Route != nil {
			resp, err = l.Client.generateRoute(sctx, l.Route, rq, r.opts, func() bool { return r.stopped })
		} else {
			resp, err = l.Client.generate(sctx, l.Provider, rq, r.opts, func() bool { return r.stopped })
		}
		if r.stopped {
			return resp, errStopped
		}
		if err != nil {
			r.emit(sctx, step, StepEvent{Kind: KindStepEnd, Response: resp, Err: err}, err)
			return resp, err
		}
		last = resp
		s.AppendResponse(resp)
		approvals := resp.ApprovalRequests()
		if len(resp.ToolCalls) == 0 && len(approvals) == 0 {
			r.emit(sctx, step, StepEvent{Kind: KindStepEnd, Response: resp}, nil)
			if resp.FinishReason == abi.FinishPause && !r.stopped {
				// The provider paused its own tools' turn (ABI 1.3):
				// resending the history, this turn included, continues it.
				continue
			}
			return resp, nil
		}
		calls := r.decide(sctx, step, resp.ToolCalls, approvals)
		if perr := pendingOf(calls); perr != nil {
			tmpl := *req
			s.setPending(&PendingApproval{Step: step, TraceID: rq.TraceID, Request: &tmpl, Calls: calls})
			for _, c := range calls {
				if c.State == CallPending {
					call := r.toolCall(step, c)
					r.emit(sctx, step, StepEvent{Kind: KindApprovalRequest, ToolCall: &call}, nil)
				}
			}
			r.emit(sctx, step, StepEvent{Kind: KindStepEnd, Response: resp, Err: perr}, perr)
			return resp, perr
		}
		s.AppendToolResults(r.finish(sctx, step, calls))
		r.emit(sctx, step, StepEvent{Kind: KindStepEnd, Response: resp}, nil)
		if r.stopped {
			return resp, errStopped
		}
	}
	span.SetStatus(codes.Error, "step limit")
	err := fmt.Errorf("%w: the model still called tools after %d requests; raise ToolLoop.MaxSteps or check the tools' results", ErrStepLimit, max)
	r.send(StepEvent{Kind: KindStepEnd, SessionID: s.ID, TraceID: r.traceID, Step: max, Response: last, Err: err}, err)
	return last, err
}

func (r *loopRun) toolCall(step int, c ApprovalCall) ToolCall {
	return ToolCall{Index: c.Index, ID: c.ID, Name: c.Name, Arguments: c.Arguments, SessionID: r.s.ID, TraceID: r.traceID, Step: step, Provider: c.Provider}
}

// decide validates each call and asks the gate about the valid ones, in
// the order the model made them, then asks the gate about the provider's
// approval requests (ABI 1.3): nil approves, ErrPending (or no gate)
// leaves the request pending, another error denies it.
func (r *loopRun) decide(ctx context.Context, step int, parts, approvals []abi.Part) []ApprovalCall {
	out := make([]ApprovalCall, len(parts), len(parts)+len(approvals))
	for i, p := range parts {
		c := ApprovalCall{Index: i, ID: p.ID, Name: p.Name, Arguments: json.RawMessage(p.Arguments), State: CallAllowed}
		call := r.toolCall(step, c)
		r.emit(ctx, step, StepEvent{Kind: KindToolCall, ToolCall: &call}, nil)
		if err := r.l.Tools.Validate(call.Name, call.Arguments); err != nil {
			var ae *abi.Error
			errors.As(err, &ae)
			msg := string(ae.Code) + ": " + ae.Message
			if ae.Code == abi.CodeToolArgumentsInvalid {
				msg += ". Call the tool again with arguments that match its schema."
			}
			c.State, c.Content, c.err = CallRefused, msg, err
		} else if r.l.Gate != nil {
			if err := r.l.Gate(ctx, call); errors.Is(err, ErrPending) {
				c.State = CallPending
			} else if err != nil {
				c.State, c.Content, c.err = CallRefused, "the call was not allowed: "+err.Error(), fmt.Errorf("%w: %w", ErrDenied, err)
			}
		}
		out[i] = c
	}
	for _, p := range approvals {
		c := ApprovalCall{Index: len(out), ID: p.ID, Name: p.Name, Arguments: json.RawMessage(p.Input), State: CallPending, Provider: p.Provider}
		call := r.toolCall(step, c)
		r.emit(ctx, step, StepEvent{Kind: KindToolCall, ToolCall: &call}, nil)
		if r.l.Gate != nil {
			if err := r.l.Gate(ctx, call); err == nil {
				c.State = CallAllowed
			} else if !errors.Is(err, ErrPending) {
				c.State, c.Content, c.err = CallRefused, "the call was not allowed: "+err.Error(), fmt.Errorf("%w: %w", ErrDenied, err)
			}
		}
		out = append(out, c)
	}
	return out
}

// finish runs the allowed calls (at most MaxParallel at once; one by one,
// in order, with MaxParallel 1) and returns every call's result in call
// order. Results are reported as they come,
// from the loop's goroutine.
func (r *loopRun) finish(ctx context.Context, step int, calls []ApprovalCall) []ToolResult {
	results := make([]ToolResult, len(calls))
	type done struct {
		i   int
		res ToolResult
	}
	ch := make(chan done, len(calls))
	var sem chan struct{}
	if r.l.MaxParallel > 0 {
		sem = make(chan struct{}, r.l.MaxParallel)
	}
	report := func(call ToolCall, res ToolResult) {
		r.l.Client.log.DebugContext(ctx, "host: tool call", slog.String("session_id", r.s.ID), slog.String("trace_id", r.traceID),
			slog.Int("step", step), slog.String("tool", call.Name), slog.String("id", call.ID), slog.Bool("error", res.IsError))
		r.emit(ctx, step, StepEvent{Kind: KindToolResult, ToolCall: &call, Result: &res, Err: res.Err}, nil)
	}
	running := 0
	for i, c := range calls {
		call := r.toolCall(step, c)
		if c.Provider != "" {
			// A provider's approval request: the answer is the result.
			res := ToolResult{ToolCallID: c.ID, Name: c.Name, Content: c.Content, IsError: c.State != CallAllowed, Err: c.err,
				Provider: c.Provider, Approved: c.State == CallAllowed}
			results[i] = res
			report(call, res)
			continue
		}
		if c.State != CallAllowed {
			err := c.err
			if err == nil {
				err = errors.New(c.Content)
			}
			res := r.l.runCall(ctx, call, &ToolResult{ToolCallID: c.ID, Name: c.Name, Content: c.Content, IsError: true, Err: err})
			results[i] = res
			report(call, res)
			continue
		}
		if r.l.MaxParallel == 1 {
			results[i] = r.l.runCall(ctx, call, nil)
			report(call, results[i])
			continue
		}
		running++
		go func() {
			if sem != nil {
				sem <- struct{}{}
				defer func() { <-sem }()
			}
			ch <- done{i, r.l.runCall(ctx, call, nil)}
		}()
	}
	for range running {
		d := <-ch
		results[d.i] = d.res
		report(r.toolCall(step, calls[d.i]), d.res)
	}
	return results
}

// runCall runs an allowed call's handler inside its execute_tool span, or
// records a refused call's result (refused) in one.
func (l *ToolLoop) runCall(ctx context.Context, call ToolCall, refused *ToolResult) (res ToolResult) {
	res = ToolResult{ToolCallID: call.ID, Name: call.Name}
	ctx, span := l.Client.tel.tracer.Start(ctx, "execute_tool "+call.Name, trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(attribute.String(AttrOperationName, "execute_tool"), attribute.String(AttrToolName, call.Name),
			attribute.String(AttrToolCallID, call.ID)))
	defer func() {
		if res.IsError {
			span.SetStatus(codes.Error, res.Content)
			if c := abi.CodeOf(res.Err); c != "" {
				span.SetAttributes(attribute.String(AttrErrorType, string(c)))
			}
		}
		span.End()
	}()
	if refused != nil {
		return *refused
	}
	t, ok := l.Tools.Lookup(call.Name)
	if !ok { // a resumed loop whose registry lost the tool
		err := abi.Errorf(abi.CodeNotFound, "there is no tool named %q", call.Name)
		res.IsError, res.Err, res.Content = true, err, string(err.Code)+": "+err.Message
		return res
	}
	args := call.Arguments
	if len(strings.TrimSpace(string(args))) == 0 {
		args = json.RawMessage("{}")
	}
	call.Arguments = slices.Clone(args)
	out, err := safeHandle(ctx, t, call)
	if err != nil {
		res.IsError, res.Err, res.Content = true, err, "the tool failed: "+err.Error()
		return res
	}
	res.Content = out
	return res
}

func safeHandle(ctx context.Context, t Tool, call ToolCall) (out string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("tool handler panicked: %v", r)
		}
	}()
	if t.Func != nil {
		o, err := t.Func(ctx, call, call.Arguments)
		if err != nil {
			return "", err
		}
		return o.String(), nil
	}
	return t.Handler(ctx, call.Arguments)
}
