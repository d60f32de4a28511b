// Package openweights holds what the model cards of open-weight models
// document of their limits: the context window, the most output tokens
// where the card states one, and the reasoning effort levels where the
// model documents them. Hosted platforms (and local servers) serve these
// models under ids of their own spelling ("meta-llama/Llama-3.3-70B-Instruct",
// "accounts/fireworks/models/llama-v3p3-70b-instruct", "llama-3.3-70b",
// "llama3.3:70b"); Find reads all of them.
//
// Where a platform's limit depends on its tier or deployment, the card's
// limit is the one reported: it is what the model itself takes. A card that
// writes "128K" is read as 131072 (the larger reading, so a limit never
// refuses what a provider accepts). A field the card does not document is 0.
package openweights

import (
	"regexp"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/opkit"
)

// Card is what one open-weight model line's model card documents.
type Card struct {
	// Match holds lower-case substrings of the normalized model id (see
	// Normalize); the first card of Cards with a matching substring is the
	// model's. Each ends in "-", so "qwen3-32b-" matches "qwen3-32b" and
	// "Qwen/Qwen3-32B-FP8" but not "qwen3-32b2".
	Match []string
	// Context is the context window and Out the most output tokens (0:
	// not documented).
	Context, Out int
	// Efforts are the reasoning effort levels the model documents.
	Efforts []string
	// TextOnly: the card says the model reads text only, though its line
	// has vision models (Gemma 3 1B).
	TextOnly bool
}

// K is the number of tokens a documented "K" stands for.
const K = 1024

// Cards are the model cards, most specific first. A card without numbers
// marks models whose limits are not reported: safety classifiers, and
// distilled or preview models whose cards differ from their line's.
var Cards = []Card{
	// Safety classifiers (Llama Guard, Prompt Guard, NemoGuard, Granite
	// Guardian, ShieldGemma): not chat models; no limits reported.
	{Match: []string{"guard", "shieldgemma"}},

	// gpt-oss (OpenAI's gpt-oss-120b and gpt-oss-20b model pages:
	// 131,072 context window, 131,072 max output tokens, reasoning effort
	// low, medium or high).
	{Match: []string{"gpt-oss-120b-", "gpt-oss-20b-"}, Context: 131072, Out: 131072, Efforts: []string{"low", "medium", "high"}},

	// Llama 4 (Meta's Llama 4 model card: context length 10M for Scout,
	// 1M for Maverick).
	{Match: []string{"llama-4-scout-"}, Context: 10 * K * K},
	{Match: []string{"llama-4-maverick-"}, Context: K * K},
	// Llama 3.1, 3.2 and 3.3 (Meta's model cards: context length 128k;
	// the Nemotron models NVIDIA built on them keep it).
	{Match: []string{"llama-3.1-", "llama-3.2-", "llama-3.3-"}, Context: 128 * K},
	// Llama 3 (Meta's Llama 3 model card: context length 8k).
	{Match: []string{"llama-3-8b-", "llama-3-70b-"}, Context: 8 * K},

	// Gemma 3 (Google's Gemma 3 model card: 128K input context and images
	// for the 4B, 12B and 27B sizes, 32K and text only for 1B; output up
	// to 8192 tokens) and Gemma 2 (8192 context).
	{Match: []string{"gemma-3-1b-"}, Context: 32 * K, Out: 8192, TextOnly: true},
	{Match: []string{"gemma-3-4b-", "gemma-3-12b-", "gemma-3-27b-"}, Context: 128 * K, Out: 8192},
	{Match: []string{"gemma-2-", "gemma2-"}, Context: 8192},

	// Qwen3 (Qwen's model cards): the 2507 updates, Qwen3-Coder,
	// Qwen3-Next and Qwen3-VL take 262,144 tokens natively; the first
	// Qwen3 models 131,072 with YaRN (32,768 natively; 0.6B and 1.7B
	// 32,768 only).
	{Match: []string{"qwen3-235b-a22b-instruct-2507-", "qwen3-235b-a22b-thinking-2507-", "qwen3-30b-a3b-instruct-2507-",
		"qwen3-30b-a3b-thinking-2507-", "qwen3-4b-instruct-2507-", "qwen3-4b-thinking-2507-",
		"qwen3-coder-480b-", "qwen3-coder-30b-a3b-", "qwen3-next-80b-a3b-",
		"qwen3-vl-235b-a22b-", "qwen3-vl-30b-a3b-", "qwen3-vl-32b-", "qwen3-vl-8b-"}, Context: 262144},
	{Match: []string{"qwen3-0.6b-", "qwen3-1.7b-"}, Context: 32768},
	{Match: []string{"qwen3-235b-a22b-", "qwen3-30b-a3b-", "qwen3-32b-", "qwen3-14b-", "qwen3-8b-", "qwen3-4b-"}, Context: 131072},
	// QwQ-32B (model card: full 131,072 tokens; the preview 32,768) and
	// Qwen2.5 (model cards: full 131,072 tokens; the instruct models
	// generate up to 8192 tokens).
	{Match: []string{"qwq-32b-preview-"}, Context: 32768},
	{Match: []string{"qwq-32b-"}, Context: 131072},
	{Match: []string{"qwen2.5-coder-32b-", "qwen2.5-coder-14b-", "qwen2.5-coder-7b-"}, Context: 131072},
	{Match: []string{"qwen2.5-72b-", "qwen2.5-32b-", "qwen2.5-14b-", "qwen2.5-7b-"}, Context: 131072, Out: 8192},

	// DeepSeek (DeepSeek's model cards: context length 128K for R1, its
	// distilled models, V3, V3.1 and V3.2).
	{Match: []string{"deepseek-r1-", "deepseek-v3-", "deepseek-v3.1-", "deepseek-v3.2-"}, Context: 128 * K},

	// Kimi K2 (Moonshot's model cards: 128K for Kimi-K2-Instruct, 256K for
	// Kimi-K2-Instruct-0905 and Kimi-K2-Thinking).
	{Match: []string{"kimi-k2-instruct-0905-", "kimi-k2-thinking-"}, Context: 256 * K},
	{Match: []string{"kimi-k2-instruct-"}, Context: 128 * K},

	// GLM (Z.ai's model cards: GLM-4.5 and GLM-4.5-Air 128K, GLM-4.6
	// 200K).
	{Match: []string{"glm-4.6-"}, Context: 200 * K},
	{Match: []string{"glm-4.5-"}, Context: 128 * K},

	// Mistral (Mistral's model cards: Mistral Small 3.1 and 3.2 128k,
	// Mistral Small 3 32k, Mixtral 8x7B 32k, Mixtral 8x22B 64k).
	{Match: []string{"mistral-small-3.1-", "mistral-small-3.2-", "mistral-small3.1-", "mistral-small3.2-"}, Context: 128 * K},
	{Match: []string{"mistral-small-24b-instruct-2501-"}, Context: 32 * K},
	{Match: []string{"mixtral-8x7b-"}, Context: 32 * K},
	{Match: []string{"mixtral-8x22b-"}, Context: 64 * K},

	// IBM Granite 3.1 to 3.3 (IBM's model cards and Ollama's granite3.3
	// page: 128K context); the Granite vision models are another line.
	{Match: []string{"granite-3.2-vision-"}},
	{Match: []string{"granite-3.1-", "granite-3.2-", "granite-3.3-"}, Context: 128 * K},
}

var (
	// pDot and hyphenDot are a version written with "p" or "-" for its
	// dot (Fireworks "v3p3", watsonx "llama-3-3-70b").
	pDot      = regexp.MustCompile(`([0-9])p([0-9])`)
	hyphenDot = regexp.MustCompile(`-([0-9])-([0-9])-`)
	// joined holds a line name written without its hyphen ("llama3.3",
	// "gemma3", "qwen-3").
	joined = strings.NewReplacer("llama-v", "llama-", "llama3", "llama-3", "llama4", "llama-4", "gemma3", "gemma-3", "qwen-3", "qwen3", "granite3", "granite-3", ":", "-", "_", "-")
)

// Normalize returns the spelling Cards match: model in lower case, with
// a version's dot written as such (Fireworks' "v3p3" and watsonx's
// "3-3" become "3.3"), the line names hyphenated as the model cards write
// them ("llama3.3" is "llama-3.3", "qwen-3" is "qwen3"), an Ollama tag's
// colon a hyphen, and a final "-".
func Normalize(model string) string {
	m := strings.ToLower(model)
	m = pDot.ReplaceAllString(m, "$1.$2")
	m = joined.Replace(m)
	m = hyphenDot.ReplaceAllString(m+"-", "-$1.$2-")
	return m
}

// Find returns the card of model, or false for a model of no card or of
// one documenting nothing.
func Find(model string) (Card, bool) {
	if model == "" {
		return Card{}, false
	}
	m := Normalize(model)
	for _, c := range Cards {
		for _, s := range c.Match {
			if strings.Contains(m, s) {
				return c, c.Context > 0 || c.Out > 0
			}
		}
	}
	return Card{}, false
}

// Details returns the details of a model of the card reading modalities
// (abi.Modality*; nil is text only). effort says whether the platform
// takes the model's reasoning.effort: then the card's effort levels are
// its reasoning controls (and no budget).
func (c Card) Details(effort bool, modalities ...string) *abi.ModelDetails {
	d := opkit.Limit{Context: c.Context, Out: c.Out}.Details(modalities...)
	if effort && len(c.Efforts) > 0 {
		d.Reasoning = &abi.ReasoningControls{Efforts: append([]string(nil), c.Efforts...)}
	}
	return d
}
