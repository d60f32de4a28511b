package openrouter

import (
	"slices"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/opkit"
)

// modelInfo reads one entry of GET /v1/models: context_length,
// top_provider.max_completion_tokens, architecture.input_modalities and
// supported_parameters (tools, structured_outputs, reasoning, sampling).
func modelInfo(entry []byte, c *abi.Capabilities) error {
	var m struct {
		ContextLength int `json:"context_length"`
		Architecture  struct {
			InputModalities []string `json:"input_modalities"`
		} `json:"architecture"`
		TopProvider struct {
			MaxCompletionTokens int `json:"max_completion_tokens"`
		} `json:"top_provider"`
		SupportedParameters []string `json:"supported_parameters"`
	}
	if err := opkit.DecodeEntry(entry, "OpenRouter", &m); err != nil {
		return err
	}
	d := opkit.Discovered(*c)
	has := func(p string) bool { return slices.Contains(m.SupportedParameters, p) }
	in := func(k string) bool { return slices.Contains(m.Architecture.InputModalities, k) }
	d.Features.ToolCalling, d.Features.ParallelToolCalls = abi.SupportNone, false
	if has("tools") {
		d.Features.ToolCalling, d.Features.ParallelToolCalls = abi.SupportNative, has("parallel_tool_calls")
	}
	switch {
	case has("structured_outputs"):
		d.Features.StructuredOutput = abi.SupportNative
	case has("response_format"):
		d.Features.StructuredOutput = abi.SupportJSONMode
	default:
		d.Features.StructuredOutput = abi.SupportNone
	}
	d.Features.Reasoning = has("reasoning")
	d.Features.Vision = in("image")
	d.Details.ContextWindow = m.ContextLength
	d.Details.MaxOutputTokens = m.TopProvider.MaxCompletionTokens
	d.Details.InputModalities = opkit.Modalities(in("image"), in("file"), in("audio"))
	d.Details.Sampling = nil
	for _, p := range []string{abi.SamplingTemperature, abi.SamplingTopP, abi.SamplingTopK, abi.SamplingStop, abi.SamplingSeed} {
		if has(p) {
			d.Details.Sampling = append(d.Details.Sampling, p)
		}
	}
	*c = *d
	return nil
}
