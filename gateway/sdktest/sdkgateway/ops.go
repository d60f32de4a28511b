package sdkgateway

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"net/http"
)

// EmbedModel is the public model served by the openai module's embed
// operation against the fake provider of opsHandler.
const EmbedModel = "embed"

// CountModel is the public model served by the anthropic module's
// count_tokens operation against the fake provider of opsHandler.
const CountModel = "count"

// EmbedVector is the vector the fake provider returns for input i of
// text: its length in bytes, its index and -0.5.
func EmbedVector(i int, text string) []float32 {
	return []float32{float32(len(text)), float32(i), -0.5}
}

// CountOf is the count the fake provider returns for a count_tokens
// request: the bytes of the text of its system prompt and messages.
func CountOf(texts ...string) int {
	n := 0
	for _, s := range texts {
		n += len(s)
	}
	return n
}

// opsHandler is the fake provider of the ABI 1.3 operations: OpenAI's
// POST /v1/embeddings (EmbedVector per input, in the encoding asked for;
// usage: the inputs' bytes) and Anthropic's POST
// /v1/messages/count_tokens (CountOf the texts).
func opsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/embeddings", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Input          []string `json:"input"`
			EncodingFormat string   `json:"encoding_format"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, `{"error":{"message":"bad body","type":"invalid_request_error"}}`, http.StatusBadRequest)
			return
		}
		type item struct {
			Object    string `json:"object"`
			Index     int    `json:"index"`
			Embedding any    `json:"embedding"`
		}
		data := []item{}
		tokens := 0
		for i, s := range in.Input {
			v := EmbedVector(i, s)
			var e any = v
			if in.EncodingFormat == "base64" {
				b := make([]byte, 4*len(v))
				for j, f := range v {
					binary.LittleEndian.PutUint32(b[4*j:], math.Float32bits(f))
				}
				e = base64.StdEncoding.EncodeToString(b)
			}
			data = append(data, item{"embedding", i, e})
			tokens += len(s)
		}
		writeJSON(w, map[string]any{"object": "list", "data": data, "model": "fake-embedding",
			"usage": map[string]int{"prompt_tokens": tokens, "total_tokens": tokens}})
	})
	mux.HandleFunc("POST /v1/messages/count_tokens", func(w http.ResponseWriter, r *http.Request) {
		type block struct {
			Text string `json:"text"`
		}
		var in struct {
			System   json.RawMessage `json:"system"`
			Messages []struct {
				Content []block `json:"content"`
			} `json:"messages"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, `{"type":"error","error":{"type":"invalid_request_error","message":"bad body"}}`, http.StatusBadRequest)
			return
		}
		var texts []string
		var sys string
		var sysBlocks []block
		if json.Unmarshal(in.System, &sys) == nil {
			texts = append(texts, sys)
		} else if json.Unmarshal(in.System, &sysBlocks) == nil {
			for _, b := range sysBlocks {
				texts = append(texts, b.Text)
			}
		}
		for _, m := range in.Messages {
			for _, b := range m.Content {
				texts = append(texts, b.Text)
			}
		}
		writeJSON(w, map[string]int{"input_tokens": CountOf(texts...)})
	})
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
