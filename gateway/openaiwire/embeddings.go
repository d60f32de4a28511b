package openaiwire

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"

	"github.com/wasmadapt/wasmadapt/abi"
)

type embeddingsRequest struct {
	Model          string          `json:"model"`
	Input          json.RawMessage `json:"input"`
	Dimensions     *int            `json:"dimensions"`
	EncodingFormat string          `json:"encoding_format"`
	User           string          `json:"user"`
}

// DecodeEmbeddings decodes a /v1/embeddings request body: input is a
// string or an array of strings (token arrays are refused: the gateway
// routes to providers that take text), encoding_format is float (the
// default) or base64, and user is accepted and not passed on. It returns
// the request and the encoding the client asked for. Its errors are
// *abi.Error with code invalid_request.
func DecodeEmbeddings(body []byte) (*abi.EmbedRequest, string, error) {
	var in embeddingsRequest
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, "", invalid("the request body is not a valid embeddings request: %v", err)
	}
	if in.Model == "" {
		return nil, "", invalid("model is required")
	}
	req := &abi.EmbedRequest{Model: in.Model}
	raw := bytes.TrimSpace(in.Input)
	var one string
	switch {
	case len(raw) == 0 || bytes.Equal(raw, []byte("null")):
		return nil, "", invalid("input is required: a string or an array of strings")
	case json.Unmarshal(raw, &one) == nil:
		req.Inputs = []string{one}
	case json.Unmarshal(raw, &req.Inputs) == nil:
		if len(req.Inputs) == 0 {
			return nil, "", invalid("input must not be an empty array")
		}
	default:
		var tokens []json.RawMessage
		if json.Unmarshal(raw, &tokens) == nil {
			return nil, "", invalid("input holds token arrays, which the gateway does not accept: send the text as a string or an array of strings")
		}
		return nil, "", invalid("input must be a string or an array of strings")
	}
	for i, s := range req.Inputs {
		if s == "" {
			return nil, "", invalid("input[%d] is empty: every input must hold text", i)
		}
	}
	if in.Dimensions != nil {
		if *in.Dimensions < 1 || *in.Dimensions > abi.MaxEmbedDimensions {
			return nil, "", invalid("dimensions %d: want 1 to %d", *in.Dimensions, abi.MaxEmbedDimensions)
		}
		req.Dimensions = *in.Dimensions
	}
	enc := in.EncodingFormat
	switch enc {
	case "":
		enc = abi.EncodingFloat
	case abi.EncodingFloat, abi.EncodingBase64:
	default:
		return nil, "", invalid("encoding_format %q is not float or base64", enc)
	}
	req.Encoding = enc
	return req, enc, nil
}

type embedding struct {
	Object    string `json:"object"`
	Index     int    `json:"index"`
	Embedding any    `json:"embedding"`
}

// Embeddings is the /v1/embeddings answer for res under the public model
// name: each vector as an array of numbers, or with encoding base64 as the
// base64 of its little-endian float32s (OpenAI's encoding_format=base64).
func Embeddings(res *abi.EmbedResult, model, encoding string) []byte {
	out := struct {
		Object string      `json:"object"`
		Data   []embedding `json:"data"`
		Model  string      `json:"model"`
		Usage  struct {
			PromptTokens int `json:"prompt_tokens"`
			TotalTokens  int `json:"total_tokens"`
		} `json:"usage"`
	}{Object: "list", Data: make([]embedding, len(res.Embeddings)), Model: model}
	for i, v := range res.Embeddings {
		var e any = []float32(v)
		if encoding == abi.EncodingBase64 {
			e = base64.StdEncoding.EncodeToString(float32Bytes(v))
		}
		out.Data[i] = embedding{Object: "embedding", Index: i, Embedding: e}
	}
	out.Usage.PromptTokens = res.Usage.InputTokens
	out.Usage.TotalTokens = res.Usage.InputTokens
	b, _ := json.Marshal(out)
	return b
}

// float32Bytes is v as little-endian IEEE 754 float32s.
func float32Bytes(v abi.Vector) []byte {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b
}
