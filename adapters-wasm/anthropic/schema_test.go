package anthropic

import (
	"errors"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

func TestStrictSchema(t *testing.T) {
	tests := []struct {
		name, in, want string
		pointer        string // of the refusal, when one is expected
	}{
		{"objects closed at every level, optional properties stay optional",
			`{"type":"object","properties":{"a":{"type":"object","properties":{"b":{"type":"string"}}},"l":{"type":"array","items":{"type":"object","properties":{}}}},"required":["l"]}`,
			`{"type":"object","properties":{"a":{"type":"object","properties":{"b":{"type":"string"}},"additionalProperties":false},"l":{"type":"array","items":{"type":"object","properties":{},"additionalProperties":false}}},"required":["l"],"additionalProperties":false}`, ""},
		{"bounds moved into descriptions",
			`{"type":"object","properties":{"n":{"type":"integer","minimum":1,"maximum":9,"description":"A digit."},"s":{"type":"array","items":{"type":"string"},"maxItems":3}}}`,
			`{"type":"object","properties":{"n":{"type":"integer","description":"A digit. Constraints: minimum 1, maximum 9."},"s":{"type":"array","items":{"type":"string"},"description":"Constraints: maxItems 3."}},"additionalProperties":false}`, ""},
		{"anyOf branches and $defs closed",
			`{"anyOf":[{"type":"object","properties":{"x":{"$ref":"#/$defs/p"}}},{"type":"null"}],"$defs":{"p":{"type":"object","properties":{"y":{"type":"number"}}}}}`,
			`{"anyOf":[{"type":"object","properties":{"x":{"$ref":"#/$defs/p"}},"additionalProperties":false},{"type":"null"}],"$defs":{"p":{"type":"object","properties":{"y":{"type":"number"}},"additionalProperties":false}}}`, ""},
		{"open object refused", `{"type":"object","properties":{"m":{"type":"object","additionalProperties":{"type":"string"}}}}`, "", "/x/properties/m/additionalProperties"},
		{"oneOf refused", `{"type":"object","properties":{"v":{"oneOf":[{"type":"string"},{"type":"number"}]}}}`, "", "/x/properties/v/oneOf"},
		{"boolean schema refused", `{"type":"object","properties":{"v":true}}`, "", "/x/properties/v"},
		{"tuple items refused", `{"type":"array","items":[{"type":"string"}]}`, "", "/x/items"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := StrictSchema([]byte(tt.in), "/x")
			if tt.pointer != "" {
				var e *abi.Error
				if !errors.As(err, &e) || e.Code != abi.CodeSchemaUnsupported || e.Pointer != tt.pointer {
					t.Fatalf("err = %v, want schema_unsupported at %s", err, tt.pointer)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestProjectStrictTool(t *testing.T) {
	pr, err := project(t, `{"model":"claude-sonnet-4-5","tools":[{"name":"t","strict":true,"parameters":{"type":"object","properties":{"q":{"type":"string","minLength":2}},"required":["q"]}}],"messages":[{"role":"user","content":"q"}]}`)
	if err != nil {
		t.Fatal(err)
	}
	want := `"tools":[{"name":"t","input_schema":{"type":"object","properties":{"q":{"type":"string","description":"Constraints: minLength 2."}},"required":["q"],"additionalProperties":false},"strict":true}]`
	if !strings.Contains(string(pr.Body), want) {
		t.Errorf("body %s\nlacks %s", pr.Body, want)
	}
	_, err = project(t, `{"model":"claude-sonnet-4-5","tools":[{"name":"t","strict":true,"parameters":{"type":"object","patternProperties":{"^x":{}}}}],"messages":[{"role":"user","content":"q"}]}`)
	var e *abi.Error
	if !errors.As(err, &e) || e.Code != abi.CodeSchemaUnsupported || e.Pointer != "/tools/0/parameters/patternProperties" {
		t.Errorf("err = %v, want schema_unsupported at /tools/0/parameters/patternProperties", err)
	}
}
