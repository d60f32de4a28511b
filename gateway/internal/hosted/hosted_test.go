package hosted

import (
	"encoding/json"
	"testing"
)

func TestOptions(t *testing.T) {
	for _, tc := range []struct {
		name, fields  string
		keys          map[string]string
		skip          []string
		opts, unknown string
		flatten       string
	}{
		{"renamed, nulls left out", `{"type":"t","a":1,"b":null,"c":"x"}`, Keys("a", "b", "c=see"), []string{"type"}, `{"a":1,"see":"x"}`, "", ""},
		{"nothing", `{"type":"t"}`, Keys("a"), []string{"type"}, "", "", ""},
		{"first unknown in order", `{"z":1,"m":2,"a":3}`, Keys("a"), nil, "", "m", ""},
		{"flattened members", `{"f":{"x":1,"y":null}}`, Keys("f.x=ex", "f.y"), nil, `{"ex":1}`, "", "f"},
		{"flattened unknown member", `{"f":{"x":1,"q":2}}`, Keys("f.x"), nil, "", "f.q", "f"},
		{"null object removed", `{"f":null}`, Keys("a"), nil, "", "", "f"},
		{"not an object: kept", `{"f":"id"}`, Keys("f"), nil, `{"f":"id"}`, "", "f"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f Fields
			if err := json.Unmarshal([]byte(tc.fields), &f); err != nil {
				t.Fatal(err)
			}
			if tc.flatten != "" {
				if err := Flatten(f, tc.flatten); err != nil {
					t.Fatal(err)
				}
			}
			opts, unknown := Options(f, tc.keys, tc.skip...)
			if string(opts) != tc.opts || unknown != tc.unknown {
				t.Fatalf("options %s, unknown %q; want %s, %q", opts, unknown, tc.opts, tc.unknown)
			}
		})
	}
}

func TestMCPInput(t *testing.T) {
	for _, tc := range []struct {
		args, want string
		ok         bool
	}{
		{`{"q": "x"}`, `{"server":"s","tool":"t","arguments":{"q":"x"}}`, true},
		{``, `{"server":"s","tool":"t","arguments":{}}`, true},
		{`[1]`, "", false},
		{`{"q":`, "", false},
	} {
		got, ok := MCPInput("s", "t", []byte(tc.args))
		if got != tc.want || ok != tc.ok {
			t.Errorf("MCPInput(%q) = %s, %v; want %s, %v", tc.args, got, ok, tc.want, tc.ok)
		}
	}
}
