// Package blockstream holds the stream and whole-response handling shared
// by the adapters whose providers stream indexed content blocks
// (Anthropic's Messages API and Bedrock's Converse API): the part of the
// transform state both keep (Core), the transform loop around their event
// handlers, the start of a tool-use block, a whole response's tool-use
// block, the token usage and the stop reasons both APIs name alike.
//
// What the APIs name differently (event names, field names, messages) the
// adapters pass in a Dialect; their events and the rest of their state
// stay theirs. The package compiles into each adapter module (GOOS=wasip1)
// and natively; nothing here allocates on the per-chunk path.
package blockstream

import (
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
	"sync"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/blockstate"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
)

// Flag bits of Core.Flags both adapters keep; an adapter's own bits start
// at FlagOwn.
const (
	FlagStarted  = 1 << 0 // the message's start event was seen
	FlagEnded    = 1 << 1 // the end marker was seen
	FlagFailed   = 1 << 2 // an error event was emitted
	FlagJSONMode = 1 << 3 // structured output arrives as a forced tool
	FlagInit     = 1 << 4 // the stream context was read
	// FlagOwn is the first bit an adapter may use for its own flags.
	FlagOwn = 1 << 5
)

// Core is the part of the transform state both adapters keep; each
// embeds it in its own state.
type Core struct {
	// Scratch holds unescaped strings and arena tool arguments for the
	// duration of one call; it is reused from call to call (the state is
	// pooled) and is not part of the encoded state.
	blockstate.Scratch

	Flags    byte             // Flag* bits and the adapter's own
	Usage    blockstate.Usage // the token usage so far
	Stop     []byte           // the stop reason
	JSONTool []byte           // the forced structured-output tool's name, or empty
	NTools   uint64           // tool calls started so far
	Blocks   blockstate.Blocks
}

// Base returns c; through it Transform reaches the Core of an adapter's
// state.
func (c *Core) Base() *Core { return c }

// fresh returns an empty Core that keeps c's buffers, for a new call.
func (c *Core) fresh() Core {
	sc := c.Scratch
	sc.Reset()
	return Core{Scratch: sc, Blocks: c.Blocks[:0]}
}

// AppendHead appends the start of a state record: the version byte, the
// flags, the usage and the stop reason as blockstate.AppendBytes writes
// it.
func (c *Core) AppendHead(dst []byte, version byte) []byte {
	dst = append(dst, version, c.Flags)
	dst = c.Usage.Append(dst)
	return blockstate.AppendBytes(dst, c.Stop)
}

// LoadHead reads what AppendHead wrote after the version byte (which the
// caller reads and checks first).
func (c *Core) LoadHead(r *blockstate.Reader) {
	c.Flags = r.Byte()
	c.Usage = r.Usage()
	c.Stop = r.Bytes()
}

// AppendTail appends the end of a state record: the tool calls started
// as a uvarint, and the open blocks (blockstate.AppendBlocks).
func (c *Core) AppendTail(dst []byte) []byte {
	dst = binary.AppendUvarint(dst, c.NTools)
	return blockstate.AppendBlocks(dst, c.Blocks)
}

// LoadTail reads what AppendTail wrote.
func (c *Core) LoadTail(r *blockstate.Reader) {
	c.NTools = r.Uvarint()
	c.Blocks = r.Blocks(c.Blocks)
}

// UseContext reads the stream context (Request.Context as JSON) and, when
// its response format is json_schema and jsonMode(model) says the model
// emulates structured output with a forced tool, notes that tool's name
// (toolName of the response format's name). It returns the context.
func (c *Core) UseContext(ctx []byte, jsonMode func(model string) bool, toolName func(*abi.ResponseFormat) string) blockstate.Context {
	if len(ctx) == 0 {
		return blockstate.Context{}
	}
	sc := blockstate.StreamContext(ctx)
	if string(sc.RFType) == "json_schema" && jsonMode(string(sc.Model)) {
		c.Flags |= FlagJSONMode
		c.JSONTool = []byte(toolName(&abi.ResponseFormat{Name: string(sc.RFName)}))
	}
	return sc
}

// Stream is an adapter's transform state as Transform drives it: a type
// embedding Core, with the adapter's own encoding and event handling.
type Stream interface {
	// Base returns the Core the state embeds.
	Base() *Core
	// Load decodes a state record; its byte slices alias b.
	Load(b []byte) error
	// Append appends the state record to dst.
	Append(dst []byte) []byte
	// Init reads the stream context, once per stream.
	Init(ctx []byte)
	// Handle handles one chunk: its event name, its data and, from a
	// module that opted in to tapes, the data's tape (abi.Chunk.Tape).
	Handle(ch *abi.Chunk, out *guest.Output)
	// Truncated emits the error of a stream that ended before its end
	// marker.
	Truncated(out *guest.Output)
}

// Pool pools an adapter's transform states (S, handled through *S); the
// zero value is ready.
type Pool[S any, P interface {
	*S
	Stream
}] struct {
	p sync.Pool
}

// Transform runs one transform call (see Transform) with a pooled state,
// emptied first (its Core keeps its buffers).
func (p *Pool[S, P]) Transform(in *abi.TransformInput, out *guest.Output) error {
	s, _ := p.p.Get().(P)
	if s == nil {
		s = new(S)
	}
	defer p.p.Put(s)
	c := s.Base().fresh()
	var zero S
	*s = zero
	*s.Base() = c
	return Transform(s, in, out)
}

// Transform runs one transform call of the stream s, an empty state (as
// Pool.Transform gives): it loads the state, reads the context on the first
// call, hands each chunk to s until the end marker or an error, reports a
// stream that ended before its end marker as truncated, and sets the new
// state.
func Transform(s Stream, in *abi.TransformInput, out *guest.Output) error {
	c := s.Base()
	if len(in.State) > 0 {
		if err := s.Load(in.State); err != nil {
			return abi.Wrap(abi.CodeInvalidRequest, err, "loading the transform state")
		}
	}
	if c.Flags&FlagInit == 0 {
		c.Flags |= FlagInit
		s.Init(in.Context)
	}
	for i := range in.Chunks {
		if c.Flags&(FlagEnded|FlagFailed) != 0 {
			break // nothing after the end marker or an error is meaningful
		}
		s.Handle(&in.Chunks[i], out)
	}
	if in.Flags&abi.FlagEnd != 0 && c.Flags&(FlagEnded|FlagFailed) == 0 {
		s.Truncated(out)
		c.Flags |= FlagFailed
	}
	out.SetState(s.Append(out.State()[:0]))
	return nil
}

// Dialect is what the APIs name differently in the shared handling.
type Dialect struct {
	// Provider prefixes messages ("anthropic").
	Provider string
	// Limit names the output-token limit parameter ("max_tokens") in the
	// error of tool arguments cut off by it.
	Limit string
	// ToolBlock and ToolID name the tool-use block and its ID field
	// ("tool_use", "id") in the error of a block without ID or name.
	ToolBlock, ToolID string
	// Usage are the usage object's keys of the input, cache-read,
	// cache-write and output tokens.
	Usage [4]string
	// ToolKind and JSONKind are the adapter's block kinds of a tool call
	// and of the forced structured-output tool.
	ToolKind, JSONKind byte
}

// CorruptState is the error of a state record the adapter cannot read.
func (d *Dialect) CorruptState() error {
	return errors.New(d.Provider + ": transform state is corrupt (was it produced by another module version?)")
}

// Malformed emits the server_error of a malformed stream event and ends
// the stream.
func (d *Dialect) Malformed(c *Core, out *guest.Output, what string) {
	out.Emit(&abi.Event{Type: abi.EventError, Code: abi.CodeServerError, Message: d.Provider + ": malformed stream event: " + what})
	c.Flags |= FlagFailed
}

// missingID is the error message of a tool-use block without ID or name;
// whole says it came in a whole response.
func (d *Dialect) missingID(whole bool) string {
	block, what := " content block", "stream"
	if whole {
		block, what = " block", "response"
	}
	return d.Provider + ": a " + d.ToolBlock + block + " came without " + d.ToolID + " or name: the " + what + " is malformed; retry the request"
}

// ReadUsage reads a usage object into c.Usage; members that are not
// non-negative integers are skipped.
func (d *Dialect) ReadUsage(c *Core, u []byte) {
	fields := [4]*uint64{&c.Usage.Input, &c.Usage.CacheRead, &c.Usage.CacheCreate, &c.Usage.Output}
	it := jsonx.Object(u)
	for it.Next() {
		v, ok := blockstate.Uint(it.Value())
		if !ok {
			continue
		}
		for i, k := range d.Usage {
			if it.KeyIs(k) {
				*fields[i] = v
				break
			}
		}
	}
}

// StartToolUse starts the streamed tool-use block b from its ID, name and
// the input it came with, if any (whole, as programmatic tool calling
// sends it). The forced structured-output tool's block becomes a block of
// JSONKind, its input text; a block without ID or name is reported
// (tool_arguments_invalid) and stays as it is, its deltas ignored; any
// other is a tool call of ToolKind, announced with tool-call-start (and
// its input as a first tool-call-delta).
func (d *Dialect) StartToolUse(c *Core, out *guest.Output, b *blockstate.Block, id, name, input []byte) {
	if c.Flags&FlagJSONMode != 0 && string(name) == string(c.JSONTool) {
		b.Kind = d.JSONKind
		if args := blockstate.NonEmptyObject(input); len(args) > 0 {
			out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: string(args)})
		}
		return
	}
	if len(id) == 0 || len(name) == 0 {
		// A call without its id or name cannot be run or answered:
		// report the malformed block; its deltas are ignored.
		out.Emit(&abi.Event{Type: abi.EventError, Code: abi.CodeToolArgumentsInvalid, Message: d.missingID(false)})
		return
	}
	b.Kind = d.ToolKind
	b.ToolIdx = c.NTools
	c.NTools++
	b.ID, b.Name = id, name
	out.Emit(&abi.Event{Type: abi.EventToolCallStart, Index: int(b.ToolIdx), ID: blockstate.View(id), Name: blockstate.View(name)})
	if args := blockstate.NonEmptyObject(input); len(args) > 0 {
		out.Emit(&abi.Event{Type: abi.EventToolCallDelta, Index: int(b.ToolIdx), Arguments: blockstate.View(args)})
	}
}

// EndToolCall ends the streamed tool call of block b with tool-call-end
// (blockstate.EndToolCall).
func (d *Dialect) EndToolCall(out *guest.Output, b *blockstate.Block) {
	blockstate.EndToolCall(out, d.Provider, d.Limit, int(b.ToolIdx), blockstate.View(b.ID), blockstate.View(b.Name))
}

// WholeToolUse emits the events of a whole response's tool-use block: the
// forced structured-output tool's input as one text-delta ("{}" when it
// has none), the error of a block without ID or name, else the tool call
// (start, its input as one delta, and the call, or the error of input
// that is not a JSON object).
func (d *Dialect) WholeToolUse(c *Core, out *guest.Output, id, name string, input []byte) {
	args := blockstate.NonEmptyObject(input)
	if c.Flags&FlagJSONMode != 0 && name == string(c.JSONTool) {
		if len(args) == 0 {
			args = []byte("{}")
		}
		out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: string(args)})
		return
	}
	if name == "" || id == "" {
		out.Emit(&abi.Event{Type: abi.EventError, Code: abi.CodeToolArgumentsInvalid, Message: d.missingID(true)})
		return
	}
	idx := int(c.NTools)
	c.NTools++
	out.Emit(&abi.Event{Type: abi.EventToolCallStart, Index: idx, ID: id, Name: name})
	if len(args) > 0 {
		out.Emit(&abi.Event{Type: abi.EventToolCallDelta, Index: idx, Arguments: string(args)})
	}
	blockstate.EmitToolCall(out, d.Provider, d.Limit, idx, id, name, args)
}

// FinishReason maps the stop reasons both APIs name alike (end_turn,
// stop_sequence, tool_use, max_tokens, model_context_window_exceeded);
// ok is false for any other. toolCalls says the response called tools,
// jsonMode that structured output came as the forced tool, whose call
// stops the response normally.
func FinishReason(stop string, toolCalls, jsonMode bool) (r abi.FinishReason, ok bool) {
	switch stop {
	case "end_turn", "stop_sequence":
		if toolCalls {
			return abi.FinishToolCalls, true
		}
		return abi.FinishStop, true
	case "tool_use":
		if !toolCalls && jsonMode {
			return abi.FinishStop, true // the forced structured-output tool
		}
		return abi.FinishToolCalls, true
	case "max_tokens", "model_context_window_exceeded":
		return abi.FinishLength, true
	}
	return "", false
}

// EmitFinish emits finish with reason (of the stop reason, whether the
// response called tools and whether it was in JSON mode) and the stop
// reason as the raw reason.
func (c *Core) EmitFinish(out *guest.Output, reason func(stop string, toolCalls, jsonMode bool) abi.FinishReason) {
	stop := blockstate.View(c.Stop)
	out.Emit(&abi.Event{Type: abi.EventFinish, Reason: reason(stop, c.NTools > 0, c.Flags&FlagJSONMode != 0), RawReason: stop})
}

// Whole emits the events of a whole response's content array, each block
// through block, and reads its usage object; what names the content array
// in the error of content that is not an array. The caller emits finish.
func (d *Dialect) Whole(c *Core, content, usage []byte, what string, block func(v []byte)) error {
	blocks := jsonx.Array(content)
	for blocks.Next() {
		block(blocks.Value())
	}
	if err := blocks.Err(); err != nil && content != nil {
		return abi.Errorf(abi.CodeServerError, "%s: %s is not an array: %v", d.Provider, what, err)
	}
	if usage != nil {
		d.ReadUsage(c, usage)
	}
	return nil
}

// ErrorBody returns an error response's body as the message of its error
// when the body names none: trimmed, and cut after 200 bytes ("...").
func ErrorBody(body []byte) string {
	msg := strings.TrimSpace(string(body))
	if len(msg) > 200 {
		msg = msg[:200] + "..."
	}
	return msg
}

// EmitHTTPError emits the error event of an error response (HTTP status)
// with the code and retryability the adapter mapped: its message is the
// provider, the error type (without one, "HTTP" and the status) and msg.
func (d *Dialect) EmitHTTPError(out *guest.Output, code abi.Code, retry bool, errType string, status uint32, msg string) {
	label := errType
	if label == "" {
		label = "HTTP " + strconv.Itoa(int(status))
	}
	out.Emit(&abi.Event{Type: abi.EventError, Code: code, Retryable: retry, Message: d.Provider + ": " + label + ": " + msg})
}
