package chatcompletions

import "strings"

// OptionKinds are the JSON types of the provider options that dialects
// pass through under the same name and with the same meaning: OpenAI's own
// request parameters, and the sampling extras of the open-weight servers
// (vLLM, llama.cpp) that hosted platforms pass on. Pass gives a bare key
// its types from here, so each type is stated once; a provider whose
// parameter of the same name takes another type (Together's integer
// logprobs) states its own.
var OptionKinds = map[string][]string{
	"frequency_penalty":      {"number"},
	"logit_bias":             {"object"},
	"logprobs":               {"boolean"},
	"metadata":               {"object"},
	"min_p":                  {"number"},
	"n":                      {"integer"},
	"parallel_tool_calls":    {"boolean"},
	"prediction":             {"object"},
	"presence_penalty":       {"number"},
	"prompt_cache_key":       {"string"},
	"prompt_cache_retention": {"string"},
	"repetition_penalty":     {"number"},
	"safety_identifier":      {"string"},
	"seed":                   {"integer"},
	"service_tier":           {"string"},
	"store":                  {"boolean"},
	"top_k":                  {"integer"},
	"top_logprobs":           {"integer"},
	"user":                   {"string"},
	"verbosity":              {"string"},
}

// Pass is PassThrough for each entry, so a dialect lists its options as
// data: "key:kind[|kind]" states the JSON types, a bare key takes those of
// OptionKinds. A bare key OptionKinds lacks is a programming error: Pass
// panics, when the dialect is built.
func Pass(entries ...string) []Option {
	out := make([]Option, len(entries))
	for i, e := range entries {
		key, kinds, typed := strings.Cut(e, ":")
		if !typed {
			k, ok := OptionKinds[key]
			if !ok {
				panic("chatcompletions.Pass: option " + key + " has no entry in OptionKinds; write " + key + ":<kind>")
			}
			out[i] = PassThrough(key, k...)
			continue
		}
		out[i] = PassThrough(key, strings.Split(kinds, "|")...)
	}
	return out
}
