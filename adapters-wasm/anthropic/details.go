package anthropic

import (
	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/blockproject"
)

// ContextWindow is the standard context window of every Claude model of
// the table (Anthropic's models overview; the 1M-token windows are beta
// options, not the default).
const ContextWindow = 200000

// details returns what the adapter knows of the model beyond its flags,
// or nil for a model it does not know (and for no model).
func (m model) details() *abi.ModelDetails {
	if m.source != abi.SourceTable && m.source != abi.SourceFamily {
		return nil
	}
	d := &abi.ModelDetails{
		ContextWindow:   ContextWindow,
		MaxOutputTokens: m.maxOutput,
		InputModalities: []string{abi.ModalityText},
		// top_k is the provider option top_k.
		Sampling: []string{abi.SamplingTemperature, abi.SamplingTopP, abi.SamplingTopK, abi.SamplingStop},
	}
	if m.vision {
		d.InputModalities = append(d.InputModalities, abi.ModalityImage, abi.ModalityPDF)
	}
	if m.defaultSampling {
		// Opus 4.7 takes temperature, top_p and top_k only at their
		// defaults.
		d.Sampling = []string{abi.SamplingStop}
	}
	if m.thinking != thinkingNone {
		d.Reasoning = blockproject.ThinkingControls(m.thinking == thinkingAdaptive, m.thinking == thinkingAdaptiveOnly, m.maxOutput)
	}
	return d
}
