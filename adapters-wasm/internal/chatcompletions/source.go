package chatcompletions

import (
	"slices"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
)

// Source says where a dialect's knowledge of model comes from: abi.SourceTable
// when the lower-cased name is one of table or continues one with "-", ":",
// "@" or "/" (a dated snapshot, a tag, a version), abi.SourceFamily when it
// starts with one of families (a newer name of a known line), else
// abi.SourceUnknown; "" for no model.
func Source(model string, table, families []string) string {
	m := strings.ToLower(model)
	if m == "" {
		return ""
	}
	for _, t := range table {
		if rest, ok := strings.CutPrefix(m, t); ok && (rest == "" || strings.ContainsAny(rest[:1], "-:@/")) {
			return abi.SourceTable
		}
	}
	for _, f := range families {
		if strings.HasPrefix(m, f) {
			return abi.SourceFamily
		}
	}
	return abi.SourceUnknown
}

// notChatMarks are name parts of models that are not chat models:
// embeddings, rerankers, moderation, speech, transcription, image
// generation and the completions-only models.
var notChatMarks = []string{"embed", "rerank", "llama-rank", "moderation", "whisper", "tts", "transcribe", "dall-e", "gpt-image", "gpt-3.5-turbo-instruct", "davinci-0", "babbage-0"}

// NotChat reports whether model names a model that is not a chat model
// (an embedding, moderation, speech, transcription, image or
// completions-only model): it has no tools, structured output, reasoning
// or vision through chat completions.
func NotChat(model string) bool {
	m := strings.ToLower(model)
	for _, s := range notChatMarks {
		if strings.Contains(m, s) {
			return true
		}
	}
	return false
}

// classifierMarks are name parts of safety classifiers served through
// chat completions (Llama Guard, Prompt Guard, NVIDIA NemoGuard, IBM
// Granite Guardian, ShieldGemma): they answer with a verdict, never a tool
// call or a structured output. gpt-oss-safeguard is a reasoning model
// following a policy prompt, not one of them.
var classifierMarks = []string{"llama-guard", "llamaguard", "prompt-guard", "nemoguard", "granite-guardian", "shieldgemma"}

// Classifier reports whether model names a safety classifier
// (classifierMarks).
func Classifier(model string) bool {
	m := strings.ToLower(model)
	return slices.ContainsFunc(classifierMarks, func(s string) bool { return strings.Contains(m, s) })
}

// StripNotChat removes from f, when model is not a chat model (NotChat),
// tools, structured output, reasoning and vision; from a safety
// classifier (Classifier), tools and structured output.
func StripNotChat(model string, f *abi.Features) {
	if NotChat(model) || Classifier(model) {
		f.ToolCalling, f.ParallelToolCalls, f.StructuredOutput = abi.SupportNone, false, abi.SupportNone
	}
	if NotChat(model) {
		f.Reasoning, f.Vision = false, false
	}
}

// Reported returns the flags Capabilities reports for a model whose
// dialect features are f: abi.PlainTextFeatures for a model the dialect
// does not know (its features stay the projection's assumption), f
// otherwise.
func Reported(f abi.Features) abi.Features {
	if f.Source == abi.SourceUnknown {
		return abi.PlainTextFeatures()
	}
	return f
}

// Citations is a Dialect.Chunk hook for providers that list the web pages
// an answer used at the top level of a chunk or response: "citations", an
// array of URLs (Perplexity, xAI), and "search_results", an array of
// {"title", "url", "date"} (Perplexity). When the response has finished
// it emits, once, a source event (kind url, id the URL) per citation in
// its order, titled from the search result with the same URL, then one
// per search result whose URL no citation named. Entries without a URL
// are skipped; a response without either field emits nothing.
func Citations(doc jsonx.Value, finished, once bool, emit func(*abi.Event)) *abi.Error {
	if !finished || !once {
		return nil
	}
	cites, _, _ := doc.Lookup("citations")
	results, _, _ := doc.Lookup("search_results")
	if cites.Kind() != jsonx.KindArray && results.Kind() != jsonx.KindArray {
		return nil
	}
	type result struct{ url, title string }
	var found []result
	if results.Kind() == jsonx.KindArray {
		ai := results.Array()
		for ai.Next() {
			if ai.Val().Kind() != jsonx.KindObject {
				continue
			}
			var res result
			oi := ai.ValueObject()
			for oi.Next() {
				switch {
				case oi.KeyIs("url"):
					res.url = unq(oi.Value())
				case oi.KeyIs("title"):
					res.title = unq(oi.Value())
				}
			}
			if res.url != "" {
				found = append(found, res)
			}
		}
	}
	seen := map[string]bool{}
	source := func(url string) {
		if url == "" || seen[url] {
			return
		}
		seen[url] = true
		ev := abi.Event{Type: abi.EventSource, ID: url, Kind: abi.SourceKindURL, URL: url}
		for _, r := range found {
			if r.url == url && r.title != "" {
				ev.Title = r.title
				break
			}
		}
		emit(&ev)
	}
	if cites.Kind() == jsonx.KindArray {
		ai := cites.Array()
		for ai.Next() {
			if ai.Val().Kind() == jsonx.KindString {
				source(unq(ai.Value()))
			}
		}
	}
	for _, r := range found {
		source(r.url)
	}
	return nil
}

// Sampling returns the sampling parameters (abi.Sampling*) a model takes
// through a dialect, for its details: temperature, top_p and stop unless
// the model's projection rules un leave them out (refused or stripped),
// then top_k and seed where the dialect passes those provider options.
func Sampling(un map[string]Action, topK, seed bool) []string {
	var out []string
	for _, s := range []struct{ name, feature string }{
		{abi.SamplingTemperature, FeatureTemperature},
		{abi.SamplingTopP, FeatureTopP},
		{abi.SamplingStop, FeatureStop},
	} {
		if _, left := un[s.feature]; !left {
			out = append(out, s.name)
		}
	}
	if topK {
		out = append(out, abi.SamplingTopK)
	}
	if seed {
		out = append(out, abi.SamplingSeed)
	}
	return out
}
