package abi

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
)

// Operations (ABI 1.3): calls beyond chat that a module may serve through
// the optional exports ExportProjectOp and ExportParseOp. A module lists
// the operations it serves in Capabilities.Operations; the host refuses
// any other with capability_unsupported before a byte is sent.
const (
	// ExportProjectOp (optional, 1.3) turns an OpCall into a provider
	// request.
	ExportProjectOp = "wasmadapt_project_op"
	// ExportParseOp (optional, 1.3) turns the provider's response to an
	// operation (a response envelope whose context is the OpCall) into
	// the operation's result, or an ERROR result for a non-2xx status.
	ExportParseOp = "wasmadapt_parse_op"
)

// The operations of OpCall.Op.
const (
	// OpModels lists the provider's models (ModelsRequest, ModelsResult).
	OpModels = "models"
	// OpEmbed computes embeddings (EmbedRequest, EmbedResult).
	OpEmbed = "embed"
	// OpCountTokens counts the input tokens of a normalized chat request
	// (Request, CountTokensResult).
	OpCountTokens = "count_tokens"
)

// Ops returns the operation names of ABI 1.3, in a fresh slice.
func Ops() []string { return []string{OpModels, OpEmbed, OpCountTokens} }

// Limits the host enforces on operation results (see abi/README.md,
// "Operations (1.3)").
const (
	// MaxModelsPerPage is the most entries of one ModelsResult.
	MaxModelsPerPage = 10000
	// MaxEmbedDimensions is the most numbers of one embedding.
	MaxEmbedDimensions = 65536
	// MaxEmbedBatch is the most inputs of one embed call.
	MaxEmbedBatch = 4096
)

// OpCall is the input of wasmadapt_project_op and the context of the
// response envelope of wasmadapt_parse_op.
type OpCall struct {
	// Op is one of the Op* names.
	Op string `json:"op"`
	// Request is the operation's request: a ModelsRequest, an
	// EmbedRequest or a normalized Request.
	Request json.RawMessage `json:"request"`
}

// NewOpCall encodes req as the request of operation op.
func NewOpCall(op string, req any) (*OpCall, error) {
	b, err := json.Marshal(req)
	if err != nil {
		return nil, Wrap(CodeInvalidRequest, err, "encoding the "+op+" request")
	}
	return &OpCall{Op: op, Request: b}, nil
}

// ModelsRequest is the request of OpModels: a page of the provider's list,
// or one model's details.
type ModelsRequest struct {
	// Page is the NextPage of the previous result; empty for the first.
	Page string `json:"page,omitempty"`
	// Model asks for one model's details (a follow-up of an entry the
	// list marked Incomplete).
	Model string `json:"model,omitempty"`
}

// ModelInfo is one model of a ModelsResult.
type ModelInfo struct {
	// ID is the model name a request's model field takes.
	ID string `json:"id"`
	// DisplayName is the provider's human-readable name, if any.
	DisplayName string `json:"display_name,omitempty"`
	// Capabilities are the model's capabilities as the provider states
	// them (Features.Source "discovered"); nil when the list says
	// nothing beyond the ID.
	Capabilities *Capabilities `json:"capabilities,omitempty"`
	// Incomplete: the list lacks the model's details; the host asks for
	// them with a ModelsRequest naming the model.
	Incomplete bool `json:"incomplete,omitempty"`
}

// ModelsResult is the result of OpModels.
type ModelsResult struct {
	Models []ModelInfo `json:"models"`
	// NextPage is the token of the next page; empty on the last.
	NextPage string `json:"next_page,omitempty"`
}

// The encodings of EmbedRequest.Encoding: how the module asks the
// provider to send vectors. Results always carry Vectors.
const (
	EncodingFloat  = "float"
	EncodingBase64 = "base64"
)

// EmbedRequest is the request of OpEmbed.
type EmbedRequest struct {
	Model string `json:"model"`
	// Inputs are the texts to embed, at most the module's
	// Capabilities.EmbedMaxBatch (the host batches longer lists).
	Inputs []string `json:"inputs"`
	// Dimensions asks for vectors of this length (0: the model's).
	Dimensions int `json:"dimensions,omitempty"`
	// Encoding is the wire encoding asked of the provider ("float" or
	// "base64"; empty: the module's choice).
	Encoding string `json:"encoding,omitempty"`
	// InputType is the provider's input type or task (e.g.
	// "search_query", "search_document"), passed through.
	InputType string `json:"input_type,omitempty"`
}

// Vector is one embedding. In JSON it is an array of numbers, or a string
// of base64 (standard alphabet) holding little-endian IEEE 754 float32s;
// it is always written as an array.
type Vector []float32

// UnmarshalJSON implements json.Unmarshaler.
func (v *Vector) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		raw, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return fmt.Errorf("embedding: %v", err)
		}
		var err2 error
		*v, err2 = DecodeFloat32s(raw)
		return err2
	}
	var fs []float32
	if err := json.Unmarshal(b, &fs); err != nil {
		return err
	}
	*v = fs
	return nil
}

// DecodeFloat32s decodes little-endian IEEE 754 float32s, the binary form
// of a base64 embedding.
func DecodeFloat32s(raw []byte) ([]float32, error) {
	if len(raw)%4 != 0 {
		return nil, fmt.Errorf("embedding: %d bytes of base64 data are not whole float32s", len(raw))
	}
	out := make([]float32, len(raw)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return out, nil
}

// EmbedUsage is the token usage of an embed call.
type EmbedUsage struct {
	InputTokens int `json:"input_tokens"`
}

// EmbedResult is the result of OpEmbed.
type EmbedResult struct {
	// Embeddings are the vectors, one per input, in input order.
	Embeddings []Vector   `json:"embeddings"`
	Usage      EmbedUsage `json:"usage"`
}

// CountTokensResult is the result of OpCountTokens.
type CountTokensResult struct {
	InputTokens int `json:"input_tokens"`
}

// OpResult is a decoded, validated operation result: the field of its
// operation is set.
type OpResult struct {
	Models      *ModelsResult
	Embed       *EmbedResult
	CountTokens *CountTokensResult
}

// HasOp reports whether caps lists operation op.
func (c *Capabilities) HasOp(op string) bool { return slices.Contains(c.Operations, op) }

// DecodeOpResult decodes and validates the OK payload of
// wasmadapt_parse_op for call. A payload that breaks the contract (not the
// operation's shape, an embedding count other than the inputs', vectors of
// unequal or wrong length, a number that is not finite, a negative count,
// more entries than the limits) is an *Error with code adapter_bad_output.
func DecodeOpResult(call *OpCall, payload []byte) (*OpResult, error) {
	bad := func(format string, args ...any) error {
		return Errorf(CodeAdapterBadOutput, "parse_op("+call.Op+"): "+format, args...)
	}
	switch call.Op {
	case OpModels:
		var r ModelsResult
		if err := json.Unmarshal(payload, &r); err != nil {
			return nil, bad("result is not a models object: %v", err)
		}
		if r.Models == nil {
			return nil, bad(`result has no "models" array`)
		}
		if len(r.Models) > MaxModelsPerPage {
			return nil, bad("%d models in one page, more than %d", len(r.Models), MaxModelsPerPage)
		}
		for i, m := range r.Models {
			if m.ID == "" {
				return nil, bad("models[%d] has an empty id", i)
			}
			if d := m.Capabilities; d != nil && d.Details != nil {
				if d.Details.ContextWindow < 0 || d.Details.MaxOutputTokens < 0 {
					return nil, bad("models[%d] (%s) has a negative token limit", i, m.ID)
				}
			}
		}
		return &OpResult{Models: &r}, nil
	case OpEmbed:
		var req EmbedRequest
		if err := json.Unmarshal(call.Request, &req); err != nil {
			return nil, Wrap(CodeInvalidRequest, err, "embed request")
		}
		var r EmbedResult
		if err := json.Unmarshal(payload, &r); err != nil {
			return nil, bad("result is not an embeddings object: %v", err)
		}
		if len(r.Embeddings) != len(req.Inputs) {
			return nil, bad("%d embeddings for %d inputs: want one per input, in input order", len(r.Embeddings), len(req.Inputs))
		}
		for i, v := range r.Embeddings {
			if len(v) == 0 || len(v) > MaxEmbedDimensions {
				return nil, bad("embeddings[%d] has %d numbers: want 1 to %d", i, len(v), MaxEmbedDimensions)
			}
			if len(v) != len(r.Embeddings[0]) {
				return nil, bad("embeddings[%d] has %d numbers, embeddings[0] %d: all vectors of one call have one length", i, len(v), len(r.Embeddings[0]))
			}
			if req.Dimensions > 0 && len(v) != req.Dimensions {
				return nil, bad("embeddings[%d] has %d numbers, the request asked for %d dimensions", i, len(v), req.Dimensions)
			}
			for j, f := range v {
				if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
					return nil, bad("embeddings[%d][%d] is not a finite number", i, j)
				}
			}
		}
		if r.Usage.InputTokens < 0 {
			return nil, bad("usage.input_tokens is negative")
		}
		return &OpResult{Embed: &r}, nil
	case OpCountTokens:
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(payload, &raw); err != nil {
			return nil, bad("result is not an object: %v", err)
		}
		if _, ok := raw["input_tokens"]; !ok {
			return nil, bad(`result has no "input_tokens"`)
		}
		var r CountTokensResult
		if err := json.Unmarshal(payload, &r); err != nil {
			return nil, bad("input_tokens is not an integer: %v", err)
		}
		if r.InputTokens < 0 {
			return nil, bad("input_tokens is negative")
		}
		return &OpResult{CountTokens: &r}, nil
	}
	return nil, Errorf(CodeInvalidRequest, "unknown operation %q: want one of %v", call.Op, Ops())
}
