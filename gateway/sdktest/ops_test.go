package sdktest

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/openai/openai-go/v3"
	"github.com/wasmadapt/wasmadapt/gateway/sdktest/sdkgateway"
)

// TestOpenAIEmbeddings: openai-go's Embeddings.New against the gateway's
// /v1/embeddings, with float and base64 vectors (the SDK decodes base64),
// and a model whose module does not serve embed (anthropic) refused with
// a typed 400.
func TestOpenAIEmbeddings(t *testing.T) {
	g := start(t)
	c := openaiClient(g, sdkgateway.Key)
	inputs := []string{"The food was delicious", "The waiter was friendly"}
	for _, enc := range []openai.EmbeddingNewParamsEncodingFormat{openai.EmbeddingNewParamsEncodingFormatFloat, openai.EmbeddingNewParamsEncodingFormatBase64} {
		t.Run(string(enc), func(t *testing.T) {
			res, err := c.Embeddings.New(context.Background(), openai.EmbeddingNewParams{
				Model:          sdkgateway.EmbedModel,
				Input:          openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: inputs},
				EncodingFormat: enc,
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.Model != sdkgateway.EmbedModel || len(res.Data) != 2 || res.Usage.PromptTokens != int64(len(inputs[0])+len(inputs[1])) {
				t.Fatalf("answer %+v", res)
			}
			for i, d := range res.Data {
				var got []float32
				if enc == openai.EmbeddingNewParamsEncodingFormatBase64 {
					// openai-go keeps a base64 answer's string in the raw JSON.
					got = decodeBase64Floats(t, d.JSON.Embedding.Raw())
				} else {
					for _, f := range d.Embedding {
						got = append(got, float32(f))
					}
				}
				if d.Index != int64(i) || !slices.Equal(got, sdkgateway.EmbedVector(i, inputs[i])) {
					t.Errorf("data[%d]: index %d vector %v, want %v", i, d.Index, got, sdkgateway.EmbedVector(i, inputs[i]))
				}
			}
		})
	}
	_, err := c.Embeddings.New(context.Background(), openai.EmbeddingNewParams{
		Model: sdkgateway.CountModel, Input: openai.EmbeddingNewParamsInputUnion{OfString: openai.String("hi")},
	})
	var ae *openai.Error
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusBadRequest || ae.Code != "capability_unsupported" {
		t.Fatalf("embeddings of a module without embed (anthropic): %v; want a 400 with code capability_unsupported", err)
	}
}

// TestAnthropicCountTokens: anthropic-sdk-go's Messages.CountTokens
// against /v1/messages/count_tokens; a model whose module does not serve
// count_tokens (the demo's, openai) is a typed 400.
func TestAnthropicCountTokens(t *testing.T) {
	g := start(t)
	c := anthropicClient(g, sdkgateway.Key)
	const system, prompt = "Be brief.", "What's the weather in Paris and Tokyo?"
	params := anthropic.MessageCountTokensParams{
		Model:    sdkgateway.CountModel,
		System:   anthropic.MessageCountTokensParamsSystemUnion{OfString: anthropic.String(system)},
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(prompt))},
	}
	res, err := c.Messages.CountTokens(context.Background(), params)
	if err != nil {
		t.Fatal(err)
	}
	if want := sdkgateway.CountOf(system, prompt); res.InputTokens != int64(want) {
		t.Fatalf("input_tokens %d, want %d", res.InputTokens, want)
	}
	params.Model = sdkgateway.Model
	_, err = c.Messages.CountTokens(context.Background(), params)
	var ae *anthropic.Error
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusBadRequest || !strings.Contains(ae.Error(), "capability_unsupported") {
		t.Fatalf("count_tokens of a module without it: %v; want a 400 naming capability_unsupported", err)
	}
}

// decodeBase64Floats decodes raw, a JSON string of base64 little-endian
// float32s (OpenAI's encoding_format=base64).
func decodeBase64Floats(t *testing.T, raw string) []float32 {
	t.Helper()
	var s string
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		t.Fatalf("embedding %s is not a base64 string: %v", raw, err)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b)%4 != 0 {
		t.Fatalf("embedding %q: %v", s, err)
	}
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}
