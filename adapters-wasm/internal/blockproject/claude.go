package blockproject

import (
	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// MinThinkingBudget is the smallest thinking budget (budget_tokens) Claude
// models take.
const MinThinkingBudget = 1024

// EffortBudget is the thinking budget of each reasoning effort for Claude
// models with budget-based extended thinking.
var EffortBudget = map[string]int{"minimal": MinThinkingBudget, "low": 2048, "medium": 8192, "high": 16384}

// ThinkingFor resolves the reasoning settings r (already known to ask for
// thinking) for a Claude model with extended thinking. adaptive says the
// model has adaptive thinking, adaptiveOnly that it has no budget-based
// thinking at all. The result is either a budget (budget-based thinking)
// or an adaptive effort (low, medium, high or max; budget 0). who names
// the provider in the budget error ("Anthropic").
func ThinkingFor(r *abi.Reasoning, model string, adaptive, adaptiveOnly bool, who string) (budget int, effort string, err error) {
	switch {
	case r.BudgetTokens != nil:
		if adaptiveOnly {
			return 0, "", guest.Unsupported("/reasoning/budget_tokens", "model %s takes adaptive thinking only: set reasoning.effort instead of budget_tokens", model)
		}
		budget = *r.BudgetTokens
		if budget < MinThinkingBudget {
			return 0, "", guest.Invalid("/reasoning/budget_tokens", "reasoning.budget_tokens is %d; %s requires at least %d", budget, who, MinThinkingBudget)
		}
		return budget, "", nil
	case adaptive || adaptiveOnly:
		effort = r.Effort
		switch effort {
		case "minimal":
			effort = "low" // the lowest level adaptive thinking has
		case "low", "medium", "high", "max":
		default:
			return 0, "", guest.Invalid("/reasoning/effort", "reasoning.effort %q is not one of minimal, low, medium, high, max", r.Effort)
		}
		return 0, effort, nil
	}
	b, ok := EffortBudget[r.Effort]
	if !ok {
		return 0, "", guest.Invalid("/reasoning/effort", "reasoning.effort %q is not one of minimal, low, medium, high (or set reasoning.budget_tokens)", r.Effort)
	}
	return b, "", nil
}

// ThinkingControls returns the reasoning controls ThinkingFor accepts for
// a Claude model with extended thinking (adaptive and adaptiveOnly as
// there) whose most output tokens are maxOutput: the effort levels, and a
// budget from MinThinkingBudget to below maxOutput unless the model thinks
// adaptively only.
func ThinkingControls(adaptive, adaptiveOnly bool, maxOutput int) *abi.ReasoningControls {
	switch {
	case adaptiveOnly:
		return &abi.ReasoningControls{Efforts: []string{"none", "minimal", "low", "medium", "high", "max"}, Adaptive: true}
	case adaptive:
		return &abi.ReasoningControls{Efforts: []string{"none", "minimal", "low", "medium", "high", "max"},
			Budget: true, BudgetMin: MinThinkingBudget, BudgetMax: maxOutput - 1, Adaptive: true}
	}
	return &abi.ReasoningControls{Efforts: []string{"none", "minimal", "low", "medium", "high"},
		Budget: true, BudgetMin: MinThinkingBudget, BudgetMax: maxOutput - 1}
}

// FitBudget returns the thinking budget to send with maxTokens: a budget at
// or above maxTokens is an error when the caller set it (explicit) or when
// no budget of at least MinThinkingBudget fits, else it shrinks to
// maxTokens-1. field names the provider's max-tokens field in the error.
func FitBudget(budget, maxTokens int, explicit bool, field string) (int, error) {
	if budget < maxTokens {
		return budget, nil
	}
	if explicit || maxTokens-1 < MinThinkingBudget {
		return 0, guest.Invalid("/reasoning/budget_tokens", "thinking budget %d must be below %s %d (and at least %d): raise max_output_tokens or lower the budget", budget, field, maxTokens, MinThinkingBudget)
	}
	return maxTokens - 1, nil
}

// Sampling describes an API's sampling rules to CheckSampling.
type Sampling struct {
	// API names the provider in the temperature range error ("Anthropic").
	API string
	// Thinking is the API's name for thinking in messages ("extended
	// thinking", "reasoning").
	Thinking string
}

// CheckSampling checks the request's temperature and top_p for a Claude
// model: both in 0..1, and with thinking on the default temperature 1 and
// a top_p of at least 0.95.
func (s Sampling) CheckSampling(req *abi.Request, thinkingOn bool) error {
	if t := req.Temperature; t != nil {
		if *t < 0 || *t > 1 {
			return guest.Invalid("/temperature", "temperature %v is out of %s's range 0..1", *t, s.API)
		}
		if thinkingOn && *t != 1 {
			return guest.Unsupported("/temperature", "model %s with %s takes only the default temperature 1: remove temperature or disable reasoning", req.Model, s.Thinking)
		}
	}
	if p := req.TopP; p != nil {
		if *p < 0 || *p > 1 {
			return guest.Invalid("/top_p", "top_p %v is out of range 0..1", *p)
		}
		if thinkingOn && *p < 0.95 {
			return guest.Unsupported("/top_p", "with %s top_p must be between 0.95 and 1 (got %v)", s.Thinking, *p)
		}
	}
	return nil
}

// Thinking is the extended thinking a request asks of a Claude model, as
// ResolveThinking resolves it.
type Thinking struct {
	// On: the request asks for thinking (a reasoning effort other than
	// none, or a budget).
	On bool
	// Budget is budget-based thinking's budget_tokens (fitted below the
	// max tokens by MaxTokens); 0 with adaptive thinking.
	Budget int
	// Effort is adaptive thinking's effort; "" with budget-based thinking.
	Effort string
	// explicit: the request set the budget itself.
	explicit bool
}

// ResolveThinking resolves the request's reasoning for a Claude model with
// ThinkingFor (adaptive, adaptiveOnly and who as there). refuse, called
// only when the request asks for thinking, returns the error of a model
// that takes no thinking settings, or nil.
func ResolveThinking(req *abi.Request, adaptive, adaptiveOnly bool, who string, refuse func() error) (Thinking, error) {
	r := req.Reasoning
	if r == nil || (r.Effort == "" || r.Effort == "none") && r.BudgetTokens == nil {
		return Thinking{}, nil
	}
	if err := refuse(); err != nil {
		return Thinking{}, err
	}
	budget, effort, err := ThinkingFor(r, req.Model, adaptive, adaptiveOnly, who)
	if err != nil {
		return Thinking{}, err
	}
	return Thinking{On: true, Budget: budget, Effort: effort, explicit: r.BudgetTokens != nil}, nil
}

// MaxTokens returns the output-token limit to send: the request's
// max_output_tokens, which must be at least 1, or def when it sets none.
// A thinking budget is then fitted below it (FitBudget): one derived from
// an effort shrinks to fit, one the request set is the caller's to fix.
// field names the provider's max-tokens field in the error.
func (th *Thinking) MaxTokens(req *abi.Request, def int, field string) (int, error) {
	n := def
	if req.MaxOutputTokens != nil {
		if n = *req.MaxOutputTokens; n < 1 {
			return 0, guest.Invalid("/max_output_tokens", "max_output_tokens must be at least 1")
		}
	}
	if th.Budget == 0 {
		return n, nil
	}
	var err error
	th.Budget, err = FitBudget(th.Budget, n, th.explicit, field)
	return n, err
}
