package openai

import (
	"slices"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/chatcompletions"
)

// limit is the context window and maximum output tokens of one model
// line.
type limit struct {
	prefix       string
	context, out int
}

// limits are the limits of the model lines (OpenAI's model pages), most
// specific prefix first.
var limits = []limit{
	{"gpt-5.1", 400000, 128000},
	{"gpt-5-chat", 128000, 16384},
	{"gpt-5", 400000, 128000},
	{"gpt-4.1", 1047576, 32768},
	{"gpt-4o", 128000, 16384},
	{"chatgpt-4o-latest", 128000, 16384},
	{"gpt-4-turbo", 128000, 4096},
	{"gpt-4", 8192, 8192},
	{"gpt-3.5-turbo", 16385, 4096},
	{"o1-mini", 128000, 65536},
	{"o1-preview", 128000, 32768},
	{"o1", 200000, 100000},
	{"o3-mini", 200000, 100000},
	{"o3", 200000, 100000},
	{"o4-mini", 200000, 100000},
}

// details returns what the adapter knows of a model of its table beyond
// its flags (f and the projection rules un), or nil for any other model.
func details(m string, f abi.Features, un map[string]chatcompletions.Action) *abi.ModelDetails {
	if f.Source != abi.SourceTable || chatcompletions.NotChat(m) {
		return nil
	}
	i := slices.IndexFunc(limits, func(l limit) bool {
		return m == l.prefix || strings.HasPrefix(m, l.prefix+"-")
	})
	if i < 0 {
		return nil
	}
	d := &abi.ModelDetails{ContextWindow: limits[i].context, MaxOutputTokens: limits[i].out,
		InputModalities: []string{abi.ModalityText}}
	if f.Vision {
		// Vision models take PDF files too.
		d.InputModalities = append(d.InputModalities, abi.ModalityImage, abi.ModalityPDF)
	}
	if audioModel(m) {
		d.InputModalities = append(d.InputModalities, abi.ModalityAudio)
	}
	// The sampling parameters the projection sends (seed is a provider
	// option).
	for _, s := range []struct{ name, feature string }{
		{abi.SamplingTemperature, chatcompletions.FeatureTemperature},
		{abi.SamplingTopP, chatcompletions.FeatureTopP},
		{abi.SamplingStop, chatcompletions.FeatureStop},
		{abi.SamplingSeed, ""},
	} {
		if _, refused := un[s.feature]; s.feature == "" || !refused {
			d.Sampling = append(d.Sampling, s.name)
		}
	}
	return d
}
