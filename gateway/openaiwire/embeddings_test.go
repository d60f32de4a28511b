package openaiwire

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

func TestDecodeEmbeddings(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       *abi.EmbedRequest
		enc, err   string
	}{
		{"string", `{"model":"m","input":"hi"}`, &abi.EmbedRequest{Model: "m", Inputs: []string{"hi"}, Encoding: "float"}, "float", ""},
		{"array, base64, dimensions, user", `{"model":"m","input":["a","b"],"encoding_format":"base64","dimensions":256,"user":"u"}`,
			&abi.EmbedRequest{Model: "m", Inputs: []string{"a", "b"}, Dimensions: 256, Encoding: "base64"}, "base64", ""},
		{"token array", `{"model":"m","input":[[1,2]]}`, nil, "", "token arrays"},
		{"tokens", `{"model":"m","input":[1,2]}`, nil, "", "token arrays"},
		{"object", `{"model":"m","input":{"a":1}}`, nil, "", "a string or an array of strings"},
		{"empty string", `{"model":"m","input":["a",""]}`, nil, "", "input[1] is empty"},
		{"no model", `{"input":"hi"}`, nil, "", "model is required"},
		{"dimensions too large", `{"model":"m","input":"hi","dimensions":70000}`, nil, "", "dimensions 70000"},
		{"not JSON", `{`, nil, "", "not a valid embeddings request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, enc, err := DecodeEmbeddings([]byte(tc.body))
			if tc.err != "" {
				if err == nil || abi.CodeOf(err) != abi.CodeInvalidRequest || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want invalid_request holding %q", err, tc.err)
				}
				return
			}
			if err != nil || enc != tc.enc || req.Model != tc.want.Model || !slices.Equal(req.Inputs, tc.want.Inputs) ||
				req.Dimensions != tc.want.Dimensions || req.Encoding != tc.want.Encoding {
				t.Fatalf("got %+v %q %v, want %+v %q", req, enc, err, tc.want, tc.enc)
			}
		})
	}
}

// TestEmbeddingsBase64: the base64 answer holds the vectors' little-endian
// float32s, as OpenAI's encoding_format=base64 does.
func TestEmbeddingsBase64(t *testing.T) {
	res := &abi.EmbedResult{Embeddings: []abi.Vector{{1, -2, 3}, {float32(math.Pi), 0, -0.5}}, Usage: abi.EmbedUsage{InputTokens: 7}}
	var out struct {
		Data []struct {
			Index     int    `json:"index"`
			Embedding string `json:"embedding"`
		} `json:"data"`
		Usage struct{ PromptTokens, TotalTokens int } `json:"usage"`
	}
	b := Embeddings(res, "pub", abi.EncodingBase64)
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Data) != 2 || out.Data[0].Embedding != "AACAPwAAAMAAAEBA" {
		t.Fatalf("answer %s", b)
	}
	for i, d := range out.Data {
		raw, _ := base64.StdEncoding.DecodeString(d.Embedding)
		v, err := abi.DecodeFloat32s(raw)
		if err != nil || d.Index != i || !slices.Equal(v, []float32(res.Embeddings[i])) {
			t.Errorf("data[%d] = %+v decodes to %v; want %v", i, d, v, res.Embeddings[i])
		}
	}
}

// FuzzDecodeEmbeddings: any body decodes to a request with a model and
// non-empty inputs, or to an invalid_request error; never a panic.
func FuzzDecodeEmbeddings(f *testing.F) {
	f.Add([]byte(`{"model":"m","input":"hi"}`))
	f.Add([]byte(`{"model":"m","input":["a","b"],"encoding_format":"base64","dimensions":3}`))
	f.Add([]byte(`{"model":"m","input":[[1,2],[3]]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, enc, err := DecodeEmbeddings(body)
		if err != nil {
			if abi.CodeOf(err) != abi.CodeInvalidRequest {
				t.Fatalf("error %v is not invalid_request", err)
			}
			return
		}
		if req.Model == "" || len(req.Inputs) == 0 || slices.Contains(req.Inputs, "") || (enc != abi.EncodingFloat && enc != abi.EncodingBase64) {
			t.Fatalf("accepted %+v (encoding %q)", req, enc)
		}
	})
}
