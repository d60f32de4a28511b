// Package perplexity is the wasmadapt adapter for Perplexity's Sonar Chat
// Completions API (POST https://api.perplexity.ai/chat/completions, bearer
// key): a dialect of package chatcompletions built from a hosted.Spec. What
// differs from OpenAI:
//
//   - Sonar answers from a web search. Each chunk (and a whole response)
//     carries "citations" (URLs) and "search_results" (title, url, date);
//     the answer text refers to them as [1], [2]. They become source
//     events (kind url, id and url the page's URL, title from its search
//     result) in citation order, then the search results no citation
//     names, once per response, after its text and tool calls and before
//     its usage (chatcompletions.Citations), in streams and whole
//     responses alike; the text keeps its [n] markers. usage's
//     citation_tokens, num_search_queries and cost have no normalized
//     field.
//   - No tool calling: a request with tools is refused. json_schema
//     response formats are followed best-effort (strict refused). Images in
//     user messages are accepted.
//   - sonar-reasoning, sonar-reasoning-pro and sonar-deep-research put their
//     reasoning inside the answer as <think> text, which this adapter does
//     not split: they are refused with capability_unsupported (the
//     openai-compatible module, which splits inline think tags, can serve
//     them).
//   - The search is steered by Perplexity's own options, passed through:
//     search_mode, search_domain_filter, search_recency_filter, the date
//     filters, web_search_options, return_images,
//     return_related_questions, disable_search.
//   - Streams may end without "data: [DONE]"; the finish_reason then ends
//     them cleanly.
//   - Errors: {"error":{"message","type","code"}} (type invalid_model for
//     an unknown model); a 401 may come as an HTML page, reported with a
//     snippet.
//
// Provider options: disable_search, enable_search_classifier,
// frequency_penalty, last_updated_after_filter, last_updated_before_filter,
// presence_penalty, return_images, return_related_questions,
// search_after_date_filter, search_before_date_filter, search_domain_filter,
// search_mode, search_recency_filter, top_k, web_search_options.
package perplexity

import (
	"fmt"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/chatcompletions"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/opkit"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Version is the module's version.
const Version = "1.1.0"

// Spec is the Perplexity platform.
var Spec = hosted.Spec{
	Name:         "perplexity",
	BaseURL:      "https://api.perplexity.ai",
	Path:         "/chat/completions",
	DoneOptional: true,
	// No reasoning fields: the models that reason are refused (Rewrite).
	ReasoningFields: []string{},
	Options: hosted.Pass("disable_search:boolean", "enable_search_classifier:boolean", "frequency_penalty",
		"last_updated_after_filter:string", "last_updated_before_filter:string", "presence_penalty",
		"return_images:boolean", "return_related_questions:boolean", "search_after_date_filter:string",
		"search_before_date_filter:string", "search_domain_filter:array", "search_mode:string",
		"search_recency_filter:string", "top_k", "web_search_options:object"),
	Refused: hosted.Same("Perplexity does not support it; remove it", "n", "logprobs", "top_logprobs", "logit_bias", "seed",
		"parallel_tool_calls", "service_tier", "store", "metadata", "prediction", "user"),
	Default: hosted.Family{NoTools: true, Vision: true, Structured: hosted.BestEffortSchema},
	Lines:   []string{"sonar", "r1-1776"},
	// Limits: the context lengths of Perplexity's model cards (128K, and
	// 200K for sonar-pro, read as 1024 tokens a K); the cards give no
	// output limit of its own.
	Limits: []opkit.Limit{
		{Prefix: "sonar-reasoning-pro", Context: 128 << 10},
		{Prefix: "sonar-reasoning", Context: 128 << 10},
		{Prefix: "sonar-deep-research", Context: 128 << 10},
		{Prefix: "sonar-pro", Context: 200 << 10},
		{Prefix: "sonar", Context: 128 << 10},
	},
	Rewrite: Rewrite,
	Chunk:   chatcompletions.Citations,
	Errors: []hosted.ErrorRule{
		{Code: "invalid_model", To: abi.CodeNotFound, Hint: "check the model name (sonar, sonar-pro)"},
	},
}

// New returns the Perplexity adapter.
func New() guest.Adapter { return Spec.New(Version) }

// InlineThinking reports whether model writes its reasoning as <think>
// text inside the answer.
func InlineThinking(model string) bool {
	m := strings.ToLower(model)
	return strings.Contains(m, "reasoning") || strings.Contains(m, "deep-research")
}

// Rewrite refuses the models whose reasoning is inline <think> text.
func Rewrite(req *abi.Request) (*abi.Request, error) {
	if InlineThinking(req.Model) {
		return nil, &abi.Error{Code: abi.CodeCapabilityUnsupported, Pointer: "/model",
			Message: fmt.Sprintf("perplexity model %q is not supported by this module: it writes its reasoning as <think> text inside the answer, which this module does not split; use sonar or sonar-pro, or the openai-compatible module (it splits inline think tags)", req.Model)}
	}
	return req, nil
}
