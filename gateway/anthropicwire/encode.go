package anthropicwire

import (
	"encoding/json"
	"io"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/gateway/internal/sse"
	"github.com/wasmadapt/wasmadapt/host"
)

// Stream writes normalized events as the Messages streaming sequence.
// Create it with NewStream, feed it every event with Event, then call End
// (or Fail after an error).
type Stream struct {
	events  sse.Stream
	model   string
	id      string
	started bool
	// open is the kind of the open content block ("" none): "text",
	// "thinking", or "tool_use"; idx is the next block index.
	open     string
	openTool int
	idx      int
	stop     string
	usage    abi.Usage
	// tools holds the tool-call indexes whose block was opened, and
	// streamed the input JSON sent for the open one.
	tools    map[int]bool
	streamed string
	// waiting holds, in the order they started, the tool calls that began
	// while another call's block was open: a Messages stream has one open
	// block at a time, so their input is kept here and sent, whole, when
	// the blocks before theirs close.
	waiting []waitingCall
	// held holds the server tool events that came while a tool call's
	// block was open or calls were waiting, sent when those are done.
	held []abi.Event
}

// waitingCall is a tool call whose block is not open yet: the input JSON
// its deltas carried so far and, once its tool-call event came, the
// complete arguments.
type waitingCall struct {
	index    int
	id, name string
	args     string
	done     bool
	doneArgs string
}

// NewStream returns a Stream that writes to w, calling flush after each
// event. Model is the public model name the message carries.
func NewStream(w io.Writer, flush func(), model string) *Stream {
	return &Stream{events: sse.NewStream(w, flush), model: model, id: "msg_gw", tools: map[int]bool{}, stop: "end_turn"}
}

type usage struct {
	InputTokens          int `json:"input_tokens"`
	OutputTokens         int `json:"output_tokens"`
	CacheReadInputTokens int `json:"cache_read_input_tokens"`
}

func usageOf(u abi.Usage) usage {
	return usage{InputTokens: u.InputTokens, OutputTokens: u.OutputTokens, CacheReadInputTokens: u.CachedInputTokens}
}

type msg struct {
	ID           string  `json:"id"`
	Type         string  `json:"type"`
	Role         string  `json:"role"`
	Model        string  `json:"model"`
	Content      []any   `json:"content"`
	StopReason   *string `json:"stop_reason"`
	StopSequence *string `json:"stop_sequence"`
	Usage        usage   `json:"usage"`
}

func (s *Stream) send(name string, v any) error { return s.events.Send(name, v) }

func (s *Stream) start() error {
	if s.started {
		return nil
	}
	s.started = true
	return s.send("message_start", map[string]any{"type": "message_start",
		"message": msg{ID: s.id, Type: "message", Role: "assistant", Model: s.model, Content: []any{}, Usage: usageOf(s.usage)}})
}

func (s *Stream) closeBlock() error {
	if s.open == "" {
		return nil
	}
	s.open = ""
	s.idx++
	return s.send("content_block_stop", map[string]any{"type": "content_block_stop", "index": s.idx - 1})
}

func (s *Stream) openBlock(kind string, block any) error {
	if err := s.closeBlock(); err != nil {
		return err
	}
	s.open = kind
	return s.send("content_block_start", map[string]any{"type": "content_block_start", "index": s.idx, "content_block": block})
}

func (s *Stream) blockDelta(d any) error {
	return s.send("content_block_delta", map[string]any{"type": "content_block_delta", "index": s.idx, "delta": d})
}

// Event writes one normalized event (events with nothing to say in this
// dialect write nothing).
func (s *Stream) Event(ev *abi.Event) error {
	if ev.Type == abi.EventResponseStart && !s.started && ev.ID != "" {
		s.id = ev.ID
	}
	if err := s.start(); err != nil {
		return err
	}
	switch ev.Type {
	case abi.EventTextDelta, abi.EventRefusal:
		if s.open != "text" {
			if err := s.openBlock("text", map[string]any{"type": "text", "text": ""}); err != nil {
				return err
			}
		}
		return s.blockDelta(map[string]any{"type": "text_delta", "text": ev.Text})
	case abi.EventReasoningDelta:
		if s.open != "thinking" {
			if err := s.openBlock("thinking", map[string]any{"type": "thinking", "thinking": "", "signature": ""}); err != nil {
				return err
			}
		}
		return s.blockDelta(map[string]any{"type": "thinking_delta", "thinking": ev.Text})
	case abi.EventReasoningSignature:
		if s.open != "thinking" {
			if err := s.openBlock("thinking", map[string]any{"type": "thinking", "thinking": "", "signature": ""}); err != nil {
				return err
			}
		}
		if err := s.blockDelta(map[string]any{"type": "signature_delta", "signature": ev.Signature}); err != nil {
			return err
		}
		return s.closeBlock()
	case abi.EventReasoningRedacted:
		if err := s.openBlock("redacted_thinking", map[string]any{"type": "redacted_thinking", "data": ev.Data}); err != nil {
			return err
		}
		return s.closeBlock()
	case abi.EventToolCallStart:
		if s.tools[ev.Index] || s.waitingFor(ev.Index) != nil {
			return nil
		}
		if s.open == "tool_use" {
			s.waiting = append(s.waiting, waitingCall{index: ev.Index, id: ev.ID, name: ev.Name})
			return nil
		}
		return s.startTool(ev.Index, ev.ID, ev.Name, "")
	case abi.EventToolCallDelta:
		if s.open == "tool_use" && s.openTool == ev.Index {
			s.streamed += ev.Arguments
			return s.blockDelta(map[string]any{"type": "input_json_delta", "partial_json": ev.Arguments})
		}
		if w := s.waitingFor(ev.Index); w != nil {
			w.args += ev.Arguments
		}
		return nil
	case abi.EventToolCall:
		if s.open == "tool_use" && s.openTool == ev.Index {
			if err := s.finishTool(ev.Arguments); err != nil {
				return err
			}
			if err := s.openWaiting(); err != nil {
				return err
			}
			return s.flushHeld()
		}
		if w := s.waitingFor(ev.Index); w != nil {
			w.done, w.doneArgs = true, ev.Arguments
			return nil
		}
		if s.tools[ev.Index] {
			return nil
		}
		if s.open == "tool_use" {
			s.waiting = append(s.waiting, waitingCall{index: ev.Index, id: ev.ID, name: ev.Name, done: true, doneArgs: ev.Arguments})
			return nil
		}
		if err := s.startTool(ev.Index, ev.ID, ev.Name, ""); err != nil {
			return err
		}
		return s.finishTool(ev.Arguments)
	case abi.EventServerToolCall, abi.EventServerToolResult:
		if s.open == "tool_use" || len(s.waiting) > 0 {
			s.held = append(s.held, *ev)
			return nil
		}
		return s.serverBlock(ev)
	case abi.EventUsage:
		s.usage = ev.Usage
	case abi.EventFinish:
		s.stop = StopReason(ev.Reason)
	}
	return nil
}

// serverBlock writes a server tool event as its block, as Anthropic
// streams them: a call's block starts with the input {} and gets it as
// one input_json_delta; a result's block comes whole. Events of names the
// Messages API has no block for write nothing.
func (s *Stream) serverBlock(ev *abi.Event) error {
	if ev.Type == abi.EventServerToolCall {
		b, input, ok := serverToolUse(ev.ID, ev.Name, ev.Input)
		if !ok {
			return nil
		}
		if err := s.openBlock("server", b); err != nil {
			return err
		}
		if err := s.blockDelta(map[string]any{"type": "input_json_delta", "partial_json": string(input)}); err != nil {
			return err
		}
		return s.closeBlock()
	}
	b, ok := serverToolResult(ev.ID, ev.Name, ev.Content, ev.IsError)
	if !ok {
		return nil
	}
	if err := s.openBlock("server", b); err != nil {
		return err
	}
	return s.closeBlock()
}

// flushHeld writes the held server tool events once no tool call's block
// is open or waiting.
func (s *Stream) flushHeld() error {
	if s.open == "tool_use" || len(s.waiting) > 0 {
		return nil
	}
	for len(s.held) > 0 {
		ev := s.held[0]
		s.held = s.held[1:]
		if err := s.serverBlock(&ev); err != nil {
			return err
		}
	}
	return nil
}

// End closes the open block and writes message_delta (stop reason, usage)
// and message_stop.
func (s *Stream) End() error {
	if err := s.start(); err != nil {
		return err
	}
	if err := s.closeBlock(); err != nil {
		return err
	}
	// Calls still waiting (the stream ended before the open call's
	// tool-call event) are sent with what they have.
	for len(s.waiting) > 0 {
		if err := s.openWaiting(); err != nil {
			return err
		}
		if err := s.closeBlock(); err != nil {
			return err
		}
	}
	if err := s.flushHeld(); err != nil {
		return err
	}
	if err := s.send("message_delta", map[string]any{"type": "message_delta",
		"delta": map[string]any{"stop_reason": s.stop, "stop_sequence": nil}, "usage": usageOf(s.usage)}); err != nil {
		return err
	}
	return s.send("message_stop", map[string]any{"type": "message_stop"})
}

// waitingFor returns the waiting call of index i, or nil.
func (s *Stream) waitingFor(i int) *waitingCall {
	for k := range s.waiting {
		if s.waiting[k].index == i {
			return &s.waiting[k]
		}
	}
	return nil
}

// startTool opens the tool_use block of call i and sends args, the input
// its deltas carried before the block could open, as one delta.
func (s *Stream) startTool(i int, id, name, args string) error {
	s.tools[i] = true
	s.openTool, s.streamed = i, ""
	if err := s.openBlock("tool_use", map[string]any{"type": "tool_use", "id": id, "name": name, "input": map[string]any{}}); err != nil {
		return err
	}
	if args == "" {
		return nil
	}
	s.streamed = args
	return s.blockDelta(map[string]any{"type": "input_json_delta", "partial_json": args})
}

// finishTool sends what the open call's deltas did not of its complete
// arguments, then closes its block.
func (s *Stream) finishTool(complete string) error {
	if rest, ok := strings.CutPrefix(complete, s.streamed); ok && rest != "" {
		if err := s.blockDelta(map[string]any{"type": "input_json_delta", "partial_json": rest}); err != nil {
			return err
		}
	}
	return s.closeBlock()
}

// openWaiting opens the blocks of the waiting calls in the order they
// started: each one already complete is sent whole and closed; the first
// one still streaming stays open and streams on.
func (s *Stream) openWaiting() error {
	for len(s.waiting) > 0 {
		w := s.waiting[0]
		s.waiting = s.waiting[1:]
		if err := s.startTool(w.index, w.id, w.name, w.args); err != nil {
			return err
		}
		if !w.done {
			return nil
		}
		if err := s.finishTool(w.doneArgs); err != nil {
			return err
		}
	}
	return nil
}

// Fail reports an error after the stream started, as Anthropic does: an
// error event.
func (s *Stream) Fail(e *abi.Error) error {
	return s.events.SendRaw("error", ErrorBody(e))
}

// Message is the message object for a whole response: its thinking
// blocks, its text (with a refusal's) and the server tool blocks where
// they came in it (host.Response.Message places them), and its tool_use
// blocks.
func Message(r *host.Response, model string) []byte {
	content := []any{}
	if len(r.ServerTools) == 0 {
		for i := range r.Reasoning {
			content = append(content, thinkingBlock(&r.Reasoning[i]))
		}
		if t := r.Text + r.Refusal; t != "" {
			content = append(content, map[string]any{"type": "text", "text": t})
		}
	} else {
		m := r.Message()
		for i := range m.Content {
			switch p := &m.Content[i]; p.Type {
			case abi.PartReasoning:
				content = append(content, thinkingBlock(p))
			case abi.PartText:
				if p.Text != "" {
					content = append(content, map[string]any{"type": "text", "text": p.Text})
				}
			case abi.PartServerToolCall:
				if b, input, ok := serverToolUse(p.ID, p.Name, p.Input); ok {
					b["input"] = input
					content = append(content, b)
				}
			case abi.PartServerToolResult:
				if b, ok := serverToolResult(p.ID, p.Name, p.Content, p.IsError); ok {
					content = append(content, b)
				}
			}
		}
		if r.Text != "" && r.Refusal != "" {
			// Message keeps the text; the refusal that followed it is a
			// text block of its own.
			content = append(content, map[string]any{"type": "text", "text": r.Refusal})
		}
	}
	for _, p := range r.ToolCalls {
		input := json.RawMessage(p.Arguments)
		if !json.Valid(input) {
			input = json.RawMessage("{}")
		}
		content = append(content, map[string]any{"type": "tool_use", "id": p.ID, "name": p.Name, "input": input})
	}
	id := r.ID
	if id == "" {
		id = "msg_gw"
	}
	stop := StopReason(r.FinishReason)
	b, _ := json.Marshal(msg{ID: id, Type: "message", Role: "assistant", Model: model, Content: content, StopReason: &stop, Usage: usageOf(r.Usage)})
	return b
}

// thinkingBlock is the thinking (or redacted_thinking) block of a
// reasoning part.
func thinkingBlock(p *abi.Part) map[string]any {
	if p.Redacted != "" {
		return map[string]any{"type": "redacted_thinking", "data": p.Redacted}
	}
	return map[string]any{"type": "thinking", "thinking": p.Text, "signature": p.Signature}
}

// TokenCount is the /v1/messages/count_tokens answer: {"input_tokens": n}.
func TokenCount(n int) []byte {
	b, _ := json.Marshal(struct {
		InputTokens int `json:"input_tokens"`
	}{n})
	return b
}
