package chatcompletions

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// encodeSamples are strings the encoders must write as encoding/json does.
var encodeSamples = []string{"", "plain", "<b>&</b> \"q\" \\ \b\f\n\r\t\x01", "é😀\u2028\u2029", "bad \xff"}

func sampleMessages(s string) []wireMessage {
	r := s
	return []wireMessage{
		{Role: "system", Content: s},
		{Role: "user", Content: []any{textPart{"text", s}, imagePart{"image_url", imageURL{s}},
			audioPart{"input_audio", wireAudio{s, "wav"}}, filePart{"file", wireFile{Filename: s, FileData: s}}, filePart{"file", wireFile{FileID: s}}}},
		{Role: "assistant", Content: []textPart{{"text", s}, {"text", "b"}}, ToolCalls: []toolCall{{ID: s, Type: "function", Function: toolCallFn{s, `{"a":1}`}}}, ReasoningContent: &r},
		{Role: "assistant", ToolCalls: []toolCall{{ID: "1", Type: "function", Function: toolCallFn{"f", "{}"}}, {ID: "2", Type: "function", Function: toolCallFn{"g", "{}"}}}},
		{Role: "tool", Content: json.RawMessage(`""`), ToolCallID: s, Name: s},
		{Role: "user", Content: []textPart(nil)},
		{Role: "user", Content: []any{map[string]string{"other": s}}},
	}
}

// TestAppendMessages compares appendMessages and appendTools with marshal
// (encoding/json without HTML escaping), byte for byte.
func TestAppendMessages(t *testing.T) {
	for _, s := range encodeSamples {
		checkAppendMessages(t, s)
	}
}

// FuzzAppendMessages is TestAppendMessages on arbitrary strings.
func FuzzAppendMessages(f *testing.F) {
	for _, s := range encodeSamples {
		f.Add(s)
	}
	f.Fuzz(checkAppendMessages)
}

func checkAppendMessages(t *testing.T, s string) {
	{
		msgs := sampleMessages(s)
		want, err := marshal(msgs)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendMessages(nil, msgs)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("appendMessages(%q) = %s, %v\nmarshal = %s", s, got, err, want)
		}
		tools := []wireTool{
			{Type: "function", Function: wireFunction{Name: s, Description: s, Parameters: json.RawMessage(` { "type" : "object", "d": "` + "<x> \u2028" + `" } `), Strict: true}},
			{Type: "function", Function: wireFunction{Name: "n"}},
		}
		if want, err = marshal(tools); err != nil {
			t.Fatal(err)
		}
		if got := appendTools(nil, tools); !bytes.Equal(got, want) {
			t.Errorf("appendTools(%q) = %s\nmarshal = %s", s, got, want)
		}
	}
}

// TestBodyMarshalJSON checks Body.MarshalJSON against json.Compact of each
// value, and that it refuses a value that is not JSON as json.Compact does.
func TestBodyMarshalJSON(t *testing.T) {
	var b Body
	b.SetRaw("a", json.RawMessage(` { "x" : [ 1 , "<y> " ] } `))
	b.SetCompact("b", appendStr(nil, "<é>"))
	b.SetRaw("c", json.RawMessage("\"\xff \""))
	b.SetRaw("a", json.RawMessage(`true`))
	got, err := b.MarshalJSON()
	if want := "{\"a\":true,\"b\":\"<é>\",\"c\":\"\xff \"}"; err != nil || string(got) != want {
		t.Errorf("MarshalJSON = %s, %v; want %s", got, err, want)
	}
	b.SetRaw("d", json.RawMessage(`{"x":`))
	if _, err := b.MarshalJSON(); err == nil {
		t.Error("MarshalJSON accepted a value that is not JSON")
	}
	b.Delete("d")
	if _, err := b.MarshalJSON(); err != nil {
		t.Errorf("after Delete: %v", err)
	}
}

// TestToolsCache checks that a projection served from the tools cache is
// the one projected afresh, that a refusal is not cached, and that other
// tools miss.
func TestToolsCache(t *testing.T) {
	d := testDialect()
	req := func(desc string, params string) *abi.Request {
		return &abi.Request{Model: "m", Messages: []abi.Message{{Role: abi.RoleUser, Content: abi.Text("hi")}},
			Tools:      []abi.ToolDefinition{{Name: "f", Description: desc, Parameters: json.RawMessage(params), Strict: true}},
			ToolChoice: &abi.ToolChoice{Tool: "f"}}
	}
	body := func(r *abi.Request) string {
		t.Helper()
		pr, err := d.Project(r)
		if err != nil {
			t.Fatal(err)
		}
		return string(pr.Body)
	}
	first := body(req("d1", `{"type":"object","properties":{"a":{"type":"string"}}}`))
	if _, ok := toolsCache.Get(toolsKeyOf(req("d1", `{"type":"object","properties":{"a":{"type":"string"}}}`))); !ok {
		t.Fatal("a projected tools block was not cached")
	}
	if again := body(req("d1", `{"type":"object","properties":{"a":{"type":"string"}}}`)); again != first {
		t.Errorf("cached projection differs:\n%s\nfresh:\n%s", again, first)
	}
	other := body(req("d2", `{"type":"object","properties":{"a":{"type":"string"}}}`))
	if other == first || !bytes.Contains([]byte(other), []byte(`"d2"`)) {
		t.Errorf("other tools got the cached block: %s", other)
	}
	bad := req("d1", `{"type":"object","properties":{"a":{"type":"string"}},"oneOf":[]}`)
	for range 2 {
		if _, err := d.Project(bad); err == nil {
			t.Fatal("a schema strict mode refuses was accepted")
		}
	}
	if _, ok := toolsCache.Get(toolsKeyOf(bad)); ok {
		t.Error("a refused tools block was cached")
	}
}

func toolsKeyOf(r *abi.Request) []byte { return guest.ToolsKey(nil, "", r.Tools) }
