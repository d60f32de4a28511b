package responseswire

import (
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/gateway/internal/sse"
	"github.com/wasmadapt/wasmadapt/host"
)

// outItem is one item of a response's output.
type outItem struct {
	Type   string `json:"type"`
	ID     string `json:"id"`
	Status string `json:"status,omitempty"`
	// message
	Role    string       `json:"role,omitempty"`
	Content []contentOut `json:"content,omitzero"`
	// reasoning
	Summary []contentOut `json:"summary,omitzero"`
	// function_call, mcp_approval_request, mcp_call, mcp_list_tools
	CallID      string `json:"call_id,omitempty"`
	ServerLabel string `json:"server_label,omitempty"`
	Name        string `json:"name,omitempty"`
	Arguments   string `json:"arguments,omitempty"`
	// mcp_call
	Output json.RawMessage `json:"output,omitempty"`
	mcpFields
}

// mcpFields are the fields of the MCP items (out, and in: mcpInput) no
// other item has: tools of mcp_list_tools, error of it and mcp_call (null
// when none).
type mcpFields struct {
	Tools json.RawMessage `json:"tools,omitempty"`
	Error json.RawMessage `json:"error,omitempty"`
}

type contentOut struct {
	Type        string  `json:"type"`
	Text        *string `json:"text,omitempty"`
	Refusal     *string `json:"refusal,omitempty"`
	Annotations []any   `json:"annotations,omitzero"`
}

type usage struct {
	InputTokens        int `json:"input_tokens"`
	InputTokensDetails struct {
		CachedTokens int `json:"cached_tokens"`
	} `json:"input_tokens_details"`
	OutputTokens        int `json:"output_tokens"`
	OutputTokensDetails struct {
		ReasoningTokens int `json:"reasoning_tokens"`
	} `json:"output_tokens_details"`
	TotalTokens int `json:"total_tokens"`
}

type response struct {
	ID                string      `json:"id"`
	Object            string      `json:"object"`
	CreatedAt         int64       `json:"created_at"`
	Status            string      `json:"status"`
	Model             string      `json:"model"`
	Output            []outItem   `json:"output"`
	Usage             *usage      `json:"usage"`
	IncompleteDetails *incomplete `json:"incomplete_details"`
	Error             *errorOut   `json:"error"`
	ParallelToolCalls bool        `json:"parallel_tool_calls"`
	ToolChoice        string      `json:"tool_choice"`
	Tools             []any       `json:"tools"`
}

type incomplete struct {
	Reason string `json:"reason"`
}

type errorOut struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func usageOf(u abi.Usage) *usage {
	o := &usage{InputTokens: u.InputTokens, OutputTokens: u.OutputTokens, TotalTokens: u.InputTokens + u.OutputTokens}
	o.InputTokensDetails.CachedTokens = u.CachedInputTokens
	o.OutputTokensDetails.ReasoningTokens = u.ReasoningTokens
	return o
}

func textPart(s string) contentOut {
	return contentOut{Type: "output_text", Text: &s, Annotations: []any{}}
}

// Content part types of a message item.
const (
	partText    = "output_text"
	partRefusal = "refusal"
)

// emptyPart is a message's content part of type typ (partText or
// partRefusal) holding nothing yet.
func emptyPart(typ string) contentOut {
	if typ == partRefusal {
		return contentOut{Type: partRefusal, Refusal: ptr("")}
	}
	return textPart("")
}

// approvalItem is the mcp_approval_request output item of an
// approval-request event: an MCP tool's request (name "mcp", input
// {"server", "tool", "arguments"}) names its server and tool; any other
// keeps its name and input as the arguments.
func approvalItem(id, name, input string) outItem {
	it := outItem{Type: "mcp_approval_request", ID: id, Name: name, Arguments: input}
	var mcp struct {
		Server    string          `json:"server"`
		Tool      string          `json:"tool"`
		Arguments json.RawMessage `json:"arguments"`
	}
	if name == "mcp" && json.Unmarshal([]byte(input), &mcp) == nil && mcp.Tool != "" {
		it.ServerLabel, it.Name, it.Arguments = mcp.Server, mcp.Tool, string(mcp.Arguments)
		if it.Arguments == "" {
			it.Arguments = "{}"
		}
	}
	return it
}

// mcpItem is the output item of an MCP server's call or tool listing
// (ABI 1.3 server-tool-call and server-tool-result events, as the
// openai-responses module reports them), so that a client can send it
// back: name mcp (input {"server", "tool", "arguments"}, content
// {"output", "error"}) is an mcp_call, name mcp_list_tools (input
// {"server"}, content {"tools", "error"}) an mcp_list_tools; a content
// that is not such an object is the output's text. ok is false for any
// other server tool (web search, code execution, file search have no item
// in this dialect).
func mcpItem(id, name, input, content string) (it outItem, ok bool) {
	var in struct {
		Server    string          `json:"server"`
		Tool      string          `json:"tool"`
		Arguments json.RawMessage `json:"arguments"`
	}
	if (name != abi.ProviderToolMCP && name != "mcp_list_tools") || json.Unmarshal([]byte(input), &in) != nil || in.Server == "" {
		return outItem{}, false
	}
	var c struct {
		Output json.RawMessage `json:"output"`
		Tools  json.RawMessage `json:"tools"`
		Error  json.RawMessage `json:"error"`
	}
	if json.Unmarshal([]byte(content), &c) != nil {
		c.Output, _ = json.Marshal(content)
	}
	orNull := func(v json.RawMessage) json.RawMessage {
		if len(v) == 0 {
			return json.RawMessage("null")
		}
		return v
	}
	if name == "mcp_list_tools" {
		if len(c.Tools) == 0 || string(c.Tools) == "null" {
			c.Tools = json.RawMessage("[]")
		}
		return outItem{Type: "mcp_list_tools", ID: id, ServerLabel: in.Server, mcpFields: mcpFields{Tools: c.Tools, Error: orNull(c.Error)}}, true
	}
	if in.Tool == "" {
		return outItem{}, false
	}
	args := string(in.Arguments)
	if args == "" {
		args = "{}"
	}
	return outItem{Type: "mcp_call", ID: id, Name: in.Tool, Arguments: args, ServerLabel: in.Server, Output: orNull(c.Output), mcpFields: mcpFields{Error: orNull(c.Error)}}, true
}

// mcpItems are the MCP items of a whole response's server tools, each at
// its result, in order.
func mcpItems(parts []abi.Part) []outItem {
	var out []outItem
	for i, p := range parts {
		if p.Type != abi.PartServerToolResult {
			continue
		}
		for _, c := range parts[:i] {
			if c.Type == abi.PartServerToolCall && c.ID == p.ID {
				if it, ok := mcpItem(p.ID, c.Name, c.Input, p.Content); ok {
					out = append(out, it)
				}
				break
			}
		}
	}
	return out
}

// finish is the status and incomplete details of a finish reason: a
// response cut by the output token limit or a content filter is
// "incomplete", any other "completed" (pause, ABI 1.3, included: the
// Responses API has no paused status).
func finish(r abi.FinishReason) (string, *incomplete) {
	switch r {
	case abi.FinishLength:
		return "incomplete", &incomplete{Reason: "max_output_tokens"}
	case abi.FinishContentFilter:
		return "incomplete", &incomplete{Reason: "content_filter"}
	}
	return "completed", nil
}

func responseID(id string) string {
	if id == "" {
		return "resp_gw"
	}
	if strings.HasPrefix(id, "resp_") {
		return id
	}
	return "resp_" + id
}

func newResponse(id, model string, created int64, status string, out []outItem) response {
	if out == nil {
		out = []outItem{}
	}
	return response{ID: id, Object: "response", CreatedAt: created, Status: status, Model: model, Output: out,
		ParallelToolCalls: true, ToolChoice: "auto", Tools: []any{}}
}

// Response is the response object for a whole answer.
func Response(r *host.Response, model string, now time.Time) []byte {
	var out []outItem
	if len(r.Reasoning) > 0 {
		var b strings.Builder
		for _, p := range r.Reasoning {
			b.WriteString(p.Text)
		}
		out = append(out, outItem{Type: "reasoning", ID: "rs_0", Summary: []contentOut{{Type: "summary_text", Text: ptr(b.String())}}})
	}
	out = append(out, mcpItems(r.ServerTools)...)
	if r.Text != "" || r.Refusal != "" {
		m := outItem{Type: "message", ID: "msg_0", Status: "completed", Role: "assistant"}
		if r.Text != "" {
			m.Content = append(m.Content, textPart(r.Text))
		}
		if r.Refusal != "" {
			m.Content = append(m.Content, contentOut{Type: partRefusal, Refusal: ptr(r.Refusal)})
		}
		out = append(out, m)
	}
	for _, p := range r.ToolCalls {
		out = append(out, outItem{Type: "function_call", ID: "fc_" + p.ID, Status: "completed", CallID: p.ID, Name: p.Name, Arguments: p.Arguments})
	}
	for _, p := range r.ApprovalRequests() {
		out = append(out, approvalItem(p.ID, p.Name, p.Input))
	}
	status, inc := finish(r.FinishReason)
	resp := newResponse(responseID(r.ID), model, now.Unix(), status, out)
	resp.Usage, resp.IncompleteDetails = usageOf(r.Usage), inc
	b, _ := json.Marshal(resp)
	return b
}

func ptr(s string) *string { return &s }

// Stream writes normalized events as Responses stream events. Create it
// with NewStream, feed it every event with Event, then call End (or Fail
// after an error). Text and refusal deltas become a message item (an
// output_text part, a refusal part: response.output_text.delta,
// response.refusal.delta), reasoning deltas a reasoning item with one
// summary_text part (response.reasoning_summary_text.delta), each tool
// call a function_call item, each approval request an
// mcp_approval_request item, and each MCP server tool's call or listing,
// at its result, an mcp_call or mcp_list_tools item. Reasoning signatures
// and redacted reasoning have no place in this dialect and are not sent.
type Stream struct {
	events  sse.Stream
	model   string
	id      string
	created int64
	seq     int
	started bool
	out     []outItem
	// msg is the output index of the open message item, or -1; part is
	// the content index of its open part, or -1.
	msg, part int
	// reas is the output index of the open reasoning item, or -1.
	reas int
	// calls maps a tool call's index to its output index; done holds the
	// output indexes of the items closed.
	calls map[int]int
	// serverCalls holds the server tool calls by ID, until their result
	// makes an MCP item (mcpItem).
	serverCalls map[string]abi.Event
	done        map[int]bool
	usage       abi.Usage
	reason      abi.FinishReason
}

// NewStream returns a Stream that writes to w, calling flush after each
// event. Model is the public model name the response carries.
func NewStream(w io.Writer, flush func(), model string, now time.Time) *Stream {
	return &Stream{events: sse.NewStream(w, flush), model: model, id: "resp_gw", created: now.Unix(), msg: -1, part: -1, reas: -1, calls: map[int]int{}, done: map[int]bool{}}
}

func (s *Stream) send(typ string, fields map[string]any) error {
	fields["type"] = typ
	fields["sequence_number"] = s.seq
	s.seq++
	return s.events.Send(typ, fields)
}

func (s *Stream) snapshot(status string) response {
	return newResponse(s.id, s.model, s.created, status, append([]outItem(nil), s.out...))
}

func (s *Stream) start() error {
	if s.started {
		return nil
	}
	s.started = true
	if err := s.send("response.created", map[string]any{"response": s.snapshot("in_progress")}); err != nil {
		return err
	}
	return s.send("response.in_progress", map[string]any{"response": s.snapshot("in_progress")})
}

// closeOpen ends the open message or reasoning item.
func (s *Stream) closeOpen() error {
	if err := s.closeMsg(); err != nil {
		return err
	}
	return s.closeReasoning()
}

// closeMsg ends the open message item.
func (s *Stream) closeMsg() error {
	if s.msg < 0 {
		return nil
	}
	if err := s.closePart(); err != nil {
		return err
	}
	i := s.msg
	s.msg = -1
	s.out[i].Status = "completed"
	return s.itemDone(i)
}

// itemDone sends output item i as done.
func (s *Stream) itemDone(i int) error {
	s.done[i] = true
	return s.send("response.output_item.done", map[string]any{"output_index": i, "item": s.out[i]})
}

// closePart ends the open content part of the message item.
func (s *Stream) closePart() error {
	if s.part < 0 {
		return nil
	}
	i, k := s.msg, s.part
	s.part = -1
	it := &s.out[i]
	p := it.Content[k]
	var err error
	if p.Type == partRefusal {
		err = s.send("response.refusal.done", map[string]any{"item_id": it.ID, "output_index": i, "content_index": k, "refusal": *p.Refusal})
	} else {
		err = s.send("response.output_text.done", map[string]any{"item_id": it.ID, "output_index": i, "content_index": k, "text": *p.Text, "logprobs": []any{}})
	}
	if err != nil {
		return err
	}
	return s.send("response.content_part.done", map[string]any{"item_id": it.ID, "output_index": i, "content_index": k, "part": p})
}

// contentDelta adds d to the message item's open part of type typ
// (partText or partRefusal), opening the item and the part as needed.
func (s *Stream) contentDelta(typ, d string) error {
	if s.msg < 0 {
		if err := s.closeReasoning(); err != nil {
			return err
		}
		i, err := s.addItem(outItem{Type: "message", ID: "msg_" + strconv.Itoa(len(s.out)), Status: "in_progress", Role: "assistant", Content: []contentOut{}})
		if err != nil {
			return err
		}
		s.msg = i
	}
	i := s.msg
	it := &s.out[i]
	if s.part < 0 || it.Content[s.part].Type != typ {
		if err := s.closePart(); err != nil {
			return err
		}
		it.Content = append(it.Content, emptyPart(typ))
		s.part = len(it.Content) - 1
		if err := s.send("response.content_part.added", map[string]any{"item_id": it.ID, "output_index": i, "content_index": s.part, "part": emptyPart(typ)}); err != nil {
			return err
		}
	}
	p := &it.Content[s.part]
	if typ == partRefusal {
		p.Refusal = ptr(*p.Refusal + d)
		return s.send("response.refusal.delta", map[string]any{"item_id": it.ID, "output_index": i, "content_index": s.part, "delta": d})
	}
	p.Text = ptr(*p.Text + d)
	return s.send("response.output_text.delta", map[string]any{"item_id": it.ID, "output_index": i, "content_index": s.part, "delta": d, "logprobs": []any{}})
}

// reasoningDelta adds d to the open reasoning item's summary, opening
// the item as needed.
func (s *Stream) reasoningDelta(d string) error {
	if s.reas < 0 {
		if err := s.closeMsg(); err != nil {
			return err
		}
		i, err := s.addItem(outItem{Type: "reasoning", ID: "rs_" + strconv.Itoa(len(s.out)), Summary: []contentOut{}})
		if err != nil {
			return err
		}
		s.reas = i
		p := contentOut{Type: "summary_text", Text: ptr("")}
		s.out[i].Summary = []contentOut{p}
		if err := s.send("response.reasoning_summary_part.added", map[string]any{"item_id": s.out[i].ID, "output_index": i, "summary_index": 0, "part": p}); err != nil {
			return err
		}
	}
	it := &s.out[s.reas]
	it.Summary[0].Text = ptr(*it.Summary[0].Text + d)
	return s.send("response.reasoning_summary_text.delta", map[string]any{"item_id": it.ID, "output_index": s.reas, "summary_index": 0, "delta": d})
}

// closeReasoning ends the open reasoning item.
func (s *Stream) closeReasoning() error {
	if s.reas < 0 {
		return nil
	}
	i := s.reas
	s.reas = -1
	it := &s.out[i]
	p := it.Summary[0]
	if err := s.send("response.reasoning_summary_text.done", map[string]any{"item_id": it.ID, "output_index": i, "summary_index": 0, "text": *p.Text}); err != nil {
		return err
	}
	if err := s.send("response.reasoning_summary_part.done", map[string]any{"item_id": it.ID, "output_index": i, "summary_index": 0, "part": p}); err != nil {
		return err
	}
	return s.itemDone(i)
}

func (s *Stream) addItem(it outItem) (int, error) {
	i := len(s.out)
	s.out = append(s.out, it)
	return i, s.send("response.output_item.added", map[string]any{"output_index": i, "item": it})
}

// openCall announces tool call ev (its start, or the whole call).
func (s *Stream) openCall(ev *abi.Event) (int, error) {
	if err := s.closeOpen(); err != nil {
		return 0, err
	}
	i, err := s.addItem(outItem{Type: "function_call", ID: "fc_" + ev.ID, Status: "in_progress", CallID: ev.ID, Name: ev.Name})
	s.calls[ev.Index] = i
	return i, err
}

func (s *Stream) argDelta(i int, d string) error {
	if d == "" {
		return nil
	}
	s.out[i].Arguments += d
	return s.send("response.function_call_arguments.delta", map[string]any{"item_id": s.out[i].ID, "output_index": i, "delta": d})
}

func (s *Stream) closeCall(i int) error {
	if s.done[i] {
		return nil
	}
	it := &s.out[i]
	it.Status = "completed"
	if err := s.send("response.function_call_arguments.done", map[string]any{"item_id": it.ID, "output_index": i, "name": it.Name, "arguments": it.Arguments}); err != nil {
		return err
	}
	return s.itemDone(i)
}

// Event writes one normalized event (events with nothing to say in this
// dialect write nothing).
func (s *Stream) Event(ev *abi.Event) error {
	if ev.Type == abi.EventResponseStart && ev.ID != "" && !s.started {
		s.id = responseID(ev.ID)
	}
	if err := s.start(); err != nil {
		return err
	}
	switch ev.Type {
	case abi.EventTextDelta:
		return s.contentDelta(partText, ev.Text)
	case abi.EventRefusal:
		return s.contentDelta(partRefusal, ev.Text)
	case abi.EventReasoningDelta:
		return s.reasoningDelta(ev.Text)
	case abi.EventApprovalRequest:
		if err := s.closeOpen(); err != nil {
			return err
		}
		i, err := s.addItem(approvalItem(ev.ID, ev.Name, ev.Input))
		if err != nil {
			return err
		}
		return s.itemDone(i)
	case abi.EventServerToolCall:
		if s.serverCalls == nil {
			s.serverCalls = map[string]abi.Event{}
		}
		s.serverCalls[ev.ID] = *ev
	case abi.EventServerToolResult:
		c, ok := s.serverCalls[ev.ID]
		if !ok {
			return nil
		}
		delete(s.serverCalls, ev.ID)
		it, ok := mcpItem(ev.ID, c.Name, c.Input, ev.Content)
		if !ok {
			return nil
		}
		if err := s.closeOpen(); err != nil {
			return err
		}
		i, err := s.addItem(it)
		if err != nil {
			return err
		}
		return s.itemDone(i)
	case abi.EventToolCallStart:
		_, err := s.openCall(ev)
		return err
	case abi.EventToolCallDelta:
		i, ok := s.calls[ev.Index]
		if !ok || s.done[i] {
			return nil
		}
		return s.argDelta(i, ev.Arguments)
	case abi.EventToolCall:
		i, ok := s.calls[ev.Index]
		if !ok {
			var err error
			if i, err = s.openCall(ev); err != nil {
				return err
			}
		}
		if s.done[i] {
			return nil
		}
		// Send what the deltas did not (all of it, for an adapter that
		// announces a call and then gives it whole).
		if rest, ok := strings.CutPrefix(ev.Arguments, s.out[i].Arguments); ok {
			if err := s.argDelta(i, rest); err != nil {
				return err
			}
		} else {
			s.out[i].Arguments = ev.Arguments
		}
		return s.closeCall(i)
	case abi.EventUsage:
		s.usage = ev.Usage
	case abi.EventFinish:
		s.reason = ev.Reason
	}
	return nil
}

// End closes the open items and writes response.completed (or
// response.incomplete, for an answer cut by its token limit).
func (s *Stream) End() error {
	if err := s.start(); err != nil {
		return err
	}
	if err := s.closeOpen(); err != nil {
		return err
	}
	for i := range s.out {
		if err := s.closeCall(i); err != nil {
			return err
		}
	}
	status, inc := finish(s.reason)
	resp := s.snapshot(status)
	resp.Usage, resp.IncompleteDetails = usageOf(s.usage), inc
	return s.send("response."+status, map[string]any{"response": resp})
}

// Fail reports an error after the stream started: response.failed, whose
// response carries the error's code and message.
func (s *Stream) Fail(e *abi.Error) error {
	resp := s.snapshot("failed")
	resp.Error = &errorOut{Code: string(e.Code), Message: e.Message}
	return s.send("response.failed", map[string]any{"response": resp})
}
