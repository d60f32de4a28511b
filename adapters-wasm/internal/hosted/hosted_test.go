package hosted_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/cerebras"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/dashscope"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/deepinfra"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/fireworks"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/huggingface"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/chatcompletions"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted/hostedtest"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/opkit"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/moonshot"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/nebius"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/nvidia"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/perplexity"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/sambanova"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/together"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/watsonx"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/zhipu"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

var spec = hosted.Spec{
	Name:              "p",
	BaseURL:           "https://p.example",
	StrictTools:       true,
	MaxTemperature:    1,
	NoEffort:          "remove it; the model decides how long it thinks",
	Options:           hosted.Pass("mode:string", "k:integer|string"),
	Refused:           hosted.Same("P lacks it", "seed"),
	RefusedValues:     map[string]map[string]string{"mode": {`"raw"`: "use parsed"}},
	ToolChoiceRefused: hosted.Same("auto only", "required"),
	Families: []hosted.Family{
		{Match: []string{"think"}, Reasoning: true, NoStrictTools: true, Defaults: map[string]string{"mode": `"parsed"`}},
		{Match: []string{"thin"}, Structured: hosted.JSONMode, Refused: hosted.Same("not on thin", "k")},
		{Match: []string{"fixed"}, Structured: hosted.BestEffortSchema,
			Unsupported: map[string]chatcompletions.Action{chatcompletions.FeatureTemperature: chatcompletions.Refuse}},
	},
	Default: hosted.Family{NoTools: true},
	Errors: append([]hosted.ErrorRule{
		{Status: 400, Code: "quota", To: abi.CodeRateLimited, Hint: "top up"},
		{Contains: "too long", To: abi.CodeContextLengthExceeded},
	}, hosted.CommonErrors...),
	Usage: hosted.TopLevelCached("cached_tokens"),
}

func TestFamilies(t *testing.T) {
	a := spec.New("1.0.0")
	d := chatcompletions.DefaultFeatures
	hostedtest.Features(t, a, map[string]abi.Features{
		"x-think-1": hostedtest.With(d, func(f *abi.Features) { f.Reasoning, f.Vision = true, false }),
		"x-thin-1":  hostedtest.With(d, func(f *abi.Features) { f.Vision, f.StructuredOutput = false, abi.SupportJSONMode }),
		"llama-x-1": hostedtest.With(d, func(f *abi.Features) { f.Vision, f.ToolCalling, f.ParallelToolCalls = false, abi.SupportNone, false }),
		"other":     abi.PlainTextFeatures(),
	})
}

// TestEffortField: a platform takes reasoning.effort as reasoning_effort
// unless its Spec names another field, or says with NoEffort that it takes
// none (then an effort on a reasoning model is refused).
func TestEffortField(t *testing.T) {
	req := `{"model":"think","reasoning":{"effort":"low"},"messages":[{"role":"user","content":"hi"}]}`
	think := []hosted.Family{{Match: []string{"think"}, Reasoning: true}}
	for _, tc := range []struct {
		name string
		spec hosted.Spec
		rule hostedtest.Rule
	}{
		{"default field", hosted.Spec{Name: "p", Families: think}, hostedtest.Rule{Has: []string{`"reasoning_effort":"low"`}}},
		{"own field", hosted.Spec{Name: "p", Families: think, ReasoningEffortField: "effort"},
			hostedtest.Rule{Has: []string{`"effort":"low"`}, Not: []string{"reasoning_effort"}}},
		{"no effort", hosted.Spec{Name: "p", Families: think, NoEffort: "remove it"}, hostedtest.Rule{Code: abi.CodeCapabilityUnsupported}},
	} {
		tc.rule.Name, tc.rule.Req = tc.name, req
		hostedtest.Rules(t, tc.spec.New("1.0.0"), []hostedtest.Rule{tc.rule})
	}
}

// TestReasoningFields: a platform's reasoning comes in reasoning_content
// unless its Spec names other fields, or none with an empty list.
func TestReasoningFields(t *testing.T) {
	chunks := []abi.Chunk{
		{Data: []byte(`{"id":"c","choices":[{"index":0,"delta":{"reasoning_content":"rc","reasoning":"r","content":"a"}}]}`)},
		{Data: []byte(`{"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`)},
		{Data: []byte("[DONE]")},
	}
	for _, tc := range []struct {
		name   string
		fields []string
		want   string // the reasoning-delta texts, in order
	}{
		{"default", nil, "rc"},
		{"own field", []string{"reasoning"}, "r"},
		{"none", []string{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := hosted.Spec{Name: "p", ReasoningFields: tc.fields}
			var got string
			for _, line := range guesttest.Lines(t, guesttest.Stable(t, s.New("1.0.0"), nil, chunks)) {
				var e abi.Event
				if err := json.Unmarshal([]byte(line), &e); err != nil {
					t.Fatal(err)
				}
				if e.Type == abi.EventReasoningDelta {
					got += e.Text
				}
			}
			if got != tc.want {
				t.Errorf("reasoning %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	msg := `"messages":[{"role":"user","content":"hi"}]`
	strictTool := `"tools":[{"name":"f","parameters":{"type":"object","properties":{}},"strict":true}]`
	hostedtest.Rules(t, spec.New("1.0.0"), []hostedtest.Rule{
		{Name: "default body field", Req: `{"model":"think",` + msg + `}`, Has: []string{`"mode":"parsed"`}},
		{Name: "request value wins over the default", Req: `{"model":"think",` + msg + `,"provider_options":{"mode":"hidden"}}`, Has: []string{`"mode":"hidden"`}, Not: []string{"parsed"}},
		{Name: "refused value", Req: `{"model":"think",` + msg + `,"provider_options":{"mode":"raw"}}`, Code: abi.CodeCapabilityUnsupported},
		{Name: "platform refusal", Req: `{"model":"think",` + msg + `,"provider_options":{"seed":1}}`, Code: abi.CodeCapabilityUnsupported},
		{Name: "family refusal", Req: `{"model":"thin",` + msg + `,"provider_options":{"k":1}}`, Code: abi.CodeCapabilityUnsupported},
		{Name: "strict tools where enforced", Req: `{"model":"thin",` + msg + `,` + strictTool + `}`, Has: []string{`"strict":true`}},
		{Name: "strict tools refused for the family", Req: `{"model":"think",` + msg + `,` + strictTool + `}`, Code: abi.CodeCapabilityUnsupported},
		{Name: "refused tool choice", Req: `{"model":"thin",` + msg + `,"tools":[{"name":"f"}],"tool_choice":"required"}`, Code: abi.CodeCapabilityUnsupported},
		{Name: "temperature bound", Req: `{"model":"thin","temperature":1.5,` + msg + `}`, Code: abi.CodeInvalidRequest},
		{Name: "fixed temperature refused, not out of range", Req: `{"model":"fixed","temperature":1.5,` + msg + `}`, Code: abi.CodeCapabilityUnsupported},
		{Name: "best-effort schema refuses strict", Req: `{"model":"fixed",` + msg + `,"response_format":{"type":"json_schema","schema":{"type":"object"},"strict":true}}`, Code: abi.CodeCapabilityUnsupported},
		{Name: "no effort field", Req: `{"model":"think","reasoning":{"effort":"low"},` + msg + `}`, Code: abi.CodeCapabilityUnsupported},
	})
}

func TestErrors(t *testing.T) {
	guesttest.MapErrors(t, spec.New("1.0.0"), []guesttest.ErrorCase{
		{Status: 400, Body: `{"error":{"message":"no money","code":"quota"}}`, Code: abi.CodeRateLimited, Msg: "no money (code quota): top up"},
		{Status: 400, Body: `{"error":{"message":"Prompt too long"}}`, Code: abi.CodeContextLengthExceeded, Msg: "Prompt too long: fix the request"},
		{Status: 402, Body: `{"error":{"message":"pay"}}`, Code: abi.CodeRateLimited, Msg: "retrying will not help"},
		{Status: 401, Body: `{"detail":"bad key"}`, Code: abi.CodeAuthentication, Msg: "p HTTP 401: bad key: check the API key"},
		{Status: 401, Body: `{"detail":{"error":"no key"}}`, Code: abi.CodeAuthentication, Msg: "p HTTP 401: no key: check"},
		{Status: 422, Body: `{"status":422,"title":"Unprocessable","detail":"max_tokens"}`, Code: abi.CodeInvalidRequest, Msg: "max_tokens (Unprocessable): fix the request"},
		{Status: 401, Body: `{"errors":[{"code":"authentication_token_expired","message":"expired"}],"trace":"t","status_code":401}`, Code: abi.CodeAuthentication, Msg: "p HTTP 401: expired (code authentication_token_expired): check"},
		{Status: 429, Body: `{"title":"Too Many Requests"}`, Code: abi.CodeRateLimited, Retryable: true, Msg: "p HTTP 429: Too Many Requests: retry"},
		{Status: 500, Body: `not json`, Code: abi.CodeServerError, Retryable: true, Msg: "not a provider error object"},
	})
}

func TestTopLevelCached(t *testing.T) {
	hostedtest.Usages(t, hosted.TopLevelCached("cached_tokens"), map[string]hostedtest.UsageCase{
		"top-level cached_tokens": {In: `{"prompt_tokens":10,"completion_tokens":2,"cached_tokens":6}`, Want: abi.Usage{InputTokens: 10, OutputTokens: 2, CachedInputTokens: 6}},
	})
}

// adapters are every module built on a hosted.Spec.
var adapters = []guest.Adapter{
	cerebras.New(), dashscope.New(), deepinfra.New(), fireworks.New(), huggingface.New(), moonshot.New(),
	nebius.New(), nvidia.New(), perplexity.New(), sambanova.New(), together.New(), watsonx.New(), zhipu.New(),
}

// FuzzHosted feeds arbitrary provider bytes through every hosted module's
// Transform, ParseResponse and MapError (see guesttest.CheckAdapter):
// one target for all of them, as they share the transform and differ only
// in their hooks.
func FuzzHosted(f *testing.F) {
	f.Add([]byte(`{"id":"a","model":"m","choices":[{"index":0,"delta":{"reasoning":"r","reasoning_content":"s"},"finish_reason":"stop","usage":{"prompt_tokens":3,"cached_tokens":1}}]}`), []byte("[DONE]"))
	f.Add([]byte(`{"id":"a","model":"m","choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"eos"}],"usage":{"prompt_tokens":1},"citations":["u"]}`), []byte(`{"detail":{"error":"x"}}`))
	f.Add([]byte(`{"type":"about:blank","status":422,"title":"T","detail":"d"}`), []byte(`{"error":{"code":"1113","message":"m"}}`))
	f.Fuzz(func(t *testing.T, x, y []byte) {
		for _, a := range adapters {
			guesttest.CheckAdapter(t, a, guesttest.Input{
				Chunks:   []abi.Chunk{{Data: x}, {Data: y}},
				Body:     x,
				Statuses: []uint32{400, 401, 402, 412, 429, 503},
			})
		}
	})
}

// features are the capabilities each hosted module reports per model:
// r reasoning, v vision, j JSON mode only, n no structured output, t no
// tools; anything else is as chatcompletions.DefaultFeatures.
var features = map[string]map[string]string{
	"cerebras": {
		"llama-3.3-70b":                  "",
		"llama-4-scout-17b-16e-instruct": "",
		"gpt-oss-120b":                   "r",
		"qwen-3-32b":                     "r",
		"qwen-3-235b-a22b-instruct-2507": "",
		"zai-glm-4.7":                    "r",
	},
	"dashscope": {
		"qwen-plus":                     "jr",
		"qwen3-32b":                     "jr",
		"qwen3-235b-a22b-instruct-2507": "j",
		"qwen-vl-max":                   "jv",
		"qwq-plus":                      "nr",
	},
	"deepinfra": {
		"meta-llama/Llama-3.3-70B-Instruct-Turbo":   "",
		"meta-llama/Llama-4-Scout-17B-16E-Instruct": "v",
		"google/gemma-3-27b-it":                     "v",
		"google/gemma-3-1b-it":                      "",
		"deepseek-ai/DeepSeek-R1-0528":              "jr",
		"Qwen/Qwen3-235B-A22B-Thinking-2507":        "r",
		"Qwen/Qwen3-235B-A22B-Instruct-2507":        "",
		"Sao10K/L3.3-70B-Euryale-v2.3":              "j",
	},
	"fireworks": {
		"accounts/fireworks/models/llama-v3p3-70b-instruct":        "",
		"accounts/fireworks/models/llama4-maverick-instruct-basic": "v",
		"accounts/fireworks/models/deepseek-r1-0528":               "r",
		"accounts/fireworks/models/qwen3-235b-a22b-thinking-2507":  "r",
		"accounts/fireworks/models/gpt-oss-120b":                   "r",
		"accounts/fireworks/models/qwen2p5-vl-32b-instruct":        "v",
	},
	"huggingface": {
		"meta-llama/Llama-3.3-70B-Instruct:groq": "",
		"Qwen/Qwen2.5-VL-7B-Instruct":            "v",
		"deepseek-ai/DeepSeek-R1:fastest":        "r",
	},
	"moonshot": {
		"moonshot-v1-8k":                "j",
		"moonshot-v1-8k-vision-preview": "jv",
		"kimi-k2-0905-preview":          "j",
		"kimi-k2-thinking":              "jr",
		"kimi-k2.6":                     "jrv",
	},
	"nebius": {
		"meta-llama/Llama-3.3-70B-Instruct":  "",
		"Qwen/Qwen3-235B-A22B-Instruct-2507": "",
		"Qwen/Qwen3-235B-A22B":               "r",
		"Qwen/Qwen2.5-VL-72B-Instruct":       "v",
	},
	"nvidia": {
		"meta/llama-3.3-70b-instruct":             "j",
		"meta/llama-3.2-90b-vision-instruct":      "jv",
		"deepseek-ai/deepseek-r1":                 "jr",
		"nvidia/llama-3.1-nemotron-ultra-253b-v1": "j",
	},
	"perplexity": {
		"sonar":     "tv",
		"sonar-pro": "tv",
	},
	"sambanova": {
		"Meta-Llama-3.3-70B-Instruct":        "",
		"Llama-4-Maverick-17B-128E-Instruct": "v",
		"DeepSeek-R1-0528":                   "r",
		"gpt-oss-120b":                       "r",
	},
	"together": {
		"meta-llama/Llama-3.3-70B-Instruct-Turbo":           "",
		"meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8": "v",
		"deepseek-ai/DeepSeek-R1":                           "r",
		"openai/gpt-oss-20b":                                "r",
		"Gryphe/MythoMax-L2-13b":                            "jt",
	},
	"watsonx": {
		"meta-llama/llama-3-3-70b-instruct":                 "j",
		"meta-llama/llama-4-maverick-17b-128e-instruct-fp8": "jv",
		"openai/gpt-oss-120b":                               "jr",
	},
	"zhipu": {
		"glm-4.6":     "jr",
		"glm-4.5-air": "jr",
		"glm-4.5v":    "jrv",
		"glm-4-plus":  "j",
	},
}

// TestModuleFeatures checks each hosted module's capabilities against
// features.
func TestModuleFeatures(t *testing.T) {
	for _, a := range adapters {
		name := a.Capabilities("").Name
		want := map[string]abi.Features{}
		for model, code := range features[name] {
			f := chatcompletions.DefaultFeatures
			f.Vision = false
			for _, c := range code {
				switch c {
				case 'r':
					f.Reasoning = true
				case 'v':
					f.Vision = true
				case 'j':
					f.StructuredOutput = abi.SupportJSONMode
				case 'n':
					f.StructuredOutput = abi.SupportNone
				case 't':
					f.ToolCalling, f.ParallelToolCalls = abi.SupportNone, false
				}
			}
			want[model] = f
		}
		if len(want) == 0 {
			t.Errorf("%s: no feature rows", name)
		}
		t.Run(name, func(t *testing.T) { hostedtest.Features(t, a, want) })
	}
}

// details is the want of guesttest.Details: a model with context window
// ctx, out most output tokens, input modalities mods and the sampling
// parameters sampling.
func details(ctx, out int, mods []string, sampling ...string) *abi.ModelDetails {
	return guesttest.Sampled(guesttest.Limits(ctx, out, mods...), sampling...)
}

// The sampling parameters every platform passes, and with top_k, seed or
// both provider options.
var (
	tps       = []string{abi.SamplingTemperature, abi.SamplingTopP, abi.SamplingStop}
	tpsK      = append(slices.Clone(tps), abi.SamplingTopK)
	tpsSeed   = append(slices.Clone(tps), abi.SamplingSeed)
	tpsKSeed  = append(slices.Clone(tpsK), abi.SamplingSeed)
	textOnly  = []string{abi.ModalityText}
	textImage = []string{abi.ModalityText, abi.ModalityImage}
)

func TestLimits(t *testing.T) {
	s := &hosted.Spec{Name: "p",
		Options:  hosted.Pass("top_k:integer", "seed:integer"),
		Refused:  hosted.Same("P lacks it", "seed"),
		Families: []hosted.Family{{Match: []string{"vis"}, Vision: true, Unsupported: map[string]chatcompletions.Action{chatcompletions.FeatureStop: chatcompletions.Refuse}}},
		Limits:   []opkit.Limit{{Prefix: "org/vis-model", Context: 1000, Out: 100}, {Prefix: "llama-x", Context: 2000}}}
	// top_k passes, seed is refused; the vision family refuses stop.
	vision := details(1000, 100, textImage, abi.SamplingTemperature, abi.SamplingTopP, abi.SamplingTopK)
	for model, want := range map[string]*abi.ModelDetails{
		"org/vis-model": vision, "Org/Vis-Model-2025": vision,
		"llama-x": details(2000, 0, textOnly, tpsK...), "llama-y": nil, "": nil,
	} {
		guesttest.Details(t, s.New("1.0.0"), model, want)
	}
}

// TestModuleDetails checks the platforms' limit tables: the documented
// numbers reach Capabilities, a more specific line wins over a shorter
// prefix, and a model of no line reports none; the sampling parameters
// are those the platform passes for the model's family.
func TestModuleDetails(t *testing.T) {
	gptOSS := func(sampling ...string) *abi.ModelDetails {
		d := details(131072, 131072, textOnly, sampling...)
		d.Reasoning = &abi.ReasoningControls{Efforts: []string{"low", "medium", "high"}}
		return d
	}
	for _, tc := range []struct {
		a     guest.Adapter
		model string
		want  *abi.ModelDetails
	}{
		{perplexity.New(), "sonar", details(131072, 0, textImage, tpsK...)},
		{perplexity.New(), "sonar-pro", details(204800, 0, textImage, tpsK...)},
		{perplexity.New(), "sonar-reasoning-pro", details(131072, 0, textImage, tpsK...)},
		{perplexity.New(), "r1-1776", nil},
		{zhipu.New(), "glm-4.6", details(204800, 131072, textOnly, tps...)},
		{zhipu.New(), "glm-4.5-air", details(131072, 98304, textOnly, tps...)},
		{zhipu.New(), "glm-4.5v", nil},
		{moonshot.New(), "moonshot-v1-8k", details(8192, 0, textOnly, tps...)},
		{moonshot.New(), "moonshot-v1-128k-vision-preview", details(131072, 0, textImage, tps...)},
		{moonshot.New(), "kimi-k2-0711-preview", details(131072, 0, textOnly, tps...)},
		{moonshot.New(), "kimi-k2-0905-preview", details(262144, 0, textOnly, tps...)},
		{moonshot.New(), "kimi-k2-thinking", details(262144, 0, textOnly, tps...)},
		{moonshot.New(), "kimi-k2.6", nil},
		// The platforms serving open-weight models report their model
		// cards' limits; effort levels where the platform takes the model's
		// reasoning.effort.
		{together.New(), "meta-llama/Llama-3.3-70B-Instruct-Turbo", details(131072, 0, textOnly, tpsKSeed...)},
		{together.New(), "openai/gpt-oss-120b", gptOSS(tpsKSeed...)},
		{together.New(), "deepseek-ai/DeepSeek-R1", details(131072, 0, textOnly, tpsKSeed...)},
		{together.New(), "meta-llama/Llama-Guard-4-12B", nil},
		{fireworks.New(), "accounts/fireworks/models/llama4-maverick-instruct-basic", details(1<<20, 0, textImage, tpsKSeed...)},
		{fireworks.New(), "accounts/fireworks/models/qwen3-235b-a22b-instruct-2507", details(262144, 0, textOnly, tpsKSeed...)},
		{cerebras.New(), "gpt-oss-120b", gptOSS(tpsSeed...)},
		{cerebras.New(), "qwen-3-32b", details(131072, 0, textOnly, tpsSeed...)},
		{deepinfra.New(), "google/gemma-3-27b-it", details(131072, 8192, textImage, tpsKSeed...)},
		// Gemma 3 1B reads text only, though the family matches gemma-3.
		{deepinfra.New(), "google/gemma-3-1b-it", details(32768, 8192, textOnly, tpsKSeed...)},
		{together.New(), "google/gemma-3-1b-it", details(32768, 8192, textOnly, tpsKSeed...)},
		{sambanova.New(), "Meta-Llama-3.3-70B-Instruct", details(131072, 0, textOnly, tpsK...)},
		{nebius.New(), "moonshotai/Kimi-K2-Instruct", details(131072, 0, textOnly, tpsKSeed...)},
		{nvidia.New(), "meta/llama-4-scout-17b-16e-instruct", details(10<<20, 0, textImage, tpsKSeed...)},
		{nvidia.New(), "nvidia/llama-3.1-nemoguard-8b-content-safety", nil},
		{huggingface.New(), "zai-org/GLM-4.6", details(204800, 0, textOnly, tpsSeed...)},
		{watsonx.New(), "ibm/granite-3-3-8b-instruct", details(131072, 0, textOnly, tpsSeed...)},
		{watsonx.New(), "openai/gpt-oss-120b", gptOSS(tpsSeed...)},
		{dashscope.New(), "qwen3-235b-a22b", details(131072, 0, textOnly, tpsKSeed...)},
		{dashscope.New(), "qwen-plus", nil},
	} {
		guesttest.Details(t, tc.a, tc.model, tc.want)
	}
}
