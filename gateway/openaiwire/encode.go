package openaiwire

import (
	"encoding/json"
	"io"
	"strings"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/gateway/internal/sse"
	"github.com/wasmadapt/wasmadapt/host"
)

// Stream writes normalized events as chat.completion.chunk server-sent
// events. Create it with NewStream, feed it every event with Event, then
// call End (or Fail after an error).
type Stream struct {
	events  sse.Stream
	model   string
	id      string
	created int64
	opt     Options
	started bool
	usage   *abi.Usage
	// announced holds the tool-call indexes whose start was sent, and
	// streamed the arguments sent for each.
	announced map[int]bool
	streamed  map[int]string
	// chunk is the chunk being sent and choice its one choice.
	chunk  chunk
	choice [1]chunkChoice
}

// NewStream returns a Stream that writes to w, calling flush after each
// event. Model is the public model name the chunks carry.
func NewStream(w io.Writer, flush func(), model string, opt Options, now time.Time) *Stream {
	return &Stream{events: sse.NewStream(w, flush), model: model, opt: opt, created: now.Unix(), id: "chatcmpl-gw", announced: map[int]bool{}, streamed: map[int]string{}}
}

// object is the head of a chat.completion and of a chat.completion.chunk.
type object struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	Model   string `json:"model"`
}

type chunk struct {
	object
	Choices []chunkChoice `json:"choices"`
	Usage   *usage        `json:"usage,omitempty"`
}

// head is the head of the stream's chunks.
func (s *Stream) head() object {
	return object{ID: s.id, Object: "chat.completion.chunk", Created: s.created, Model: s.model}
}

type chunkChoice struct {
	Index        int     `json:"index"`
	Delta        delta   `json:"delta"`
	FinishReason *string `json:"finish_reason"`
}

type delta struct {
	Role             string     `json:"role,omitempty"`
	Content          *string    `json:"content,omitempty"`
	ReasoningContent string     `json:"reasoning_content,omitempty"`
	Refusal          string     `json:"refusal,omitempty"`
	ToolCalls        []toolCall `json:"tool_calls,omitempty"`
}

type usage struct {
	PromptTokens        int `json:"prompt_tokens"`
	CompletionTokens    int `json:"completion_tokens"`
	TotalTokens         int `json:"total_tokens"`
	PromptTokensDetails struct {
		CachedTokens int `json:"cached_tokens"`
	} `json:"prompt_tokens_details"`
	CompletionTokensDetails struct {
		ReasoningTokens int `json:"reasoning_tokens"`
	} `json:"completion_tokens_details"`
}

func usageOf(u abi.Usage) *usage {
	o := &usage{PromptTokens: u.InputTokens, CompletionTokens: u.OutputTokens, TotalTokens: u.InputTokens + u.OutputTokens}
	o.PromptTokensDetails.CachedTokens = u.CachedInputTokens
	o.CompletionTokensDetails.ReasoningTokens = u.ReasoningTokens
	return o
}

func (s *Stream) send(v any) error { return s.events.Send("", v) }

func (s *Stream) delta(d delta, finish *string) error {
	// The chunk and its one choice live in the Stream: no allocation a
	// chunk.
	s.choice[0] = chunkChoice{Delta: d, FinishReason: finish}
	s.chunk = chunk{object: s.head(), Choices: s.choice[:]}
	return s.send(&s.chunk)
}

func (s *Stream) start() error {
	if s.started {
		return nil
	}
	s.started = true
	empty := ""
	return s.delta(delta{Role: "assistant", Content: &empty}, nil)
}

func index(i int) *int { return &i }

// Event writes one normalized event (events with nothing to say in this
// dialect write nothing).
func (s *Stream) Event(ev *abi.Event) error {
	if ev.Type == abi.EventResponseStart {
		if ev.ID != "" {
			s.id = ev.ID
		}
		return s.start()
	}
	if err := s.start(); err != nil {
		return err
	}
	switch ev.Type {
	case abi.EventTextDelta:
		// ev outlives the call: the chunk is encoded before delta returns.
		return s.delta(delta{Content: &ev.Text}, nil)
	case abi.EventReasoningDelta:
		return s.delta(delta{ReasoningContent: ev.Text}, nil)
	case abi.EventRefusal:
		return s.delta(delta{Refusal: ev.Text}, nil)
	case abi.EventToolCallStart:
		s.announced[ev.Index] = true
		tc := toolCall{Index: index(ev.Index), ID: ev.ID, Type: "function"}
		tc.Function.Name = ev.Name
		return s.delta(delta{ToolCalls: []toolCall{tc}}, nil)
	case abi.EventToolCallDelta:
		s.streamed[ev.Index] += ev.Arguments
		tc := toolCall{Index: index(ev.Index)}
		tc.Function.Arguments = ev.Arguments
		return s.delta(delta{ToolCalls: []toolCall{tc}}, nil)
	case abi.EventToolCall:
		if s.announced[ev.Index] {
			// Send what the deltas did not (all of it, for an adapter
			// that announces a call and then gives it whole).
			rest, ok := strings.CutPrefix(ev.Arguments, s.streamed[ev.Index])
			if !ok || rest == "" {
				return nil
			}
			s.streamed[ev.Index] = ev.Arguments
			tc := toolCall{Index: index(ev.Index)}
			tc.Function.Arguments = rest
			return s.delta(delta{ToolCalls: []toolCall{tc}}, nil)
		}
		s.announced[ev.Index] = true
		tc := toolCall{Index: index(ev.Index), ID: ev.ID, Type: "function"}
		tc.Function.Name, tc.Function.Arguments = ev.Name, ev.Arguments
		return s.delta(delta{ToolCalls: []toolCall{tc}}, nil)
	case abi.EventUsage:
		u := ev.Usage
		s.usage = &u
	case abi.EventFinish:
		r := FinishReason(ev.Reason)
		return s.delta(delta{}, &r)
	}
	return nil
}

// End writes the usage chunk (when include_usage asked for it) and the
// [DONE] marker.
func (s *Stream) End() error {
	if err := s.start(); err != nil {
		return err
	}
	if s.opt.IncludeUsage {
		u := abi.Usage{}
		if s.usage != nil {
			u = *s.usage
		}
		if err := s.send(chunk{object: s.head(), Choices: []chunkChoice{}, Usage: usageOf(u)}); err != nil {
			return err
		}
	}
	return s.events.WriteString("data: [DONE]\n\n")
}

// Fail reports an error after the stream started, as OpenAI does: a data
// line holding an error object, and no [DONE].
func (s *Stream) Fail(e *abi.Error) error {
	return s.events.SendRaw("", ErrorBody(e))
}

type completion struct {
	object
	Choices []completionChoice `json:"choices"`
	Usage   *usage             `json:"usage"`
}

type completionChoice struct {
	Index        int               `json:"index"`
	Message      completionMessage `json:"message"`
	FinishReason string            `json:"finish_reason"`
}

type completionMessage struct {
	Role             string     `json:"role"`
	Content          *string    `json:"content"`
	ReasoningContent string     `json:"reasoning_content,omitempty"`
	Refusal          *string    `json:"refusal"`
	ToolCalls        []toolCall `json:"tool_calls,omitempty"`
}

// Completion is the chat.completion object for a whole response.
func Completion(r *host.Response, model string, now time.Time) []byte {
	m := completionMessage{Role: "assistant"}
	if r.Text != "" || len(r.ToolCalls) == 0 {
		t := r.Text
		m.Content = &t
	}
	if r.Refusal != "" {
		t := r.Refusal
		m.Refusal = &t
	}
	for _, p := range r.Reasoning {
		m.ReasoningContent += p.Text
	}
	for _, p := range r.ToolCalls {
		tc := toolCall{ID: p.ID, Type: "function"}
		tc.Function.Name, tc.Function.Arguments = p.Name, p.Arguments
		m.ToolCalls = append(m.ToolCalls, tc)
	}
	id := r.ID
	if id == "" {
		id = "chatcmpl-gw"
	}
	b, _ := json.Marshal(completion{object: object{ID: id, Object: "chat.completion", Created: now.Unix(), Model: model},
		Choices: []completionChoice{{Message: m, FinishReason: FinishReason(r.FinishReason)}}, Usage: usageOf(r.Usage)})
	return b
}
