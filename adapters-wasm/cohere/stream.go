package cohere

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// call is one tool call of a stream.
type call struct {
	Index int    `json:"i"`
	ID    string `json:"id"`
	Name  string `json:"n"`
	Args  string `json:"a"`
}

// state is the transform state, kept as JSON by the host between calls.
type state struct {
	Model   string `json:"m,omitempty"`
	Started bool   `json:"s,omitempty"`
	Done    bool   `json:"d,omitempty"`
	Calls   []call `json:"c,omitempty"`
}

// textOf is the text of a content delta: text, or thinking for a thinking
// block.
type textOf struct {
	Type     string  `json:"type"`
	Text     *string `json:"text"`
	Thinking *string `json:"thinking"`
}

type toolDelta struct {
	ID       string `json:"id"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

// event is one stream event.
type event struct {
	Type  string `json:"type"`
	ID    string `json:"id"`
	Index int    `json:"index"`
	Delta struct {
		Message struct {
			// Content and ToolCalls are objects in deltas, arrays in
			// message-start.
			Content   json.RawMessage `json:"content"`
			ToolPlan  *string         `json:"tool_plan"`
			ToolCalls json.RawMessage `json:"tool_calls"`
		} `json:"message"`
		FinishReason string          `json:"finish_reason"`
		Usage        json.RawMessage `json:"usage"`
	} `json:"delta"`
}

// usage is Cohere's usage object.
type usage struct {
	Tokens struct {
		InputTokens  int `json:"input_tokens"`
		OutputTokens int `json:"output_tokens"`
	} `json:"tokens"`
	BilledUnits struct {
		InputTokens  float64 `json:"input_tokens"`
		OutputTokens float64 `json:"output_tokens"`
	} `json:"billed_units"`
	CachedTokens int `json:"cached_tokens"`
}

// normalized returns u in normalized form: tokens, else billed units.
func (u *usage) normalized() abi.Usage {
	n := abi.Usage{InputTokens: u.Tokens.InputTokens, OutputTokens: u.Tokens.OutputTokens, CachedInputTokens: u.CachedTokens}
	if n.InputTokens == 0 && n.OutputTokens == 0 {
		n.InputTokens, n.OutputTokens = int(u.BilledUnits.InputTokens), int(u.BilledUnits.OutputTokens)
	}
	return n
}

// Finish maps a Cohere finish reason.
func Finish(raw string) abi.FinishReason {
	switch raw {
	case "COMPLETE", "STOP_SEQUENCE":
		return abi.FinishStop
	case "MAX_TOKENS":
		return abi.FinishLength
	case "TOOL_CALL":
		return abi.FinishToolCalls
	case "ERROR", "TIMEOUT":
		return abi.FinishError
	}
	return abi.FinishOther
}

func emitError(out *guest.Output, code abi.Code, msg string, retryable bool) {
	out.Emit(&abi.Event{Type: abi.EventError, Code: code, Message: msg, Retryable: retryable})
}

// emitCall emits the complete tool call c, or tool_arguments_invalid when
// its arguments are not a JSON object; ok is false in that case.
func emitCall(out *guest.Output, c *call) bool {
	args := strings.TrimSpace(c.Args)
	if args == "" {
		args = "{}"
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal([]byte(args), &obj) != nil || obj == nil {
		emitError(out, abi.CodeToolArgumentsInvalid, fmt.Sprintf("cohere: the arguments of tool call %q (%s) are not a JSON object: %.64q", c.ID, c.Name, c.Args), true)
		return false
	}
	out.Emit(&abi.Event{Type: abi.EventToolCall, Index: c.Index, ID: c.ID, Name: c.Name, Arguments: args})
	return true
}

// modelOf reads the model of a stream context.
func modelOf(ctx []byte) string {
	var c struct {
		Model string `json:"model"`
	}
	_ = json.Unmarshal(ctx, &c)
	return c.Model
}

// Transform consumes stream chunks; see the package doc for the events.
func (Adapter) Transform(in *abi.TransformInput, out *guest.Output) error {
	var st state
	if len(in.State) > 0 {
		if err := json.Unmarshal(in.State, &st); err != nil {
			return &abi.Error{Code: abi.CodeInvalidRequest, Message: "cohere: the transform state is corrupt"}
		}
	} else {
		st.Model = modelOf(in.Context)
	}
	for _, ch := range in.Chunks {
		if st.Done {
			break
		}
		st.chunk(ch.Data, out)
	}
	if in.Flags&abi.FlagEnd != 0 && !st.Done {
		st.Done = true
		emitError(out, abi.CodeStreamTruncated, "cohere: the stream ended before message-end: the response is incomplete; retry the request", true)
	}
	b, _ := json.Marshal(&st)
	out.SetState(b)
	return nil
}

func (st *state) start(id string, out *guest.Output) {
	if !st.Started {
		st.Started = true
		out.Emit(&abi.Event{Type: abi.EventResponseStart, ID: id, Model: st.Model})
	}
}

// chunk handles one stream event.
func (st *state) chunk(data []byte, out *guest.Output) {
	var ev event
	if err := json.Unmarshal(data, &ev); err != nil {
		st.Done = true
		emitError(out, abi.CodeServerError, "cohere: a stream event is not JSON ("+err.Error()+"): retry the request", true)
		return
	}
	msg := &ev.Delta.Message
	var content *textOf
	var tool *toolDelta
	if len(msg.Content) > 0 && msg.Content[0] == '{' {
		content = new(textOf)
		_ = json.Unmarshal(msg.Content, content)
	}
	if len(msg.ToolCalls) > 0 && msg.ToolCalls[0] == '{' {
		tool = new(toolDelta)
		_ = json.Unmarshal(msg.ToolCalls, tool)
	}
	switch ev.Type {
	case "message-start":
		st.start(ev.ID, out)
	case "content-delta":
		st.start("", out)
		if c := content; c != nil {
			if c.Thinking != nil && *c.Thinking != "" {
				out.Emit(&abi.Event{Type: abi.EventReasoningDelta, Text: *c.Thinking})
			}
			if c.Text != nil && *c.Text != "" {
				out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: *c.Text})
			}
		}
	case "tool-plan-delta":
		st.start("", out)
		if p := msg.ToolPlan; p != nil && *p != "" {
			out.Emit(&abi.Event{Type: abi.EventReasoningDelta, Text: *p})
		}
	case "tool-call-start":
		st.start("", out)
		tc := tool
		if tc == nil || tc.ID == "" || tc.Function.Name == "" {
			st.Done = true
			emitError(out, abi.CodeToolArgumentsInvalid, "cohere: a tool-call-start event has no id or name", true)
			return
		}
		st.Calls = append(st.Calls, call{Index: ev.Index, ID: tc.ID, Name: tc.Function.Name, Args: tc.Function.Arguments})
		out.Emit(&abi.Event{Type: abi.EventToolCallStart, Index: ev.Index, ID: tc.ID, Name: tc.Function.Name})
		if a := tc.Function.Arguments; a != "" {
			out.Emit(&abi.Event{Type: abi.EventToolCallDelta, Index: ev.Index, Arguments: a})
		}
	case "tool-call-delta":
		c := st.find(ev.Index)
		if c == nil || tool == nil {
			return
		}
		if a := tool.Function.Arguments; a != "" {
			c.Args += a
			out.Emit(&abi.Event{Type: abi.EventToolCallDelta, Index: ev.Index, Arguments: a})
		}
	case "tool-call-end":
		if c := st.find(ev.Index); c != nil {
			ok := emitCall(out, c)
			st.remove(ev.Index)
			if !ok {
				st.Done = true
			}
		}
	case "message-end":
		st.start("", out)
		for i := range st.Calls { // calls the stream never ended
			if !emitCall(out, &st.Calls[i]) {
				st.Done = true
				return
			}
		}
		st.Calls = nil
		if len(ev.Delta.Usage) > 0 && string(ev.Delta.Usage) != "null" {
			var u usage
			if json.Unmarshal(ev.Delta.Usage, &u) == nil {
				n := u.normalized()
				out.Emit(&abi.Event{Type: abi.EventUsage, Usage: n})
			}
		}
		out.Emit(&abi.Event{Type: abi.EventFinish, Reason: Finish(ev.Delta.FinishReason), RawReason: ev.Delta.FinishReason})
		st.Done = true
	}
}

func (st *state) find(index int) *call {
	for i := range st.Calls {
		if st.Calls[i].Index == index {
			return &st.Calls[i]
		}
	}
	return nil
}

func (st *state) remove(index int) {
	for i := range st.Calls {
		if st.Calls[i].Index == index {
			st.Calls = append(st.Calls[:i], st.Calls[i+1:]...)
			return
		}
	}
}

// response is a whole v2 Chat response.
type response struct {
	ID      string `json:"id"`
	Message struct {
		Content []struct {
			Type     string `json:"type"`
			Text     string `json:"text"`
			Thinking string `json:"thinking"`
		} `json:"content"`
		ToolPlan  string `json:"tool_plan"`
		ToolCalls []struct {
			ID       string  `json:"id"`
			Function cCallFn `json:"function"`
		} `json:"tool_calls"`
	} `json:"message"`
	FinishReason string `json:"finish_reason"`
	Usage        *usage `json:"usage"`
}

// ParseResponse turns a whole body into the events a stream of it would
// give, minus the deltas.
func (Adapter) ParseResponse(in *abi.ResponseInput, out *guest.Output) error {
	var r response
	if err := json.Unmarshal(in.Body, &r); err != nil || r.FinishReason == "" {
		emitError(out, abi.CodeServerError, "cohere: the response body is not a v2 Chat response: retry the request", true)
		return nil
	}
	out.Emit(&abi.Event{Type: abi.EventResponseStart, ID: r.ID, Model: modelOf(in.Context)})
	for _, c := range r.Message.Content {
		if c.Type == "thinking" && c.Thinking != "" {
			out.Emit(&abi.Event{Type: abi.EventReasoningDelta, Text: c.Thinking})
		}
	}
	if r.Message.ToolPlan != "" {
		out.Emit(&abi.Event{Type: abi.EventReasoningDelta, Text: r.Message.ToolPlan})
	}
	for _, c := range r.Message.Content {
		if c.Type == "text" && c.Text != "" {
			out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: c.Text})
		}
	}
	for i, tc := range r.Message.ToolCalls {
		if !emitCall(out, &call{Index: i, ID: tc.ID, Name: tc.Function.Name, Args: tc.Function.Arguments}) {
			return nil
		}
	}
	if r.Usage != nil {
		out.Emit(&abi.Event{Type: abi.EventUsage, Usage: r.Usage.normalized()})
	}
	out.Emit(&abi.Event{Type: abi.EventFinish, Reason: Finish(r.FinishReason), RawReason: r.FinishReason})
	return nil
}

// MapError turns an error response into one error event.
func (Adapter) MapError(in *abi.ResponseInput, out *guest.Output) error {
	var b struct {
		Message string `json:"message"`
	}
	msg := "body is not a Cohere error: " + snippet(in.Body)
	if json.Unmarshal(in.Body, &b) == nil && b.Message != "" {
		msg = b.Message
	}
	code, retryable, hint := abi.CodeInvalidRequest, false, "fix the request"
	switch s := in.Status; {
	case s == 401 || s == 498:
		code, hint = abi.CodeAuthentication, "check the API key the host is configured with"
	case s == 402:
		code, hint = abi.CodeRateLimited, "the account has no credit left; add a payment method (retrying will not help)"
	case s == 403:
		code, hint = abi.CodePermission, "the key lacks access to this model or feature"
	case s == 404:
		code, hint = abi.CodeNotFound, "check the model name"
	case s == 429:
		code, retryable, hint = abi.CodeRateLimited, true, "retry after a delay"
		if strings.Contains(strings.ToLower(msg), "trial key") {
			hint = "a trial key's limit; retry after a delay or use a production key"
		}
	case s == 503:
		code, retryable, hint = abi.CodeOverloaded, true, "retry after a delay"
	case s >= 500 || s == 499:
		code, retryable, hint = abi.CodeServerError, true, "retry after a delay"
	}
	if code == abi.CodeInvalidRequest && (strings.Contains(msg, "too many tokens") || strings.Contains(msg, "context length")) {
		code, hint = abi.CodeContextLengthExceeded, "shorten the conversation or lower max_output_tokens"
	}
	emitError(out, code, "cohere HTTP "+strconv.Itoa(int(in.Status))+": "+msg+": "+hint, retryable)
	return nil
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return strconv.Quote(s)
}
