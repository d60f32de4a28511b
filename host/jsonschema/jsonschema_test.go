package jsonschema

import (
	"errors"
	"testing"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		schema  string
		doc     string
		wantPtr string // "" with ok=false means root
		ok      bool
	}{
		{"empty schema accepts anything", `{}`, `[1,"x",null]`, "", true},
		{"type object", `{"type":"object"}`, `[]`, "", false},
		{"integer accepts 2.0", `{"type":"integer"}`, `2.0`, "", true},
		{"integer refuses 2.5", `{"type":"integer"}`, `2.5`, "", false},
		{"number accepts integer", `{"type":"number"}`, `7`, "", true},
		{"nullable type list", `{"type":["string","null"]}`, `null`, "", true},
		{"nullable type list refuses number", `{"type":["string","null"]}`, `1`, "", false},
		{"openapi nullable", `{"type":"string","nullable":true}`, `null`, "", true},
		{"required missing", `{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`, `{}`, "", false},
		{"property type", `{"type":"object","properties":{"city":{"type":"string"}}}`, `{"city":3}`, "/city", false},
		{"additionalProperties false", `{"type":"object","properties":{"a":{}},"additionalProperties":false}`, `{"a":1,"b":2}`, "/b", false},
		{"additionalProperties schema", `{"type":"object","additionalProperties":{"type":"integer"}}`, `{"a":1,"b":"x"}`, "/b", false},
		{"enum ok", `{"enum":["c","f"]}`, `"c"`, "", true},
		{"enum bad", `{"enum":["c","f"]}`, `"k"`, "", false},
		{"enum numeric equality", `{"enum":[1]}`, `1.0`, "", true},
		{"const", `{"const":{"a":[1,2]}}`, `{"a":[1,2]}`, "", true},
		{"items", `{"type":"array","items":{"type":"string"}}`, `["a",2]`, "/1", false},
		{"minItems", `{"minItems":2}`, `[1]`, "", false},
		{"maxItems", `{"maxItems":1}`, `[1,2]`, "", false},
		{"uniqueItems", `{"uniqueItems":true}`, `[1,2,1]`, "", false},
		{"minimum", `{"minimum":0}`, `-1`, "", false},
		{"maximum ok at bound", `{"maximum":10}`, `10`, "", true},
		{"exclusiveMaximum", `{"exclusiveMaximum":10}`, `10`, "", false},
		{"draft4 exclusiveMinimum", `{"minimum":0,"exclusiveMinimum":true}`, `0`, "", false},
		{"multipleOf", `{"multipleOf":0.5}`, `1.5`, "", true},
		{"multipleOf bad", `{"multipleOf":0.5}`, `1.3`, "", false},
		{"minLength counts runes", `{"minLength":2}`, `"é"`, "", false},
		{"maxLength", `{"maxLength":3}`, `"abcd"`, "", false},
		{"pattern unanchored", `{"pattern":"[0-9]+"}`, `"ab12"`, "", true},
		{"pattern bad", `{"pattern":"^[0-9]+$"}`, `"ab12"`, "", false},
		{"anyOf ok", `{"anyOf":[{"type":"string"},{"type":"integer"}]}`, `3`, "", true},
		{"anyOf bad", `{"anyOf":[{"type":"string"},{"type":"integer"}]}`, `true`, "", false},
		{"oneOf two match", `{"oneOf":[{"type":"number"},{"type":"integer"}]}`, `3`, "", false},
		{"oneOf one match", `{"oneOf":[{"type":"number"},{"type":"integer"}]}`, `3.5`, "", true},
		{"allOf", `{"allOf":[{"minimum":1},{"maximum":2}]}`, `3`, "", false},
		{"not", `{"not":{"type":"null"}}`, `null`, "", false},
		{"ref to defs", `{"$defs":{"u":{"type":"string"}},"type":"object","properties":{"unit":{"$ref":"#/$defs/u"}}}`, `{"unit":1}`, "/unit", false},
		{"recursive ref", `{"type":"object","properties":{"name":{"type":"string"},"kids":{"type":"array","items":{"$ref":"#"}}}}`, `{"name":"a","kids":[{"name":"b","kids":[{"name":3}]}]}`, "/kids/0/kids/0/name", false},
		{"unknown keywords ignored", `{"type":"string","format":"email","x-custom":1,"title":"t"}`, `"not an email"`, "", true},
		{"false schema", `{"properties":{"a":false}}`, `{"a":1}`, "/a", false},
		{"escaped pointer", `{"properties":{"a/b":{"type":"string"}}}`, `{"a/b":1}`, "/a~1b", false},
		{"not json", `{}`, `{`, "", false},
		{"trailing data", `{}`, `{} {}`, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Compile([]byte(tt.schema))
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			err = s.Validate([]byte(tt.doc))
			if tt.ok {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Validate = %v, want *Error", err)
			}
			if e.Pointer != tt.wantPtr {
				t.Errorf("pointer = %q, want %q (%v)", e.Pointer, tt.wantPtr, e)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	for _, schema := range []string{
		`[]`,
		`{"type":"strnig"}`,
		`{"pattern":"("}`,
		`{"$ref":"#/$defs/missing"}`,
		`{"$ref":"http://example.com/s.json"}`,
		`{"minLength":-1}`,
		`{"multipleOf":0}`,
		`{"anyOf":[]}`,
		`{"required":"a"}`,
	} {
		if _, err := Compile([]byte(schema)); !errors.Is(err, ErrSchema) {
			t.Errorf("Compile(%s) = %v, want ErrSchema", schema, err)
		}
	}
}

func FuzzValidate(f *testing.F) {
	f.Add(`{"type":"object","properties":{"a":{"type":"integer","minimum":1}},"required":["a"]}`, `{"a":2}`)
	f.Add(`{"anyOf":[{"type":"string","pattern":"^x"},{"type":"array","items":{"$ref":"#"}}]}`, `[["x"]]`)
	f.Fuzz(func(t *testing.T, schema, doc string) {
		s, err := Compile([]byte(schema))
		if err != nil {
			return
		}
		_ = s.Validate([]byte(doc))
	})
}
