package openweights

import (
	"slices"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

// TestFind reads each platform's spelling of the same model lines.
func TestFind(t *testing.T) {
	for _, tc := range []struct {
		model        string
		context, out int
	}{
		// Llama 3.3 70B as Together, Fireworks, Cerebras, SambaNova, NVIDIA,
		// watsonx, Groq and Ollama name it.
		{"meta-llama/Llama-3.3-70B-Instruct-Turbo", 131072, 0},
		{"accounts/fireworks/models/llama-v3p3-70b-instruct", 131072, 0},
		{"llama-3.3-70b", 131072, 0},
		{"Meta-Llama-3.3-70B-Instruct", 131072, 0},
		{"meta/llama-3.3-70b-instruct", 131072, 0},
		{"meta-llama/llama-3-3-70b-instruct", 131072, 0},
		{"llama-3.3-70b-versatile", 131072, 0},
		{"llama3.3:70b", 131072, 0},
		{"llama3.1", 131072, 0},
		{"llama3.1-8b", 131072, 0},
		{"meta-llama/Meta-Llama-3-8B-Instruct", 8192, 0},
		{"meta-llama/llama-4-scout-17b-16e-instruct", 10 << 20, 0},
		{"accounts/fireworks/models/llama4-maverick-instruct-basic", 1 << 20, 0},
		{"meta-llama/llama-4-maverick-17b-128e-instruct-fp8", 1 << 20, 0},
		{"openai/gpt-oss-120b", 131072, 131072},
		{"gpt-oss:20b", 131072, 131072},
		{"google/gemma-3-27b-it", 131072, 8192},
		{"gemma3:4b", 131072, 8192},
		{"gemma-3-1b-it", 32768, 8192},
		{"gemma2-9b-it", 8192, 0},
		{"Qwen/Qwen3-235B-A22B-Instruct-2507-tput", 262144, 0},
		{"qwen-3-235b-a22b-instruct-2507", 262144, 0},
		{"qwen-3-235b-a22b-thinking-2507", 262144, 0},
		{"accounts/fireworks/models/qwen3-coder-480b-a35b-instruct", 262144, 0},
		{"qwen-3-coder-480b", 262144, 0},
		{"openai/gpt-oss-120b:cerebras", 131072, 131072},
		{"meta-llama/Llama-3.3-70B-Instruct:together", 131072, 0},
		{"qwen/qwen3-32b", 131072, 0},
		{"qwen-3-32b", 131072, 0},
		{"Qwen/Qwen3-235B-A22B-fp8-tput", 131072, 0},
		{"qwen3:0.6b", 32768, 0},
		{"Qwen/QwQ-32B", 131072, 0},
		{"accounts/fireworks/models/qwen2p5-72b-instruct", 131072, 8192},
		{"deepseek-ai/DeepSeek-R1-0528", 131072, 0},
		{"accounts/fireworks/models/deepseek-v3p1", 131072, 0},
		{"deepseek-ai/DeepSeek-V3.2-Exp", 131072, 0},
		{"deepseek-r1:8b", 131072, 0},
		{"moonshotai/Kimi-K2-Instruct-0905", 262144, 0},
		{"moonshotai/kimi-k2-instruct", 131072, 0},
		{"moonshotai/Kimi-K2-Thinking", 262144, 0},
		{"zai-org/GLM-4.6", 204800, 0},
		{"accounts/fireworks/models/glm-4p5-air", 131072, 0},
		{"mistralai/Mistral-Small-3.2-24B-Instruct-2506", 131072, 0},
		{"mistralai/mixtral-8x22b-instruct-v0.1", 65536, 0},
		{"ibm/granite-3-3-8b-instruct", 131072, 0},
		{"granite3.3:8b", 131072, 0},
		{"nvidia/llama-3.3-nemotron-super-49b-v1.5", 131072, 0},
	} {
		c, ok := Find(tc.model)
		if !ok || c.Context != tc.context || c.Out != tc.out {
			t.Errorf("Find(%q) = %d/%d, %v; want %d/%d", tc.model, c.Context, c.Out, ok, tc.context, tc.out)
		}
	}
}

// TestFindNone: models whose cards are not in the table, or whose limits
// are not reported (classifiers), and names that only resemble a line.
func TestFindNone(t *testing.T) {
	for _, m := range []string{"", "meta-llama/Llama-Guard-4-12B", "meta-llama/llama-prompt-guard-2-86m",
		"nvidia/llama-3.1-nemoguard-8b-content-safety", "ibm/granite-guardian-3-2-5b", "google/shieldgemma-2b",
		"qwen3-max", "qwen3.5-plus", "qwen-plus", "gemma3n:e4b", "glm-4.5v", "gpt-oss-safeguard-20b", "granite3.2-vision:2b",
		"meta-llama/llama-3-405b-instruct", "no-such-model-1", "qwen3-32b2"} {
		if c, ok := Find(m); ok {
			t.Errorf("Find(%q) = %+v, true; want false", m, c)
		}
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"accounts/fireworks/models/llama-v3p3-70b-instruct": "accounts/fireworks/models/llama-3.3-70b-instruct-",
		"meta-llama/llama-3-3-70b-instruct":                 "meta-llama/llama-3.3-70b-instruct-",
		"llama3.2:3b":                                       "llama-3.2-3b-",
		"qwen-3-32b":                                        "qwen3-32b-",
		"Gemma3:27B":                                        "gemma-3-27b-",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCards keeps the table well-formed: every substring lower case and
// ending in "-" (so "qwen3-32b-" never matches "qwen3-32b2"), none
// repeated, and effort levels only with reasoning models' numbers.
func TestCards(t *testing.T) {
	seen := map[string]bool{}
	for i, c := range Cards {
		for _, s := range c.Match {
			if s != strings.ToLower(s) {
				t.Errorf("card %d: %q is not lower case", i, s)
			}
			if i > 0 && !strings.HasSuffix(s, "-") {
				t.Errorf("card %d: %q does not end in -", i, s)
			}
			if seen[s] {
				t.Errorf("card %d: %q is listed twice", i, s)
			}
			seen[s] = true
		}
		if len(c.Efforts) > 0 && c.Context == 0 {
			t.Errorf("card %d has efforts but no limits", i)
		}
	}
}

func TestDetails(t *testing.T) {
	c, _ := Find("gpt-oss-120b")
	for _, tc := range []struct {
		effort bool
		mods   []string
		want   *abi.ReasoningControls
	}{
		{true, nil, &abi.ReasoningControls{Efforts: []string{"low", "medium", "high"}}},
		{false, []string{abi.ModalityText, abi.ModalityImage}, nil},
	} {
		d := c.Details(tc.effort, tc.mods...)
		if d.ContextWindow != 131072 || d.MaxOutputTokens != 131072 {
			t.Errorf("Details(%v) limits = %d/%d", tc.effort, d.ContextWindow, d.MaxOutputTokens)
		}
		if (d.Reasoning == nil) != (tc.want == nil) || (d.Reasoning != nil && !slices.Equal(d.Reasoning.Efforts, tc.want.Efforts)) {
			t.Errorf("Details(%v).Reasoning = %+v, want %+v", tc.effort, d.Reasoning, tc.want)
		}
		if want := tc.mods; want != nil && !slices.Equal(d.InputModalities, want) {
			t.Errorf("Details(%v).InputModalities = %v, want %v", tc.effort, d.InputModalities, want)
		}
	}
	d := c.Details(true)
	d.Reasoning.Efforts[0] = "changed"
	if Cards[1].Efforts[0] == "changed" {
		t.Error("Details shares the card's efforts")
	}
}

// FuzzFind: any model name is read without panicking, normalizes to a
// name ending in "-", and finds only cards with numbers.
func FuzzFind(f *testing.F) {
	for _, s := range []string{"accounts/fireworks/models/llama-v3p3-70b-instruct", "llama3.3:70b", "meta-llama/llama-3-3-70b-instruct", "-1-2-", "p1p2", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, model string) {
		n := Normalize(model)
		if !strings.HasSuffix(n, "-") {
			t.Errorf("Normalize(%q) = %q", model, n)
		}
		if c, ok := Find(model); ok && c.Context == 0 && c.Out == 0 {
			t.Errorf("Find(%q) found a card without numbers", model)
		}
	})
}
