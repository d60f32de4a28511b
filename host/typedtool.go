package host

import (
	"context"
	"encoding/json"
)

// ToolFunc runs a tool with the call that invoked it (its id, for
// idempotency, and its session, trace and step) and its arguments,
// already validated against the tool's schema. An error goes back to the
// model as an error result (its message is what the model sees).
type ToolFunc func(ctx context.Context, call ToolCall, args json.RawMessage) (ToolOutput, error)

// ToolOutput is a tool's result: JSON when set, else Text.
type ToolOutput struct {
	// Text is a plain-text result.
	Text string
	// JSON is a JSON result (sent to the model as its text).
	JSON json.RawMessage
}

// String returns the text the model receives.
func (o ToolOutput) String() string {
	if len(o.JSON) > 0 {
		return string(o.JSON)
	}
	return o.Text
}

// TextOutput returns a plain-text result.
func TextOutput(s string) ToolOutput { return ToolOutput{Text: s} }

// JSONOutput returns v encoded as a JSON result.
func JSONOutput(v any) (ToolOutput, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return ToolOutput{}, err
	}
	return ToolOutput{JSON: b}, nil
}
