package sandboxtest

import (
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/anthropic"
	azureopenai "github.com/wasmadapt/wasmadapt/adapters-wasm/azure-openai"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/bedrock"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/cerebras"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/cohere"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/dashscope"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/deepinfra"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/deepseek"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/fireworks"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/gemini"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/groq"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/huggingface"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/mistral"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/moonshot"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/nebius"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/nvidia"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/ollama"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/openai"
	openaicompatible "github.com/wasmadapt/wasmadapt/adapters-wasm/openai-compatible"
	openairesponses "github.com/wasmadapt/wasmadapt/adapters-wasm/openai-responses"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/openrouter"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/perplexity"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/sambanova"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/together"
	vertexanthropic "github.com/wasmadapt/wasmadapt/adapters-wasm/vertex-anthropic"
	vertexgemini "github.com/wasmadapt/wasmadapt/adapters-wasm/vertex-gemini"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/watsonx"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/xai"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/zhipu"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/host/cases"
)

// adapters maps each adapter's name (its adapters-wasm and testdata
// directory) to its native constructor. TestAdapterListComplete keeps it
// in step with adapters-wasm/.
var adapters = map[string]func() guest.Adapter{
	"anthropic":         func() guest.Adapter { return anthropic.New() },
	"azure-openai":      func() guest.Adapter { return azureopenai.New() },
	"bedrock":           func() guest.Adapter { return bedrock.New() },
	"deepseek":          func() guest.Adapter { return deepseek.New() },
	"gemini":            func() guest.Adapter { return gemini.New() },
	"groq":              func() guest.Adapter { return groq.New() },
	"mistral":           func() guest.Adapter { return mistral.New() },
	"ollama":            func() guest.Adapter { return ollama.New() },
	"openai":            func() guest.Adapter { return openai.New() },
	"openai-compatible": func() guest.Adapter { return openaicompatible.New() },
	"openai-responses":  func() guest.Adapter { return openairesponses.New() },
	"openrouter":        func() guest.Adapter { return openrouter.New() },
	"xai":               func() guest.Adapter { return xai.New() },
	"cerebras":          func() guest.Adapter { return cerebras.New() },
	"cohere":            func() guest.Adapter { return cohere.New() },
	"dashscope":         func() guest.Adapter { return dashscope.New() },
	"deepinfra":         func() guest.Adapter { return deepinfra.New() },
	"fireworks":         func() guest.Adapter { return fireworks.New() },
	"huggingface":       func() guest.Adapter { return huggingface.New() },
	"moonshot":          func() guest.Adapter { return moonshot.New() },
	"nebius":            func() guest.Adapter { return nebius.New() },
	"nvidia":            func() guest.Adapter { return nvidia.New() },
	"perplexity":        func() guest.Adapter { return perplexity.New() },
	"sambanova":         func() guest.Adapter { return sambanova.New() },
	"together":          func() guest.Adapter { return together.New() },
	"vertex-anthropic":  func() guest.Adapter { return vertexanthropic.New() },
	"vertex-gemini":     func() guest.Adapter { return vertexgemini.New() },
	"watsonx":           func() guest.Adapter { return watsonx.New() },
	"zhipu":             func() guest.Adapter { return zhipu.New() },
}

func adapterNames() []string {
	names := make([]string, 0, len(adapters))
	for n := range adapters {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// TestAdapterListComplete: every adapter module in adapters-wasm/ is in
// the adapters table, so that the fuzz targets and the determinism test
// cover it.
func TestAdapterListComplete(t *testing.T) {
	mains, err := filepath.Glob(filepath.Join(repoRoot, "adapters-wasm", "*", "module", "main.go"))
	if err != nil || len(mains) == 0 {
		t.Fatalf("no adapter modules found: %v", err)
	}
	for _, m := range mains {
		name := filepath.Base(filepath.Dir(filepath.Dir(m)))
		if adapters[name] == nil {
			t.Errorf("adapter %s is missing from internal/sandboxtest's adapters table", name)
		}
	}
}

// adapterCase is one recorded stream of an adapter's testdata.
type adapterCase struct {
	adapter string
	c       *cases.Case
	framing string
	sctx    []byte // the stream context
}

// streamCases returns the testdata cases of every adapter that hold a
// streamed 2xx body (the ones whose events depend on chunking).
func streamCases(t testing.TB) []adapterCase {
	t.Helper()
	var out []adapterCase
	for _, name := range adapterNames() {
		dir := filepath.Join(repoRoot, "testdata", name)
		if _, err := os.Stat(dir); err != nil {
			continue
		}
		cs, err := cases.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			if c.Body == nil || c.Meta.Status >= 400 {
				continue
			}
			fr := c.Meta.Framing
			if fr == "" && c.Projection != nil {
				var pr abi.ProviderRequest
				if json.Unmarshal(c.Projection, &pr) == nil {
					fr = pr.StreamFraming
				}
			}
			if fr == "" {
				fr = abi.FramingSSE
			}
			if fr == abi.FramingNone {
				continue
			}
			ac := adapterCase{adapter: name, c: c, framing: fr}
			if c.Request != nil {
				var req abi.Request
				if err := json.Unmarshal(c.Request, &req); err != nil {
					t.Fatalf("%s/%s: request.json: %v", name, c.Name, err)
				}
				sc := req.Context()
				ac.sctx, _ = json.Marshal(&sc)
			}
			out = append(out, ac)
		}
	}
	return out
}

// nativeModule returns the adapter's native build behind the engine's
// Module (pool, result decoding and the real event validator).
func nativeModule(name string) engine.Module {
	return engine.NewNativeWithConfig(name, adapters[name](), engine.NativeConfig{PoolSize: 1, Logger: slog.New(slog.DiscardHandler),
		// Fuzzing must see every input's own outcome, not a suspension
		// left by an earlier one.
		Crashes: engine.CrashPolicy{Limit: -1}})
}
