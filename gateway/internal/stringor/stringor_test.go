package stringor

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestArray(t *testing.T) {
	type part struct {
		Type string `json:"type"`
	}
	tests := []struct {
		name     string
		raw      string
		s        string
		items    []part
		isString bool
		err      string
	}{
		{"string", `"hi"`, "hi", nil, true, ""},
		{"string with space around", " \n\"a\\nb\" ", "a\nb", nil, true, ""},
		{"empty string", `""`, "", nil, true, ""},
		{"array", `[{"type":"text"},{"type":"image"}]`, "", []part{{"text"}, {"image"}}, false, ""},
		{"array with space around", "\t[{\"type\":\"x\"}]\n", "", []part{{"x"}}, false, ""},
		{"empty array", `[]`, "", []part{}, false, ""},
		{"null", `null`, "", nil, false, ""},
		{"object", `{"type":"text"}`, "", nil, false, "not an array"},
		{"number", `1`, "", nil, false, "not an array"},
		{"empty", ``, "", nil, false, "not an array"},
		{"array of the wrong items", `[1]`, "", nil, false, "not an array"},
		{"bad string", `"\x"`, "", nil, true, "invalid character 'x' in string escape code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, items, isString, err := Array[part](json.RawMessage(tt.raw), "not an array")
			if s != tt.s || !reflect.DeepEqual(items, tt.items) || isString != tt.isString {
				t.Errorf("got %q, %#v, %v; want %q, %#v, %v", s, items, isString, tt.s, tt.items, tt.isString)
			}
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.err {
				t.Errorf("error %q, want %q", got, tt.err)
			}
		})
	}
}
