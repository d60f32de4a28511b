package ollama

import (
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/openweights"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/opkit"
)

// Model families whose capabilities are known. Ollama serves any model, so
// a model of no listed family gets the permissive defaults: the server
// itself answers 400 ("does not support tools/thinking"), which MapError
// turns into capability_unsupported.
var (
	noTools   = []string{"gemma2", "gemma3:", "gemma3n", "llava", "llama2", "phi3", "bakllava", "moondream", "codellama", "tinyllama", "deepseek-r1:1.5b"}
	thinkers  = []string{"qwen3", "deepseek-r1", "gpt-oss", "magistral", "qwq", "deepseek-v3.1", "phi4-reasoning", "cogito"}
	vision    = []string{"llava", "bakllava", "gemma3:4b", "gemma3:12b", "gemma3:27b", "llama3.2-vision", "llama4", "qwen2.5vl", "qwen3-vl", "minicpm-v", "moondream", "mistral-small3.1", "mistral-small3.2", "granite3.2-vision"}
	knownBase = []string{"llama3", "llama3.1", "llama3.2", "llama3.3", "mistral", "mixtral", "qwen2", "qwen2.5", "phi4", "command-r", "granite3"}
)

func hasPrefix(model string, list []string) bool {
	for _, p := range list {
		if strings.HasPrefix(model, p) {
			return true
		}
	}
	return false
}

// features returns what the adapter knows of model: the flags of its
// family (source "family"), or for a name of no listed family the
// permissive defaults projection serves (source "unknown"; Capabilities
// reports abi.PlainTextFeatures for it).
func features(model string) abi.Features {
	f := abi.Features{Streaming: true, ToolCalling: abi.SupportNative, ParallelToolCalls: true,
		StructuredOutput: abi.SupportNative, MultiTurn: true, Reasoning: true, Vision: true}
	if model == "" {
		return f
	}
	m := strings.ToLower(model)
	m = m[strings.LastIndexByte(m, '/')+1:] // namespace/model:tag
	known := hasPrefix(m, noTools) || hasPrefix(m, thinkers) || hasPrefix(m, vision) || hasPrefix(m, knownBase)
	if !known {
		f.Source = abi.SourceUnknown
		return f
	}
	f.Source = abi.SourceFamily
	if hasPrefix(m, noTools) {
		f.ToolCalling, f.ParallelToolCalls = abi.SupportNone, false
	}
	f.Reasoning = hasPrefix(m, thinkers)
	f.Vision = hasPrefix(m, vision)
	return f
}

// reported returns the flags Capabilities reports for model:
// abi.PlainTextFeatures for a model of no listed family, whose flags are
// assumptions, features(model) otherwise.
func reported(model string) abi.Features {
	if f := features(model); f.Source != abi.SourceUnknown {
		return f
	}
	return abi.PlainTextFeatures()
}

// details returns the limits the model card of a model of a listed family
// documents (openweights.Cards: the model's own context window, which a
// server runs with a smaller num_ctx unless told otherwise), with its
// effort levels on a reasoning model (think takes them) and the sampling
// fields projection sends; nil for any other
// model. Discovery (/api/show) replaces the context window with the one
// the server reports.
func details(model string) *abi.ModelDetails {
	f := features(model)
	if f.Source != abi.SourceFamily {
		return nil
	}
	c, ok := openweights.Find(model)
	if !ok {
		return nil
	}
	d := c.Details(f.Reasoning, opkit.Modalities(f.Vision, false, false)...)
	// The request's own sampling fields; top_k and seed go inside the
	// options provider option, which the host does not read.
	d.Sampling = []string{abi.SamplingTemperature, abi.SamplingTopP, abi.SamplingStop}
	return d
}
