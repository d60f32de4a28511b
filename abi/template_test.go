package abi

import (
	"encoding/json"
	"strings"
	"testing"
)

// textShape is {"choices":[{"delta":{"content":TEXT}, "index"?:0}], "id"?:any, "usage"?:null}.
var textShape = &Shape{Kind: ShapeObject, Required: []string{"choices"}, Keys: map[string]*Shape{
	"id":    {Kind: ShapeAny},
	"usage": {Kind: ShapeNull},
	"choices": {Kind: ShapeArray, Items: []*Shape{{Kind: ShapeObject, Required: []string{"delta"}, Keys: map[string]*Shape{
		"index": {Kind: ShapeInt, Int: 0},
		"delta": {Kind: ShapeObject, Required: []string{"content"}, Keys: map[string]*Shape{"content": {Kind: ShapeText}}},
	}}}},
}}

func TestMatchTextTemplate(t *testing.T) {
	tests := []struct {
		data string
		text string
		ok   bool
	}{
		{`{"choices":[{"delta":{"content":"hi"}}]}`, "hi", true},
		{` {"id":{"x":[1,2]},"usage":null,"choices":[{"index":0,"delta":{"content":"a\n\"b\\/\t"}}]} `, "a\n\"b\\/\t", true},
		{`{"choices":[{"delta":{"content":""}}]}`, "", true},
		{`{"choices":[{"delta":{"content":"\u00e9"}}]}`, "", false},          // \u escape: the module decides
		{`{"choices":[{"delta":{"content":"a","content":"b"}}]}`, "", false}, // duplicate key
		{`{"choices":[{"delta":{"content":"a"},"finish_reason":"stop"}]}`, "", false},
		{`{"choices":[{"index":1,"delta":{"content":"a"}}]}`, "", false},
		{`{"choices":[{"index":0.0,"delta":{"content":"a"}}]}`, "", false},
		{`{"choices":[{"delta":{"content":"a"}},{"delta":{"content":"b"}}]}`, "", false},
		{`{"choices":[]}`, "", false},
		{`{"choices":[{"delta":{"content":null}}]}`, "", false},
		{`{"choices":[{"delta":{}}]}`, "", false},
		{`{"usage":{"n":1},"choices":[{"delta":{"content":"a"}}]}`, "", false},
		{`{"id":"x"}`, "", false},
		{`[DONE]`, "", false},
		{`{"choices":[{"delta":{"content":"a"}}]`, "", false},
	}
	for _, tt := range tests {
		tape, _ := AppendTape(nil, []byte(tt.data))
		text, ok := MatchTextTemplate(textShape, []byte(tt.data), tape)
		if ok != tt.ok || string(text) != tt.text {
			t.Errorf("%s: got %q, %v; want %q, %v", tt.data, text, ok, tt.text, tt.ok)
		}
	}
}

func TestDecodeTextTemplates(t *testing.T) {
	good, _ := json.Marshal([]TextTemplate{{State: []byte{1}, Data: textShape}})
	ts, err := DecodeTextTemplates(good)
	if err != nil || len(ts) != 1 || ts[0].Data.Keys["choices"].Items[0].Keys["delta"].Keys["content"].Kind != ShapeText {
		t.Fatalf("DecodeTextTemplates(%s) = %+v, %v", good, ts, err)
	}
	for _, tt := range []struct{ in, want string }{
		{`{}`, "not a JSON array"},
		{`[{"state":"","data":{"kind":"text"}}]`, "empty state"},
		{`[{"state":"AQ==","data":{"kind":"any"}}]`, "0 text shapes"},
		{`[{"state":"AQ==","data":{"kind":"array","items":[{"kind":"text"},{"kind":"text"}]}}]`, "2 text shapes"},
		{`[{"state":"AQ==","data":{"kind":"regex"}}]`, `unknown shape kind "regex"`},
		{`[{"state":"AQ==","data":{"kind":"object","required":["a"],"keys":{"b":{"kind":"text"}}}}]`, `required key "a"`},
		{`[{"state":"AQ=="}]`, "a shape is missing"},
		{"[" + strings.Repeat(`{"state":"AQ==","data":{"kind":"text"}},`, MaxTextTemplates) + `{"state":"AQ==","data":{"kind":"text"}}]`, "more than 16"},
	} {
		if _, err := DecodeTextTemplates([]byte(tt.in)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error mentioning %q", tt.in, err, tt.want)
		}
	}
}

// FuzzMatchTextTemplate: matching never panics, and a match's text is the
// decoded string of a chunk the shape describes.
func FuzzMatchTextTemplate(f *testing.F) {
	f.Add([]byte(`{"choices":[{"delta":{"content":"hi"}}]}`))
	f.Add([]byte(`{"id":1,"choices":[{"index":0,"delta":{"content":"a\\n"}}],"usage":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tape, ok := AppendTape(nil, data)
		if !ok {
			return
		}
		text, ok := MatchTextTemplate(textShape, data, tape)
		if !ok {
			return
		}
		var v struct {
			Choices []struct {
				Delta struct{ Content string }
			}
		}
		if err := json.Unmarshal(data, &v); err != nil || len(v.Choices) != 1 || v.Choices[0].Delta.Content != string(text) {
			t.Fatalf("%s matched with text %q, but decodes to %+v (%v)", data, text, v, err)
		}
	})
}
