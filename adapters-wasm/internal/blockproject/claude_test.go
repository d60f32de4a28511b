package blockproject

import (
	"errors"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

func TestThinkingFor(t *testing.T) {
	n := func(v int) *int { return &v }
	tests := []struct {
		name                   string
		r                      abi.Reasoning
		adaptive, adaptiveOnly bool
		budget                 int
		effort                 string
		code                   abi.Code
		pointer                string
	}{
		{"explicit budget", abi.Reasoning{BudgetTokens: n(4000)}, false, false, 4000, "", "", ""},
		{"budget on adaptive model", abi.Reasoning{BudgetTokens: n(4000)}, true, false, 4000, "", "", ""},
		{"budget too small", abi.Reasoning{BudgetTokens: n(1000)}, false, false, 0, "", abi.CodeInvalidRequest, "/reasoning/budget_tokens"},
		{"budget on adaptive-only model", abi.Reasoning{BudgetTokens: n(4000)}, false, true, 0, "", abi.CodeCapabilityUnsupported, "/reasoning/budget_tokens"},
		{"effort to budget", abi.Reasoning{Effort: "medium"}, false, false, 8192, "", "", ""},
		{"minimal effort to budget", abi.Reasoning{Effort: "minimal"}, false, false, MinThinkingBudget, "", "", ""},
		{"max effort without adaptive", abi.Reasoning{Effort: "max"}, false, false, 0, "", abi.CodeInvalidRequest, "/reasoning/effort"},
		{"adaptive effort", abi.Reasoning{Effort: "max"}, true, false, 0, "max", "", ""},
		{"adaptive minimal is low", abi.Reasoning{Effort: "minimal"}, false, true, 0, "low", "", ""},
		{"adaptive unknown effort", abi.Reasoning{Effort: "extreme"}, true, false, 0, "", abi.CodeInvalidRequest, "/reasoning/effort"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			budget, effort, err := ThinkingFor(&tt.r, "m", tt.adaptive, tt.adaptiveOnly, "Test")
			if tt.code != "" {
				if e, ok := err.(*abi.Error); !ok || e.Code != tt.code || e.Pointer != tt.pointer {
					t.Fatalf("err = %v, want %s at %s", err, tt.code, tt.pointer)
				}
				return
			}
			if err != nil || budget != tt.budget || effort != tt.effort {
				t.Errorf("got %d %q %v, want %d %q", budget, effort, err, tt.budget, tt.effort)
			}
		})
	}
}

func TestFitBudget(t *testing.T) {
	tests := []struct {
		budget, max int
		explicit    bool
		want        int
		bad         bool
	}{
		{2048, 4096, true, 2048, false},
		{8192, 4096, false, 4095, false},
		{8192, 4096, true, 0, true},
		{2048, 1024, false, 0, true},
	}
	for _, tt := range tests {
		got, err := FitBudget(tt.budget, tt.max, tt.explicit, "max_tokens")
		if (err != nil) != tt.bad || got != tt.want {
			t.Errorf("FitBudget(%d, %d, %v) = %d, %v", tt.budget, tt.max, tt.explicit, got, err)
		}
	}
}

func TestCheckSampling(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	s := Sampling{API: "Test", Thinking: "thinking"}
	tests := []struct {
		name     string
		req      abi.Request
		thinking bool
		pointer  string
	}{
		{"defaults", abi.Request{}, true, ""},
		{"in range", abi.Request{Temperature: f(0.5), TopP: f(0.9)}, false, ""},
		{"temperature range", abi.Request{Temperature: f(1.5)}, false, "/temperature"},
		{"temperature with thinking", abi.Request{Temperature: f(0.5)}, true, "/temperature"},
		{"temperature 1 with thinking", abi.Request{Temperature: f(1)}, true, ""},
		{"top_p range", abi.Request{TopP: f(-0.1)}, false, "/top_p"},
		{"low top_p with thinking", abi.Request{TopP: f(0.9)}, true, "/top_p"},
		{"high top_p with thinking", abi.Request{TopP: f(0.95)}, true, ""},
	}
	for _, tt := range tests {
		err := s.CheckSampling(&tt.req, tt.thinking)
		if tt.pointer == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		if e, ok := err.(*abi.Error); !ok || e.Pointer != tt.pointer {
			t.Errorf("%s: err = %v, want one at %s", tt.name, err, tt.pointer)
		}
	}
}

// TestThinkingControls: the controls match what ThinkingFor accepts: an
// effort ThinkingFor takes is listed, a budget is bounded by the model's
// output maximum, and adaptive-only models take no budget.
func TestThinkingControls(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		adaptive, adaptiveOnly bool
		budget                 bool
		maxEffort              bool
	}{
		{"budget", false, false, true, false},
		{"adaptive", true, false, true, true},
		{"adaptive only", false, true, false, true},
	} {
		c := ThinkingControls(tc.adaptive, tc.adaptiveOnly, 64000)
		if c.Budget != tc.budget || c.Adaptive != (tc.adaptive || tc.adaptiveOnly) {
			t.Errorf("%s: %+v", tc.name, c)
		}
		if tc.budget && (c.BudgetMin != MinThinkingBudget || c.BudgetMax != 63999) {
			t.Errorf("%s: budget range %d-%d", tc.name, c.BudgetMin, c.BudgetMax)
		}
		for _, e := range c.Efforts {
			if e == "none" {
				continue // no thinking at all: ThinkingFor is not asked
			}
			if _, _, err := ThinkingFor(&abi.Reasoning{Effort: e}, "m", tc.adaptive, tc.adaptiveOnly, "Anthropic"); err != nil {
				t.Errorf("%s: listed effort %q is refused: %v", tc.name, e, err)
			}
		}
		hasMax := false
		for _, e := range c.Efforts {
			hasMax = hasMax || e == "max"
		}
		if hasMax != tc.maxEffort {
			t.Errorf("%s: max effort listed %v, want %v", tc.name, hasMax, tc.maxEffort)
		}
	}
}

func TestResolveThinkingMaxTokens(t *testing.T) {
	budget, zero, many := 3000, 0, 2000
	refused := errors.New("refused")
	tests := []struct {
		name      string
		req       abi.Request
		refuse    error
		def       int
		on        bool
		budget    int    // after MaxTokens
		effort    string // adaptive
		maxTokens int
		pointer   string // of the error, "" for none
	}{
		{"no reasoning", abi.Request{}, refused, 500, false, 0, "", 500, ""},
		{"effort none", abi.Request{Reasoning: &abi.Reasoning{Effort: "none"}}, refused, 500, false, 0, "", 500, ""},
		{"refused model", abi.Request{Reasoning: &abi.Reasoning{Effort: "low"}}, refused, 500, true, 0, "", 0, "refused"},
		{"effort budget shrinks", abi.Request{Reasoning: &abi.Reasoning{Effort: "medium"}}, nil, 4000, true, 3999, "", 4000, ""},
		{"explicit budget above max tokens", abi.Request{Reasoning: &abi.Reasoning{BudgetTokens: &budget}, MaxOutputTokens: &many}, nil, 0, true, 0, "", 0, "/reasoning/budget_tokens"},
		{"max_output_tokens below 1", abi.Request{MaxOutputTokens: &zero}, nil, 500, false, 0, "", 0, "/max_output_tokens"},
	}
	for _, tt := range tests {
		th, err := ResolveThinking(&tt.req, false, false, "Test", func() error { return tt.refuse })
		n := 0
		if err == nil {
			n, err = th.MaxTokens(&tt.req, tt.def, "max_tokens")
		}
		got := ""
		var e *abi.Error
		switch {
		case errors.Is(err, refused):
			got = "refused"
		case errors.As(err, &e):
			got = e.Pointer
		}
		if got != tt.pointer {
			t.Errorf("%s: error %v, want one at %q", tt.name, err, tt.pointer)
			continue
		}
		if err == nil && (th.On != tt.on || th.Budget != tt.budget || th.Effort != tt.effort || n != tt.maxTokens) {
			t.Errorf("%s: %+v, max tokens %d", tt.name, th, n)
		}
	}
}
