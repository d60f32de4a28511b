package mistral

import (
	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/opkit"
)

// modelInfo reads one entry of GET /v1/models: its capabilities flags
// (completion_chat, function_calling, vision) and max_context_length.
func modelInfo(entry []byte, c *abi.Capabilities) error {
	var m struct {
		MaxContextLength int `json:"max_context_length"`
		Capabilities     struct {
			CompletionChat  bool `json:"completion_chat"`
			FunctionCalling bool `json:"function_calling"`
			Vision          bool `json:"vision"`
		} `json:"capabilities"`
	}
	if err := opkit.DecodeEntry(entry, "Mistral", &m); err != nil {
		return err
	}
	d := opkit.Discovered(*c)
	d.Features.Vision = m.Capabilities.Vision
	d.Features.ToolCalling = abi.SupportNone
	if m.Capabilities.FunctionCalling {
		d.Features.ToolCalling = abi.SupportNative
	}
	if !m.Capabilities.CompletionChat {
		// An embedding, OCR or moderation model: no chat features.
		d.Features = abi.Features{Source: abi.SourceDiscovered, ToolCalling: abi.SupportNone, StructuredOutput: abi.SupportNone}
	}
	if m.MaxContextLength > 0 {
		d.Details.ContextWindow = m.MaxContextLength
	}
	d.Details.InputModalities = opkit.Modalities(m.Capabilities.Vision, false, false)
	*c = *d
	return nil
}
