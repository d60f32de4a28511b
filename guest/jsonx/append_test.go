package jsonx

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

var appendSeeds = []string{
	"", "plain", `quote " back \ slash /`, "ctl \b\f\n\r\t\x00\x01\x1f\x7f", "<b>&amp;</b>",
	"é 😀 \u2028 \u2029 \u2027", "bad \xff utf8 \xe2\x80", "\xe2\x80\xa8", strings.Repeat("a<", 40),
}

// checkAppendString compares AppendString with encoding/json, with and
// without HTML escaping.
func checkAppendString(t *testing.T, s string) {
	t.Helper()
	want, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if got := AppendString([]byte("x"), s, true); !bytes.Equal(got, append([]byte("x"), want...)) {
		t.Errorf("AppendString(%q, html) = %s, json.Marshal = %s", s, got, want)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	want = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if got := AppendString(nil, []byte(s), false); !bytes.Equal(got, want) {
		t.Errorf("AppendString(%q) = %s, Encoder without HTML escaping = %s", s, got, want)
	}
}

// checkAppendCompact compares AppendCompact with json.Compact and with
// json.Marshal of a json.RawMessage, on valid JSON.
func checkAppendCompact(t *testing.T, src []byte) {
	t.Helper()
	if !Valid(src) {
		return
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, src); err != nil {
		t.Fatalf("json.Compact refused what Valid accepts: %q: %v", src, err)
	}
	if got := AppendCompact(nil, src, false); !bytes.Equal(got, buf.Bytes()) {
		t.Errorf("AppendCompact(%q) = %s, json.Compact = %s", src, got, buf.Bytes())
	}
	want, err := json.Marshal(json.RawMessage(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := AppendCompact(nil, src, true); !bytes.Equal(got, want) {
		t.Errorf("AppendCompact(%q, html) = %s, json.Marshal = %s", src, got, want)
	}
}

func TestAppendString(t *testing.T) {
	for _, s := range appendSeeds {
		checkAppendString(t, s)
	}
}

func TestAppendCompact(t *testing.T) {
	for _, s := range []string{
		`{}`, ` [ 1 , 2 ,{ "a b" : "c\" <d> & \u2028 e" } ] `, "\"\u2028 \u2029\"", `"\\" `, "\n\t{\"k\":\n true}\r",
		`{"x":"\\\"<"}`, `[ "a\\", " b " ]`,
	} {
		checkAppendCompact(t, []byte(s))
	}
}

// FuzzAppend compares the writers with encoding/json on arbitrary strings
// and, where the input is valid JSON, on its compaction.
func FuzzAppend(f *testing.F) {
	for _, s := range appendSeeds {
		f.Add(s)
	}
	f.Add(` [ 1 , { "a" : "<\u2028>" } ] `)
	f.Fuzz(func(t *testing.T, s string) {
		checkAppendString(t, s)
		checkAppendCompact(t, []byte(s))
	})
}
