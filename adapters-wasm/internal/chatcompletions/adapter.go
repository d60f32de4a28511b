package chatcompletions

import (
	"slices"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// adapter is the guest.Adapter speaking one Dialect. It is safe for
// concurrent use: every call is a pure function of its input.
type adapter struct {
	d *Dialect
}

// New returns the adapter speaking d. d must not change afterwards.
func New(d *Dialect) guest.Adapter { return &adapter{d: d} }

// Capabilities describes the module for model ("" for the defaults); a
// model the dialect does not know reports abi.PlainTextFeatures.
func (a *adapter) Capabilities(model string) abi.Capabilities {
	d := a.d
	keys := make([]string, len(d.Options))
	for i, o := range d.Options {
		keys[i] = o.Key
	}
	slices.Sort(keys)
	m := d.model(model)
	return abi.Capabilities{
		ABIVersion:      abi.VersionString(abi.Version),
		Name:            d.Name,
		Version:         d.Version,
		Provider:        d.Provider,
		Model:           model,
		DefaultBaseURL:  d.DefaultBaseURL,
		Auth:            d.auth(),
		StateFormat:     d.stateFormat(),
		ProviderOptions: keys,
		Features:        Reported(m.Features),
		Details:         m.Details,
		Operations:      d.operations(),
		EmbedMaxBatch:   d.embedMaxBatch(),
	}
}

// Project turns a normalized request into the provider request.
func (a *adapter) Project(req *abi.Request) (*abi.ProviderRequest, error) {
	return a.d.Project(req)
}

// Transform consumes stream chunks; see the package doc for the events.
func (a *adapter) Transform(in *abi.TransformInput, out *guest.Output) error {
	return a.d.Transform(in, out)
}

// ParseResponse turns a whole body into events.
func (a *adapter) ParseResponse(in *abi.ResponseInput, out *guest.Output) error {
	return a.d.ParseResponse(in, out)
}

// MapError turns an error response into one error event.
func (a *adapter) MapError(in *abi.ResponseInput, out *guest.Output) error {
	return a.d.MapError(in, out)
}

// TextTemplates implements guest.TextTemplater: the plain text chunks and
// the tool-call argument chunks of a dialect that declares them
// (Dialect.PlainText).
func (a *adapter) TextTemplates() []abi.TextTemplate {
	d := a.d
	if !d.PlainText || d.Chunk != nil || len(d.ReasoningFields) > 0 || len(d.UsageIn) > 0 || d.UsageInChoice {
		return nil
	}
	return templates
}

// templates are PlainTextTemplates and ToolTemplates, built once.
var templates = append(PlainTextTemplates(), ToolTemplates()...)

// chunkShape is the shape of a stream chunk whose only choice is index 0
// with a delta of the shape delta, no finish_reason, no usage and no other
// member than the ones every chunk repeats.
func chunkShape(delta *abi.Shape) *abi.Shape {
	anyValue := &abi.Shape{Kind: abi.ShapeAny}
	null := &abi.Shape{Kind: abi.ShapeNull}
	choice := &abi.Shape{Kind: abi.ShapeObject, Required: []string{"delta"}, Keys: map[string]*abi.Shape{
		"index": {Kind: abi.ShapeInt, Int: 0}, "delta": delta, "logprobs": anyValue, "finish_reason": null}}
	return &abi.Shape{Kind: abi.ShapeObject, Required: []string{"choices"}, Keys: map[string]*abi.Shape{
		"id": anyValue, "object": anyValue, "created": anyValue, "model": anyValue, "system_fingerprint": anyValue,
		"service_tier": anyValue, "obfuscation": anyValue, "usage": null,
		"choices": {Kind: abi.ShapeArray, Items: []*abi.Shape{choice}}}}
}

// PlainTextTemplates are the text-delta templates of a Chat Completions
// stream (ABI 1.4): once the response has started, with no tool call,
// refusal or finish_reason seen (the state holds only "started"), a chunk
// whose only choice is index 0 with a delta of a string content (and an
// optional role, and a null refusal), no finish_reason, no usage and no
// other member than the ones every chunk repeats gives the text-delta of
// that content and leaves the state as it is: what Transform does with it.
func PlainTextTemplates() []abi.TextTemplate {
	delta := &abi.Shape{Kind: abi.ShapeObject, Required: []string{"content"}, Keys: map[string]*abi.Shape{
		"content": {Kind: abi.ShapeText}, "role": {Kind: abi.ShapeAny}, "refusal": {Kind: abi.ShapeNull}}}
	started := streamState{flags: fStarted}
	return []abi.TextTemplate{{State: started.encode(nil), Data: chunkShape(delta)}}
}

// toolTemplateCalls bounds the tool calls of a stream the tool templates
// cover: streams of 1 up to it calls.
const toolTemplateCalls = 8

// ToolTemplates are the tool-call-delta templates of a Chat Completions
// stream (ABI 1.7), one per count of tool calls n (1 up to
// toolTemplateCalls) and call index k below it. Each holds for the state
// of a started response with tool calls 0 to n-1, all started, no refusal
// and no finish_reason: the state up to the calls' ids, names and
// arguments (TextTemplate.StatePrefix), which vary from stream to stream
// and change nothing Transform does with an argument piece of a started
// call. In that state, a chunk whose only choice is index 0 with a delta
// of one tool call of index k that carries only a string of arguments (and
// an optional role, a null content and a null refusal), no finish_reason,
// no usage and no other member than the ones every chunk repeats gives
// the tool-call-delta of call k with that piece (none when it is empty)
// and leaves the state as it is: what Transform does with it (addArgs).
func ToolTemplates() []abi.TextTemplate {
	ts := make([]abi.TextTemplate, 0, toolTemplateCalls*(toolTemplateCalls+1)/2)
	var st streamState
	for n := 1; n <= toolTemplateCalls; n++ {
		st.flags, st.n = fStarted|fToolCalls, 0
		for i := range n {
			st.tool(i).started = true
		}
		prefix := st.encode(nil)
		prefix = prefix[:len(prefix)-3*n] // each call's empty id, name and arguments
		for k := range n {
			call := &abi.Shape{Kind: abi.ShapeObject, Required: []string{"index", "function"}, Keys: map[string]*abi.Shape{
				"index": {Kind: abi.ShapeInt, Int: int64(k)}, "type": {Kind: abi.ShapeAny},
				"function": {Kind: abi.ShapeObject, Required: []string{"arguments"}, Keys: map[string]*abi.Shape{
					"arguments": {Kind: abi.ShapeText}}}}}
			delta := &abi.Shape{Kind: abi.ShapeObject, Required: []string{"tool_calls"}, Keys: map[string]*abi.Shape{
				"tool_calls": {Kind: abi.ShapeArray, Items: []*abi.Shape{call}},
				"role":       {Kind: abi.ShapeAny}, "content": {Kind: abi.ShapeNull}, "refusal": {Kind: abi.ShapeNull}}}
			ts = append(ts, abi.TextTemplate{State: prefix, StatePrefix: true, Emit: abi.EventToolCallDelta, Index: k, Data: chunkShape(delta)})
		}
	}
	return ts
}
