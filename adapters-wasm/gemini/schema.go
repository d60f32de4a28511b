package gemini

import (
	"bytes"
	"encoding/json"
	"errors"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest/schema"
)

// openAPIKeywords is the part of guest/schema's OpenAPI subset Gemini's
// Schema object takes in parameters and responseSchema. title, default and
// example are left out (Gemini rejects title in response schemas and
// default on some models); they are annotations, so Subset drops them.
var openAPIKeywords = schema.OpenAPIKeywords().Without("title", "default", "example")

var openAPIDrop = schema.Annotations().With("example")

// toOpenAPI projects s (raw JSON Schema) to Gemini's OpenAPI subset with
// guest/schema.Subset: local $ref inlined (a cycle refused), [T,"null"] to
// nullable, const to enum, annotations dropped, enum value "" refused, and
// additionalProperties:false dropped (a documented widening: Gemini's
// subset has no way to forbid extra properties; the host validates tool
// arguments and structured output against the full schema). ptr is the
// JSON pointer of s in the normalized request: a schema_unsupported error's
// pointer is made absolute with it.
func toOpenAPI(s json.RawMessage, ptr string) (json.RawMessage, error) {
	out, err := schema.Subset(s, openAPIKeywords, schema.SubsetOptions{
		Drop:                openAPIDrop,
		Closed:              schema.DropClosed,
		NonEmptyEnumStrings: true,
	})
	if err != nil {
		var e *abi.Error
		if errors.As(err, &e) {
			c := *e
			c.Pointer = ptr + e.Pointer
			if c.Pointer == "" {
				c.Pointer = ptr
			}
			return nil, &c
		}
		return nil, &abi.Error{Code: abi.CodeSchemaUnsupported, Message: err.Error(), Pointer: ptr, Err: err}
	}
	return out, nil
}

// emptyObjectSchema reports whether a projected parameters schema is an
// object without properties (Gemini refuses such a declaration; a function
// without parameters omits them).
func emptyObjectSchema(raw json.RawMessage) bool {
	var s struct {
		Type       string          `json:"type"`
		Properties json.RawMessage `json:"properties"`
	}
	if json.Unmarshal(raw, &s) != nil {
		return false
	}
	p := bytes.TrimSpace(s.Properties)
	return s.Type == "object" && (len(p) == 0 || bytes.Equal(p, []byte("{}")))
}
