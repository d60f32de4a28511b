package gemini

import (
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
)

// modelDetails returns what the adapter knows of a model beyond its flags
// (Gemini API models page and thinking guide), or nil for a model it does
// not know and for no model.
func modelDetails(model string) *abi.ModelDetails {
	src := modelSource(model)
	if src != abi.SourceTable && src != abi.SourceFamily {
		return nil
	}
	m := strings.TrimPrefix(model, "models/")
	d := &abi.ModelDetails{ContextWindow: 1048576, MaxOutputTokens: 65536,
		InputModalities: []string{abi.ModalityText, abi.ModalityImage, abi.ModalityPDF, abi.ModalityAudio},
		Sampling:        []string{abi.SamplingTemperature, abi.SamplingTopP, abi.SamplingStop}}
	v := geminiVersion(m)
	switch {
	case strings.HasPrefix(m, "gemma"):
		d.ContextWindow, d.MaxOutputTokens = 131072, 8192
		d.InputModalities = []string{abi.ModalityText, abi.ModalityImage}
	case v >= 30:
	case v >= 25:
		// Thinking budgets: 2.5 Pro 128..32768 (no off); Flash up to
		// 24576, Flash-Lite 512..24576 (0 switches thinking off on both).
		switch {
		case strings.Contains(m, "-pro"):
			d.Reasoning = &abi.ReasoningControls{Budget: true, BudgetMin: 128, BudgetMax: 32768, Adaptive: true}
		default:
			d.Reasoning = &abi.ReasoningControls{Budget: true, BudgetMax: 24576, Adaptive: true}
		}
	case strings.HasPrefix(m, "gemini-1.5-pro"):
		d.ContextWindow, d.MaxOutputTokens = 2097152, 8192
	case v > 0:
		d.MaxOutputTokens = 8192
	}
	return d
}
