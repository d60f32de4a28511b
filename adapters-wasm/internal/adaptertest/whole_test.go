package adaptertest_test

import (
	"path/filepath"
	"testing"

	"github.com/wasmadapt/wasmadapt/adapters-wasm/anthropic"
	azure "github.com/wasmadapt/wasmadapt/adapters-wasm/azure-openai"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/bedrock"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/deepseek"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/gemini"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/groq"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/adaptertest"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/mistral"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/ollama"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/openai"
	compatible "github.com/wasmadapt/wasmadapt/adapters-wasm/openai-compatible"
	responses "github.com/wasmadapt/wasmadapt/adapters-wasm/openai-responses"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/openrouter"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/xai"
	"github.com/wasmadapt/wasmadapt/guest"
)

// TestWholeMatchesStream checks, for every adapter, each pair of golden
// cases stream-NAME / whole-NAME in testdata/<adapter>/: ParseResponse of
// the whole body gives the events the stream gives (see
// adaptertest.WholeMatchesStream).
func TestWholeMatchesStream(t *testing.T) {
	adapters := []struct {
		name string
		a    guest.Adapter
	}{
		{"anthropic", anthropic.New()},
		{"azure-openai", azure.New()},
		{"bedrock", bedrock.New()},
		{"deepseek", deepseek.New()},
		{"gemini", gemini.New()},
		{"groq", groq.New()},
		{"mistral", mistral.New()},
		{"ollama", ollama.New()},
		{"openai", openai.New()},
		{"openai-compatible", compatible.New()},
		{"openai-responses", responses.New()},
		{"openrouter", openrouter.New()},
		{"xai", xai.New()},
	}
	pairs := 0
	for _, ad := range adapters {
		t.Run(ad.name, func(t *testing.T) {
			pairs += adaptertest.WholeMatchesStream(t, ad.a, filepath.Join("..", "..", "..", "testdata", ad.name))
		})
	}
	if pairs == 0 {
		t.Error("no stream-NAME / whole-NAME case pairs found")
	}
}

func TestMerge(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"runs of deltas merge", adaptertest.JoinLines(
			`{"type":"text-delta","text":"a"}`, `{"type":"text-delta","text":"b"}`,
			`{"type":"reasoning-delta","text":"r"}`, `{"type":"reasoning-delta","text":"s"}`,
			`{"type":"text-delta","text":"c"}`),
			adaptertest.JoinLines(`{"type":"text-delta","text":"ab"}`, `{"type":"reasoning-delta","text":"rs"}`, `{"type":"text-delta","text":"c"}`)},
		{"tool-call deltas merge per index only", adaptertest.JoinLines(
			`{"type":"tool-call-delta","index":0,"arguments":"{"}`, `{"type":"tool-call-delta","index":0,"arguments":"}"}`,
			`{"type":"tool-call-delta","index":1,"arguments":"{}"}`),
			adaptertest.JoinLines(`{"type":"tool-call-delta","index":0,"arguments":"{}"}`, `{"type":"tool-call-delta","index":1,"arguments":"{}"}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := adaptertest.Merge(t, []byte(tt.in)), adaptertest.Merge(t, []byte(tt.want)); got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}
