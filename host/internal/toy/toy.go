// Package toy is a small adapter for a made-up provider wire format, used
// by the host's tests and examples so that they do not depend on a real
// provider's adapter. It runs through engine.NewNative.
//
// Requests: POST /v1/toy/chat with {"model","stream","messages":[{"role",
// "text","calls","results"}],"tools":[names]}.
//
// Stream (SSE), one event per SSE event type:
//
//	start  {"id","model"}      -> response-start
//	text   raw text            -> text-delta
//	think  raw text            -> reasoning-delta
//	sig    raw signature       -> reasoning-signature
//	call   {"id","name","args"} -> tool-call-start, tool-call-delta, tool-call
//	usage  {"in","out"}        -> usage
//	done   stop|tool_calls|length -> finish (the end marker)
//	error  {"code","message","retryable"} -> error
//
// A whole response is {"id","model","text","reasoning":[{"text","sig"}],
// "calls":[{"id","name","args"}],"usage":{"in","out"},"finish"}. Errors
// are mapped by HTTP status.
//
// Models: "toy-nostream" does not stream, "toy-notools" has no tool
// calling, "toy-basic" has no structured output, reasoning or vision;
// every other model has every feature.
package toy

import (
	"encoding/json"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Adapter is the toy adapter.
type Adapter struct{}

// Capabilities implements guest.Adapter.
func (Adapter) Capabilities(model string) abi.Capabilities {
	c := abi.Capabilities{
		Name: "toy", Version: "1.0.0", Provider: "toy", Model: model,
		Auth: abi.Auth{Scheme: abi.AuthBearer}, StateFormat: "toy/1",
		Features: abi.Features{Streaming: true, ToolCalling: abi.SupportNative, ParallelToolCalls: true,
			StructuredOutput: abi.SupportNative, MultiTurn: true, Reasoning: true, Vision: true},
	}
	switch model {
	case "toy-nostream":
		c.Features.Streaming = false
	case "toy-notools":
		c.Features.ToolCalling = abi.SupportNone
	case "toy-basic":
		c.Features.StructuredOutput = abi.SupportNone
		c.Features.Reasoning = false
		c.Features.Vision = false
	case "toy-unknown":
		// A name the module does not know: its flags are assumptions.
		c.Features.Source = abi.SourceUnknown
	}
	return c
}

type wireMsg struct {
	Role    string   `json:"role"`
	Text    string   `json:"text,omitempty"`
	Calls   []string `json:"calls,omitempty"`
	Results []string `json:"results,omitempty"`
}

type wireReq struct {
	Model    string    `json:"model"`
	Stream   bool      `json:"stream"`
	Messages []wireMsg `json:"messages"`
	Tools    []string  `json:"tools,omitempty"`
}

// Project implements guest.Adapter. Tool calls are written "id:name:args"
// and tool results "id:name:content" (prefixed "error:" when failed), so
// tests can check correlation and order.
func (Adapter) Project(req *abi.Request) (*abi.ProviderRequest, error) {
	if len(req.ProviderOptions) > 0 {
		return nil, abi.Errorf(abi.CodeInvalidRequest, "toy reads no provider_options")
	}
	w := wireReq{Model: req.Model, Stream: req.Stream}
	for _, m := range req.Messages {
		wm := wireMsg{Role: string(m.Role)}
		for _, p := range m.Content {
			switch p.Type {
			case abi.PartText:
				wm.Text += p.Text
			case abi.PartToolCall:
				wm.Calls = append(wm.Calls, p.ID+":"+p.Name+":"+p.Arguments)
			case abi.PartToolResult:
				s := p.ToolCallID + ":" + p.Name + ":" + p.Content
				if p.IsError {
					s = "error:" + s
				}
				wm.Results = append(wm.Results, s)
			}
		}
		w.Messages = append(w.Messages, wm)
	}
	for _, t := range req.Tools {
		w.Tools = append(w.Tools, t.Name)
	}
	body, err := json.Marshal(w)
	if err != nil {
		return nil, err
	}
	framing := abi.FramingNone
	if req.Stream {
		framing = abi.FramingSSE
	}
	return &abi.ProviderRequest{Method: "POST", Path: "/v1/toy/chat", Body: body, StreamFraming: framing}, nil
}

type wireCall struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Args string `json:"args"`
}

type wireUsage struct {
	In  int `json:"in"`
	Out int `json:"out"`
}

func finish(raw string) abi.FinishReason {
	switch raw {
	case "stop":
		return abi.FinishStop
	case "tool_calls":
		return abi.FinishToolCalls
	case "length":
		return abi.FinishLength
	}
	return abi.FinishOther
}

// Transform implements guest.Adapter. The state is two bytes: whether the
// end marker was seen, and the number of tool calls so far.
func (Adapter) Transform(in *abi.TransformInput, out *guest.Output) error {
	st := []byte{0, 0}
	if len(in.State) == 2 {
		copy(st, in.State)
	}
	for _, c := range in.Chunks {
		data := string(c.Data)
		switch string(c.Event) {
		case "start":
			var s struct{ ID, Model string }
			if err := json.Unmarshal(c.Data, &s); err != nil {
				return abi.Errorf(abi.CodeStreamTruncated, "bad start event: %v", err)
			}
			out.Emit(&abi.Event{Type: abi.EventResponseStart, ID: s.ID, Model: s.Model})
		case "text":
			out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: data})
		case "think":
			out.Emit(&abi.Event{Type: abi.EventReasoningDelta, Text: data})
		case "sig":
			out.Emit(&abi.Event{Type: abi.EventReasoningSignature, Signature: data})
		case "call":
			var w wireCall
			if err := json.Unmarshal(c.Data, &w); err != nil {
				return abi.Errorf(abi.CodeStreamTruncated, "bad call event: %v", err)
			}
			i := int(st[1])
			st[1]++
			out.Emit(&abi.Event{Type: abi.EventToolCallStart, Index: i, ID: w.ID, Name: w.Name})
			out.Emit(&abi.Event{Type: abi.EventToolCallDelta, Index: i, Arguments: w.Args})
			out.Emit(&abi.Event{Type: abi.EventToolCall, Index: i, ID: w.ID, Name: w.Name, Arguments: w.Args})
		case "usage":
			var u wireUsage
			if err := json.Unmarshal(c.Data, &u); err != nil {
				return abi.Errorf(abi.CodeStreamTruncated, "bad usage event: %v", err)
			}
			out.Emit(&abi.Event{Type: abi.EventUsage, Usage: abi.Usage{InputTokens: u.In, OutputTokens: u.Out}})
		case "done":
			st[0] = 1
			out.Emit(&abi.Event{Type: abi.EventFinish, Reason: finish(data), RawReason: data})
		case "error":
			var e struct {
				Code      abi.Code `json:"code"`
				Message   string   `json:"message"`
				Retryable bool     `json:"retryable"`
			}
			if err := json.Unmarshal(c.Data, &e); err != nil || !e.Code.Valid() {
				e.Code, e.Message = abi.CodeServerError, "malformed error event: "+data
			}
			out.Emit(&abi.Event{Type: abi.EventError, Code: e.Code, Message: e.Message, Retryable: e.Retryable})
		}
	}
	if in.Flags&abi.FlagEnd != 0 && st[0] == 0 {
		out.Emit(&abi.Event{Type: abi.EventError, Code: abi.CodeStreamTruncated, Message: "the toy stream ended before its done event"})
	}
	out.SetState(st)
	return nil
}

// ParseResponse implements guest.Adapter.
func (Adapter) ParseResponse(in *abi.ResponseInput, out *guest.Output) error {
	var r struct {
		ID        string `json:"id"`
		Model     string `json:"model"`
		Text      string `json:"text"`
		Reasoning []struct {
			Text string `json:"text"`
			Sig  string `json:"sig"`
		} `json:"reasoning"`
		Calls  []wireCall `json:"calls"`
		Usage  *wireUsage `json:"usage"`
		Finish string     `json:"finish"`
	}
	if err := json.Unmarshal(in.Body, &r); err != nil {
		return abi.Errorf(abi.CodeServerError, "toy response is not JSON: %v", err)
	}
	out.Emit(&abi.Event{Type: abi.EventResponseStart, ID: r.ID, Model: r.Model})
	for _, p := range r.Reasoning {
		out.Emit(&abi.Event{Type: abi.EventReasoningDelta, Text: p.Text})
		if p.Sig != "" {
			out.Emit(&abi.Event{Type: abi.EventReasoningSignature, Signature: p.Sig})
		}
	}
	if r.Text != "" {
		out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: r.Text})
	}
	for i, c := range r.Calls {
		out.Emit(&abi.Event{Type: abi.EventToolCallStart, Index: i, ID: c.ID, Name: c.Name})
		out.Emit(&abi.Event{Type: abi.EventToolCallDelta, Index: i, Arguments: c.Args})
		out.Emit(&abi.Event{Type: abi.EventToolCall, Index: i, ID: c.ID, Name: c.Name, Arguments: c.Args})
	}
	if r.Usage != nil {
		out.Emit(&abi.Event{Type: abi.EventUsage, Usage: abi.Usage{InputTokens: r.Usage.In, OutputTokens: r.Usage.Out}})
	}
	out.Emit(&abi.Event{Type: abi.EventFinish, Reason: finish(r.Finish), RawReason: r.Finish})
	return nil
}

// MapError implements guest.Adapter.
func (Adapter) MapError(in *abi.ResponseInput, out *guest.Output) error {
	var b struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	_ = json.Unmarshal(in.Body, &b)
	msg := b.Error.Message
	if msg == "" {
		msg = strings.TrimSpace(string(in.Body))
	}
	ev := abi.Event{Type: abi.EventError, Message: msg}
	ev.Code, ev.Retryable = guest.StatusCode(int(in.Status), 529)
	out.Emit(&ev)
	return nil
}
