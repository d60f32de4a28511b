package openai

import (
	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/chatcompletions"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/opkit"
)

// limits are the limits of the model lines (OpenAI's model pages), most
// specific prefix first.
var limits = []opkit.Limit{
	{Prefix: "gpt-5.1", Context: 400000, Out: 128000},
	{Prefix: "gpt-5-chat", Context: 128000, Out: 16384},
	{Prefix: "gpt-5", Context: 400000, Out: 128000},
	{Prefix: "gpt-4.1", Context: 1047576, Out: 32768},
	{Prefix: "gpt-4o", Context: 128000, Out: 16384},
	{Prefix: "chatgpt-4o-latest", Context: 128000, Out: 16384},
	{Prefix: "gpt-4-turbo", Context: 128000, Out: 4096},
	{Prefix: "gpt-4", Context: 8192, Out: 8192},
	{Prefix: "gpt-3.5-turbo", Context: 16385, Out: 4096},
	{Prefix: "o1-mini", Context: 128000, Out: 65536},
	{Prefix: "o1-preview", Context: 128000, Out: 32768},
	{Prefix: "o1", Context: 200000, Out: 100000},
	{Prefix: "o3-mini", Context: 200000, Out: 100000},
	{Prefix: "o3", Context: 200000, Out: 100000},
	{Prefix: "o4-mini", Context: 200000, Out: 100000},
}

// details returns what the adapter knows of a model of its table beyond
// its flags (f and the projection rules un), or nil for any other model.
func details(m string, f abi.Features, un map[string]chatcompletions.Action) *abi.ModelDetails {
	if f.Source != abi.SourceTable || chatcompletions.NotChat(m) {
		return nil
	}
	l, ok := opkit.FindLimit(limits, m)
	if !ok {
		return nil
	}
	d := l.Details()
	if f.Vision {
		// Vision models take PDF files too.
		d.InputModalities = append(d.InputModalities, abi.ModalityImage, abi.ModalityPDF)
	}
	if audioModel(m) {
		d.InputModalities = append(d.InputModalities, abi.ModalityAudio)
	}
	// The sampling parameters the projection sends (seed is a provider
	// option).
	d.Sampling = chatcompletions.Sampling(un, false, true)
	return d
}
