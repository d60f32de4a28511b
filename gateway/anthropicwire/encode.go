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
		s.tools[ev.Index] = true
		s.openTool, s.streamed = ev.Index, ""
		return s.openBlock("tool_use", map[string]any{"type": "tool_use", "id": ev.ID, "name": ev.Name, "input": map[string]any{}})
	case abi.EventToolCallDelta:
		if s.open != "tool_use" || s.openTool != ev.Index {
			// Interleaved parallel calls cannot be expressed in this
			// dialect; the complete tool-call event carries them.
			return nil
		}
		s.streamed += ev.Arguments
		return s.blockDelta(map[string]any{"type": "input_json_delta", "partial_json": ev.Arguments})
	case abi.EventToolCall:
		if s.tools[ev.Index] && s.open == "tool_use" && s.openTool == ev.Index {
			// Send what the deltas did not, then close.
			if rest, ok := strings.CutPrefix(ev.Arguments, s.streamed); ok && rest != "" {
				if err := s.blockDelta(map[string]any{"type": "input_json_delta", "partial_json": rest}); err != nil {
					return err
				}
			}
			return s.closeBlock()
		}
		if s.tools[ev.Index] {
			return nil
		}
		s.tools[ev.Index] = true
		s.openTool = ev.Index
		if err := s.openBlock("tool_use", map[string]any{"type": "tool_use", "id": ev.ID, "name": ev.Name, "input": map[string]any{}}); err != nil {
			return err
		}
		if err := s.blockDelta(map[string]any{"type": "input_json_delta", "partial_json": ev.Arguments}); err != nil {
			return err
		}
		return s.closeBlock()
	case abi.EventUsage:
		s.usage = ev.Usage
	case abi.EventFinish:
		s.stop = StopReason(ev.Reason)
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
	if err := s.send("message_delta", map[string]any{"type": "message_delta",
		"delta": map[string]any{"stop_reason": s.stop, "stop_sequence": nil}, "usage": usageOf(s.usage)}); err != nil {
		return err
	}
	return s.send("message_stop", map[string]any{"type": "message_stop"})
}

// Fail reports an error after the stream started, as Anthropic does: an
// error event.
func (s *Stream) Fail(e *abi.Error) error {
	return s.events.SendRaw("error", ErrorBody(e))
}

// Message is the message object for a whole response.
func Message(r *host.Response, model string) []byte {
	content := []any{}
	for _, p := range r.Reasoning {
		if p.Redacted != "" {
			content = append(content, map[string]any{"type": "redacted_thinking", "data": p.Redacted})
		} else {
			content = append(content, map[string]any{"type": "thinking", "thinking": p.Text, "signature": p.Signature})
		}
	}
	if t := r.Text + r.Refusal; t != "" {
		content = append(content, map[string]any{"type": "text", "text": t})
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

// TokenCount is the /v1/messages/count_tokens answer: {"input_tokens": n}.
func TokenCount(n int) []byte {
	b, _ := json.Marshal(struct {
		InputTokens int `json:"input_tokens"`
	}{n})
	return b
}
