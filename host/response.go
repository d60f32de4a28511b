package host

import (
	"errors"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
)

// Response is a whole assistant response, accumulated from its events.
type Response struct {
	// ID and Model are those of the response-start event.
	ID    string
	Model string
	// Provider is the module's provider name; it is stamped on the
	// reasoning parts so that only that provider's adapters echo them.
	Provider string
	// Text is the concatenated text deltas.
	Text string
	// Reasoning holds the reasoning parts in order: text with its
	// signature, or redacted data.
	Reasoning []abi.Part
	// ToolCalls holds the complete tool calls (parts of type tool-call),
	// in the order the model made them.
	ToolCalls []abi.Part
	// ServerTools holds what the provider ran itself (ABI 1.3): parts of
	// type server-tool-call and server-tool-result, in order, with the
	// provider stamped, so that the history can send them back to it; and
	// the provider's approval requests (approval-request parts), which a
	// tool loop answers through its Gate.
	ServerTools []abi.Part
	// ServerToolsAt holds, for each part of ServerTools, the length of
	// Text when it arrived: Message places it there.
	ServerToolsAt []int
	// Refusal is the refusal text, when the model refused.
	Refusal string
	// Usage is the last usage event's counts.
	Usage abi.Usage
	// FinishReason and RawFinishReason come from the finish event.
	FinishReason    abi.FinishReason
	RawFinishReason string
	// Errors holds the errors the provider reported inside the response,
	// in order.
	Errors []*abi.Error
	// Served names the route target that served the response, and Route
	// records every target tried or skipped before it (Client.GenerateRoute).
	Served string
	Route  []RouteAttempt
	// Downgrades lists the downgrades applied to the request that
	// produced the response (AllowDowngrade), in order.
	Downgrades []Downgrade
}

func (r *Response) setProvider(p string) {
	r.Provider = p
	for i := range r.Reasoning {
		r.Reasoning[i].Provider = p
	}
	for i := range r.ServerTools {
		r.ServerTools[i].Provider = p
	}
}

// Message returns the response as an assistant message for the
// conversation history: its reasoning parts (signatures and redacted data
// kept, Provider set), its text (or refusal text) with its server-tool
// parts (Provider set) where they came in it, and its tool calls.
func (r *Response) Message() abi.Message {
	m := abi.Message{Role: abi.RoleAssistant}
	for _, p := range r.Reasoning {
		p.Provider = r.Provider
		m.Content = append(m.Content, p)
	}
	text := r.Text
	if len(r.ServerTools) > 0 {
		// The provider's tool blocks stay where they came in the text
		// (before it when their places are not known).
		done := 0
		for i, p := range r.ServerTools {
			at := 0
			if i < len(r.ServerToolsAt) {
				at = r.ServerToolsAt[i]
			}
			at = min(max(at, done), len(text))
			if seg := text[done:at]; strings.TrimSpace(seg) != "" {
				m.Content = append(m.Content, abi.Part{Type: abi.PartText, Text: seg})
			}
			done = at
			p.Provider = r.Provider
			m.Content = append(m.Content, p)
		}
		text = text[done:]
		if strings.TrimSpace(text) == "" {
			text = ""
		}
	}
	switch {
	case text != "":
		m.Content = append(m.Content, abi.Part{Type: abi.PartText, Text: text})
	case r.Refusal != "":
		m.Content = append(m.Content, abi.Part{Type: abi.PartText, Text: r.Refusal})
	}
	m.Content = append(m.Content, r.ToolCalls...)
	if m.Content == nil {
		m.Content = []abi.Part{{Type: abi.PartText, Text: ""}}
	}
	return m
}

// Accumulator builds a Response from a stream of events. The zero value is
// ready to use.
type Accumulator struct {
	// Provider, when set, is stamped on the response and its reasoning
	// parts (Client.Generate sets it from the module's capabilities).
	Provider string

	r        Response
	text     []byte
	refusal  []byte
	openReas bool // the last reasoning part may still grow
}

// Add folds one event into the response.
func (a *Accumulator) Add(ev abi.Event) {
	r := &a.r
	switch ev.Type {
	case abi.EventResponseStart:
		if ev.ID != "" {
			r.ID = ev.ID
		}
		if ev.Model != "" {
			r.Model = ev.Model
		}
	case abi.EventTextDelta:
		a.text = append(a.text, ev.Text...)
		a.openReas = false
	case abi.EventReasoningDelta:
		if !a.openReas {
			r.Reasoning = append(r.Reasoning, abi.Part{Type: abi.PartReasoning})
			a.openReas = true
		}
		p := &r.Reasoning[len(r.Reasoning)-1]
		p.Text += ev.Text
	case abi.EventReasoningSignature:
		if a.openReas {
			r.Reasoning[len(r.Reasoning)-1].Signature = ev.Signature
		} else {
			r.Reasoning = append(r.Reasoning, abi.Part{Type: abi.PartReasoning, Signature: ev.Signature})
		}
		a.openReas = false
	case abi.EventReasoningRedacted:
		r.Reasoning = append(r.Reasoning, abi.Part{Type: abi.PartReasoning, Redacted: ev.Data})
		a.openReas = false
	case abi.EventToolCall:
		r.ToolCalls = append(r.ToolCalls, abi.Part{Type: abi.PartToolCall, ID: ev.ID, Name: ev.Name, Arguments: ev.Arguments})
		a.openReas = false
	case abi.EventServerToolCall:
		r.ServerTools = append(r.ServerTools, abi.Part{Type: abi.PartServerToolCall, ID: ev.ID, Name: ev.Name, Input: ev.Input})
		r.ServerToolsAt = append(r.ServerToolsAt, len(a.text))
		a.openReas = false
	case abi.EventApprovalRequest:
		r.ServerTools = append(r.ServerTools, abi.Part{Type: abi.PartApprovalRequest, ID: ev.ID, Name: ev.Name, Input: ev.Input})
		r.ServerToolsAt = append(r.ServerToolsAt, len(a.text))
		a.openReas = false
	case abi.EventServerToolResult:
		r.ServerTools = append(r.ServerTools, abi.Part{Type: abi.PartServerToolResult, ID: ev.ID, Name: ev.Name, Content: ev.Content, IsError: ev.IsError})
		r.ServerToolsAt = append(r.ServerToolsAt, len(a.text))
		a.openReas = false
	case abi.EventRefusal:
		a.refusal = append(a.refusal, ev.Text...)
	case abi.EventUsage:
		r.Usage = ev.Usage
	case abi.EventFinish:
		r.FinishReason = ev.Reason
		r.RawFinishReason = ev.RawReason
	case abi.EventError:
		r.Errors = append(r.Errors, ev.Err())
	}
}

// Response returns the response accumulated so far (a fresh copy).
func (a *Accumulator) Response() *Response {
	r := a.r
	r.Text = string(a.text)
	r.Refusal = string(a.refusal)
	r.Reasoning = append([]abi.Part(nil), a.r.Reasoning...)
	r.ToolCalls = append([]abi.Part(nil), a.r.ToolCalls...)
	r.ServerTools = append([]abi.Part(nil), a.r.ServerTools...)
	r.ServerToolsAt = append([]int(nil), a.r.ServerToolsAt...)
	r.Errors = append([]*abi.Error(nil), a.r.Errors...)
	if a.Provider != "" {
		r.setProvider(a.Provider)
	}
	return &r
}

// ErrorEvent returns the error event that reports err, for callers that
// print a stream as event lines: an *abi.Error in err's chain becomes
// {"type":"error","code","message","retryable"}. It reports false for an
// error without a stable code (a cancelled context, say).
func ErrorEvent(err error) (abi.Event, bool) {
	var ae *abi.Error
	if !errors.As(err, &ae) || !ae.Code.Valid() {
		return abi.Event{}, false
	}
	return abi.Event{Type: abi.EventError, Code: ae.Code, Message: ae.Message, Retryable: ae.Retryable}, true
}

// ApprovalRequests returns the provider's approval requests of the
// response (approval-request parts, ABI 1.3).
func (r *Response) ApprovalRequests() []abi.Part {
	var out []abi.Part
	for _, p := range r.ServerTools {
		if p.Type == abi.PartApprovalRequest {
			p.Provider = r.Provider
			out = append(out, p)
		}
	}
	return out
}
