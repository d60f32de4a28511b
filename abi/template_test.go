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
	ts, err := DecodeTextTemplates(good, 4)
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
		{"[" + strings.Repeat(`{"state":"AQ==","data":{"kind":"text"}},`, MaxTextTemplatesBefore17) + `{"state":"AQ==","data":{"kind":"text"}}]`, "more than 16"},
		{`[{"state":"AQ==","data":{"kind":"array","items":[{"kind":"string","string":"a"},{"kind":"text"}]}}]`, `unknown shape kind "string" (ABI 1.6)`},
		{`[{"state":"AQ==","state_prefix":true,"data":{"kind":"text"}}]`, "state prefix, which takes ABI 1.6"},
		{`[{"state":"AQ==","emit":"tool-call-delta","data":{"kind":"text"}}]`, "take ABI 1.7"},
		{`[{"state":"AQ==","index":1,"data":{"kind":"text"}}]`, "take ABI 1.7"},
	} {
		if _, err := DecodeTextTemplates([]byte(tt.in), 5); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error mentioning %q", tt.in, err, tt.want)
		}
	}
}

// TestTextTemplates16: a 1.6 module may declare ShapeString and
// StatePrefix; a string shape matches only its string written without
// escapes, and a prefix template holds for every state that begins with
// its state.
func TestTextTemplates16(t *testing.T) {
	shape := &Shape{Kind: ShapeObject, Required: []string{"type", "text"}, Keys: map[string]*Shape{
		"type": {Kind: ShapeString, String: "text_delta"}, "text": {Kind: ShapeText}}}
	b, _ := json.Marshal([]TextTemplate{{State: []byte{1, 2}, StatePrefix: true, Data: shape}})
	ts, err := DecodeTextTemplates(b, 6)
	if err != nil || len(ts) != 1 || !ts[0].StatePrefix || ts[0].Data.Keys["type"].String != "text_delta" {
		t.Fatalf("DecodeTextTemplates(%s, 6) = %+v, %v", b, ts, err)
	}
	for _, tt := range []struct {
		data, text string
		ok         bool
	}{
		{`{"type":"text_delta","text":"hi"}`, "hi", true},
		{`{"text":"hi","type":"text_delta"}`, "hi", true},
		{`{"type":"text_deltas","text":"hi"}`, "", false},
		{`{"type":"text_delt","text":"hi"}`, "", false},
		{`{"type":"text\u005fdelta","text":"hi"}`, "", false}, // escaped: the module decides
		{`{"type":"text_delta\n","text":"hi"}`, "", false},
		{`{"type":1,"text":"hi"}`, "", false},
		{`{"type":null,"text":"hi"}`, "", false},
		{`{"text":"hi"}`, "", false},
	} {
		tape, _ := AppendTape(nil, []byte(tt.data))
		text, ok := MatchTextTemplate(shape, []byte(tt.data), tape)
		if ok != tt.ok || string(text) != tt.text {
			t.Errorf("%s: got %q, %v; want %q, %v", tt.data, text, ok, tt.text, tt.ok)
		}
	}
	for _, tt := range []struct {
		prefix bool
		state  []byte
		holds  bool
	}{
		{false, []byte{1, 2}, true},
		{false, []byte{1, 2, 3}, false},
		{false, []byte{1}, false},
		{true, []byte{1, 2}, true},
		{true, []byte{1, 2, 3}, true},
		{true, []byte{1}, false},
		{true, []byte{1, 3, 2}, false},
	} {
		tpl := TextTemplate{State: []byte{1, 2}, StatePrefix: tt.prefix, Data: shape}
		if got := tpl.HoldsFor(tt.state); got != tt.holds {
			t.Errorf("prefix %v, state %v: HoldsFor = %v, want %v", tt.prefix, tt.state, got, tt.holds)
		}
	}
}

// TestTextTemplates17: a 1.7 module may declare up to 64 templates, and a
// template that emits a tool-call-delta of its index; anything else it
// emits, an index on a text-delta, or a negative index is refused. The
// event of an empty text is none.
func TestTextTemplates17(t *testing.T) {
	text := `{"state":"AQ==","data":{"kind":"text"}}`
	many := "[" + strings.Repeat(text+",", MaxTextTemplates-1) + text + "]"
	if ts, err := DecodeTextTemplates([]byte(many), 7); err != nil || len(ts) != MaxTextTemplates {
		t.Fatalf("%d templates: %d, %v", MaxTextTemplates, len(ts), err)
	}
	if _, err := DecodeTextTemplates([]byte(many), 6); err == nil || !strings.Contains(err.Error(), "more than 16") {
		t.Fatalf("%d templates from 1.6: %v, want more than 16", MaxTextTemplates, err)
	}
	if _, err := DecodeTextTemplates([]byte("["+strings.Repeat(text+",", MaxTextTemplates)+text+"]"), 7); err == nil || !strings.Contains(err.Error(), "more than 64") {
		t.Fatalf("%d templates: %v, want more than 64", MaxTextTemplates+1, err)
	}
	ts, err := DecodeTextTemplates([]byte(`[{"state":"AQ==","emit":"tool-call-delta","index":2,"data":{"kind":"text"}},{"state":"AQ==","emit":"text-delta","data":{"kind":"text"}}]`), 7)
	if err != nil || len(ts) != 2 {
		t.Fatalf("DecodeTextTemplates = %+v, %v", ts, err)
	}
	for _, tt := range []struct {
		tpl  *TextTemplate
		text string
		want Event
		ok   bool
	}{
		{&ts[0], `{"a`, Event{Type: EventToolCallDelta, Index: 2, Arguments: `{"a`}, true},
		{&ts[0], "", Event{}, false},
		{&ts[1], "hi", Event{Type: EventTextDelta, Text: "hi"}, true},
		{&ts[1], "", Event{}, false},
	} {
		if got, ok := tt.tpl.Emitted([]byte(tt.text)); ok != tt.ok || got != tt.want {
			t.Errorf("%s %q: Emitted = %+v, %v; want %+v, %v", tt.tpl.Emit, tt.text, got, ok, tt.want, tt.ok)
		}
	}
	for _, tt := range []struct{ in, want string }{
		{`[{"state":"AQ==","emit":"tool-call","data":{"kind":"text"}}]`, `emits "tool-call"`},
		{`[{"state":"AQ==","emit":"text-delta","index":1,"data":{"kind":"text"}}]`, "only a tool-call-delta has an index"},
		{`[{"state":"AQ==","index":1,"data":{"kind":"text"}}]`, "only a tool-call-delta has an index"},
		{`[{"state":"AQ==","emit":"tool-call-delta","index":-1,"data":{"kind":"text"}}]`, "negative index"},
	} {
		if _, err := DecodeTextTemplates([]byte(tt.in), 7); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error mentioning %q", tt.in, err, tt.want)
		}
	}
}

// TestMatchTextTemplateAllocs: matching a chunk whose text has no escape
// allocates nothing (the host matches every chunk of a text stream).
func TestMatchTextTemplateAllocs(t *testing.T) {
	for _, data := range []string{
		`{"id":"x","usage":null,"choices":[{"index":0,"delta":{"content":"hi"}}]}`,
		`{"id":"x","choices":[{"delta":{"content":"hi","other":1}}]}`, // no match
	} {
		b := []byte(data)
		tape, _ := AppendTape(nil, b)
		if n := testing.AllocsPerRun(100, func() { MatchTextTemplate(textShape, b, tape) }); n != 0 {
			t.Errorf("%s: %v allocations per match, want 0", data, n)
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
