package host

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
)

// ErrPending is what a Gate returns (or wraps) to leave a call pending:
// the tool loop stops at the end of the step with an approval request
// instead of running or refusing the call. The loop's error then matches
// it too (errors.Is).
var ErrPending = errors.New("host: tool call awaits approval")

// CallState is where a tool call of a paused step stands.
type CallState string

// The call states.
const (
	// CallAllowed: the call runs when the loop resumes.
	CallAllowed CallState = "allowed"
	// CallRefused: the call gets an error result (invalid arguments, an
	// unknown tool, or denied) whose text is Content.
	CallRefused CallState = "refused"
	// CallPending: the call awaits a Decision.
	CallPending CallState = "pending"
)

// ApprovalCall is one tool call of a step paused for approval.
type ApprovalCall struct {
	// Index is the call's position in the response.
	Index int `json:"index"`
	// ID, Name and Arguments are the call's.
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments,omitempty"`
	// State says what happens to the call on resume.
	State CallState `json:"state"`
	// Content is the error result's text of a refused call.
	Content string `json:"content,omitempty"`
	// Provider is set for a provider's approval request (ABI 1.3): the
	// provider runs the tool once approved.
	Provider string `json:"provider,omitempty"`

	err error // a refused call's cause, while in memory
}

// PendingApproval is a tool loop paused for approval: the step whose calls
// await decisions, and what the loop needs to continue without asking the
// model again. It is part of the session (and of its JSON).
type PendingApproval struct {
	// Step is the paused step.
	Step int `json:"step"`
	// TraceID is the trace id of the paused turn.
	TraceID string `json:"trace_id,omitempty"`
	// Request is the loop's request template.
	Request *abi.Request `json:"request"`
	// Calls are the step's tool calls, in order.
	Calls []ApprovalCall `json:"calls"`
}

// Awaiting returns the calls that await a decision.
func (p *PendingApproval) Awaiting() []ApprovalCall {
	var out []ApprovalCall
	for _, c := range p.Calls {
		if c.State == CallPending {
			out = append(out, c)
		}
	}
	return out
}

func (p *PendingApproval) clone() *PendingApproval {
	if p == nil {
		return nil
	}
	c := *p
	c.Calls = append([]ApprovalCall(nil), p.Calls...)
	return &c
}

// ApprovalPendingError is the error of a tool loop that stopped for
// approval; it matches ErrPending.
type ApprovalPendingError struct {
	// Calls are the calls awaiting a decision.
	Calls []ApprovalCall
}

// Error lists the calls awaiting approval.
func (e *ApprovalPendingError) Error() string {
	names := make([]string, len(e.Calls))
	for i, c := range e.Calls {
		names[i] = c.Name + " (" + c.ID + ")"
	}
	return fmt.Sprintf("host: %d tool call(s) await approval: %s; answer them with ToolLoop.Resume", len(e.Calls), strings.Join(names, ", "))
}

// Is reports whether target is ErrPending.
func (e *ApprovalPendingError) Is(target error) bool { return target == ErrPending }

func pendingOf(calls []ApprovalCall) error {
	var out []ApprovalCall
	for _, c := range calls {
		if c.State == CallPending {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return &ApprovalPendingError{Calls: out}
}

// Decision answers one pending tool call.
type Decision struct {
	// ToolCallID is the call answered.
	ToolCallID string `json:"tool_call_id"`
	// Allow runs the call; otherwise the model receives an error result
	// with Reason.
	Allow bool `json:"allow"`
	// Reason says why the call was denied; the model sees it.
	Reason string `json:"reason,omitempty"`
}

// Approve allows the call with id.
func Approve(id string) Decision { return Decision{ToolCallID: id, Allow: true} }

// Deny refuses the call with id; the model sees reason.
func Deny(id, reason string) Decision { return Decision{ToolCallID: id, Reason: reason} }

// ErrNoPending is returned by Resume for a session that is not paused.
var ErrNoPending = errors.New("host: the session has no tool calls awaiting approval")

// Resume continues a loop paused for approval, without asking the model
// again: it applies the decisions (one for every pending call), runs the
// step's allowed calls, appends every result to s and goes on as Run does,
// with the request template and step count saved in the session. A loop
// resumed from a session restored from JSON sends the same requests as
// one that was never paused.
func (l *ToolLoop) Resume(ctx context.Context, s *Session, decisions ...Decision) (*Response, error) {
	p, err := applyDecisions(s, decisions)
	if err != nil {
		return nil, err
	}
	return l.drive(ctx, s, p.Request, p, nil, nil)
}

// ResumeStream is Resume in the form of Stream.
func (l *ToolLoop) ResumeStream(ctx context.Context, s *Session, decisions []Decision, opts ...CallOption) iter.Seq2[StepEvent, error] {
	return func(yield func(StepEvent, error) bool) {
		p, err := applyDecisions(s, decisions)
		if err != nil {
			yield(StepEvent{Kind: KindStepEnd, Err: err}, err)
			return
		}
		l.drive(ctx, s, p.Request, p, opts, yield)
	}
}

func applyDecisions(s *Session, decisions []Decision) (*PendingApproval, error) {
	if s == nil {
		return nil, ErrNoPending
	}
	p := s.Pending()
	if p == nil {
		return nil, ErrNoPending
	}
	byID := map[string]Decision{}
	for _, d := range decisions {
		byID[d.ToolCallID] = d
	}
	for i := range p.Calls {
		c := &p.Calls[i]
		d, ok := byID[c.ID]
		if c.State != CallPending {
			if ok {
				return nil, fmt.Errorf("host: tool call %s (%s) does not await a decision", c.ID, c.Name)
			}
			continue
		}
		if !ok {
			return nil, fmt.Errorf("host: no decision for the pending tool call %s (%s): pass host.Approve or host.Deny for every call of Session.Pending().Awaiting()", c.ID, c.Name)
		}
		delete(byID, c.ID)
		if d.Allow {
			c.State = CallAllowed
		} else {
			c.State, c.Content, c.err = CallRefused, "the call was not allowed: "+d.Reason, fmt.Errorf("%w: %s", ErrDenied, d.Reason)
		}
	}
	for id := range byID {
		return nil, fmt.Errorf("host: decision for %s, which is not a call of the paused step", id)
	}
	return p, nil
}

// Pending returns a copy of the tool loop step paused for approval, or nil.
func (s *Session) Pending() *PendingApproval {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pending.clone()
}

func (s *Session) setPending(p *PendingApproval) {
	s.mu.Lock()
	s.pending = p.clone()
	s.mu.Unlock()
}
