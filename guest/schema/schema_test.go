package schema

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

// wantErr asserts err is a schema_unsupported *abi.Error at pointer.
func wantErr(t *testing.T, err error, pointer string) {
	t.Helper()
	var e *abi.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not an *abi.Error", err)
	}
	if e.Code != abi.CodeSchemaUnsupported || e.Pointer != pointer {
		t.Fatalf("got code %s pointer %q (%s), want schema_unsupported at %q", e.Code, e.Pointer, e.Message, pointer)
	}
}

func TestParseRoundTrip(t *testing.T) {
	in := `{"z":1,"a":[true,false,null,"x\u0001\"",1.50e3,{}],"m":{"b":-0,"a":"é<>&"}}`
	n, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"z":1,"a":[true,false,null,"x\u0001\"",1.50e3,{}],"m":{"b":-0,"a":"é<>&"}}`
	if got := string(n.AppendJSON(nil)); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if !n.Equal(n.Clone()) {
		t.Fatal("clone differs")
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in, ptr string
	}{
		{`{"a":{"b":1,"b":2}}`, "/a/b"},
		{`{"a/b":{"~":1,"~":2}}`, "/a~1b/~0"},
		{`{"a":1} {}`, ""},
		{`{"a":`, ""},
		{`[1,]`, ""},
		{strings.Repeat("[", 300) + strings.Repeat("]", 300), strings.Repeat("/0", MaxDepth+1)},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.in))
		wantErr(t, err, tt.ptr)
	}
}

func TestResolve(t *testing.T) {
	n, _ := Parse([]byte(`{"$defs":{"a/b":{"x":[10,{"~y":2}]}}}`))
	tests := []struct {
		ptr  string
		want string
	}{
		{"", `{"$defs":{"a/b":{"x":[10,{"~y":2}]}}}`},
		{"/$defs/a~1b/x/1/~0y", "2"},
		{"/$defs/a~1b/x/0", "10"},
		{"/$defs/a~1b/x/01", ""},
		{"/$defs/a~1b/x/2", ""},
		{"/nope", ""},
		{"nope", ""},
	}
	for _, tt := range tests {
		got := n.Resolve(tt.ptr)
		if tt.want == "" {
			if got != nil {
				t.Errorf("Resolve(%q) = %s, want nil", tt.ptr, got.AppendJSON(nil))
			}
			continue
		}
		if got == nil || string(got.AppendJSON(nil)) != tt.want {
			t.Errorf("Resolve(%q) wrong", tt.ptr)
		}
	}
	if p, ok := localRef("#/$defs/a%7E1b"); !ok || p != "/$defs/a~1b" {
		t.Errorf("localRef percent decoding: %q %v", p, ok)
	}
	for _, r := range []string{"other.json#/a", "#anchor", "#/a%zz"} {
		if _, ok := localRef(r); ok {
			t.Errorf("localRef(%q) accepted", r)
		}
	}
}

func TestStrict(t *testing.T) {
	tests := []struct {
		name string
		opts StrictOptions
		in   string
		want string
	}{
		{
			name: "optional becomes nullable, required lists all",
			in:   `{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer","minimum":1}},"required":["b"]}`,
			want: `{"type":"object","properties":{"a":{"type":["string","null"]},"b":{"type":"integer","minimum":1}},"required":["a","b"],"additionalProperties":false}`,
		},
		{
			name: "nested objects, arrays, enum gets null, annotations dropped",
			in:   `{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","title":"T","properties":{"items":{"type":"array","items":{"type":"object","properties":{"k":{"enum":["x","y"],"type":"string","default":"x"}}}}},"required":["items"],"additionalProperties":false}`,
			want: `{"type":"object","title":"T","properties":{"items":{"type":"array","items":{"type":"object","properties":{"k":{"enum":["x","y",null],"type":["string","null"]}},"required":["k"],"additionalProperties":false}}},"required":["items"],"additionalProperties":false}`,
		},
		{
			name: "already nullable is unchanged; type list extended",
			in:   `{"type":"object","properties":{"a":{"type":["string","null"]},"b":{"type":["string","integer"]}}}`,
			want: `{"type":"object","properties":{"a":{"type":["string","null"]},"b":{"type":["string","integer","null"]}},"required":["a","b"],"additionalProperties":false}`,
		},
		{
			name: "type with null but enum without null",
			in:   `{"type":"object","properties":{"e":{"type":["string","null"],"enum":["a"]}}}`,
			want: `{"type":"object","properties":{"e":{"type":["string","null"],"enum":["a",null]}},"required":["e"],"additionalProperties":false}`,
		},
		{
			name: "ref, const and anyOf use anyOf null",
			in:   `{"type":"object","properties":{"r":{"$ref":"#/$defs/P"},"c":{"const":"k"},"u":{"anyOf":[{"type":"string"},{"type":"number"}],"description":"d"}},"$defs":{"P":{"type":"object","properties":{"x":{"type":"boolean"}},"required":["x"]}}}`,
			want: `{"type":"object","properties":{"r":{"anyOf":[{"$ref":"#/$defs/P"},{"type":"null"}]},"c":{"anyOf":[{"const":"k"},{"type":"null"}]},"u":{"anyOf":[{"type":"string"},{"type":"number"},{"type":"null"}],"description":"d"}},"$defs":{"P":{"type":"object","properties":{"x":{"type":"boolean"}},"required":["x"],"additionalProperties":false}},"required":["r","c","u"],"additionalProperties":false}`,
		},
		{
			name: "anyOf null style",
			opts: StrictOptions{Nullable: NullAnyOf},
			in:   `{"type":"object","properties":{"a":{"type":"string","description":"A"}}}`,
			want: `{"type":"object","properties":{"a":{"anyOf":[{"type":"string","description":"A"},{"type":"null"}]}},"required":["a"],"additionalProperties":false}`,
		},
		{
			name: "empty object",
			opts: StrictOptions{ObjectRoot: true},
			in:   `{"type":"object"}`,
			want: `{"type":"object","properties":{},"required":[],"additionalProperties":false}`,
		},
		{
			name: "recursive ref to root kept",
			in:   `{"type":"object","properties":{"kids":{"type":"array","items":{"$ref":"#"}}},"required":["kids"]}`,
			want: `{"type":"object","properties":{"kids":{"type":"array","items":{"$ref":"#"}}},"required":["kids"],"additionalProperties":false}`,
		},
		{
			name: "object union stays open at the union, closed in the branches",
			in:   `{"type":"object","properties":{"shape":{"type":"object","anyOf":[{"type":"object","properties":{"r":{"type":"number"}},"required":["r"]},{"$ref":"#/$defs/Sq"}]}},"required":["shape"],"$defs":{"Sq":{"type":"object","properties":{"side":{"type":"number"}},"required":["side"]}}}`,
			want: `{"type":"object","properties":{"shape":{"type":"object","anyOf":[{"type":"object","properties":{"r":{"type":"number"}},"required":["r"],"additionalProperties":false},{"$ref":"#/$defs/Sq"}]}},"required":["shape"],"$defs":{"Sq":{"type":"object","properties":{"side":{"type":"number"}},"required":["side"],"additionalProperties":false}},"additionalProperties":false}`,
		},
		{
			name: "property named like a keyword",
			in:   `{"type":"object","properties":{"patternProperties":{"type":"string"},"minimum":{"type":"number"}},"required":["patternProperties","minimum"]}`,
			want: `{"type":"object","properties":{"patternProperties":{"type":"string"},"minimum":{"type":"number"}},"required":["patternProperties","minimum"],"additionalProperties":false}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Strict(json.RawMessage(tt.in), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
			again, _ := Strict(json.RawMessage(tt.in), tt.opts)
			if string(again) != string(got) {
				t.Fatal("not deterministic")
			}
			// Strict output is a fixed point.
			if fixed, err := Strict(got, tt.opts); err != nil || string(fixed) != string(got) {
				t.Fatalf("Strict(Strict(x)) = %s, %v", fixed, err)
			}
		})
	}
}

func TestStrictRefusals(t *testing.T) {
	tests := []struct {
		name string
		opts StrictOptions
		in   string
		ptr  string
	}{
		{"additionalProperties true", StrictOptions{}, `{"type":"object","properties":{"a":{"type":"object","additionalProperties":true}}}`, "/properties/a/additionalProperties"},
		{"additionalProperties schema", StrictOptions{}, `{"type":"object","additionalProperties":{"type":"string"}}`, "/additionalProperties"},
		{"patternProperties", StrictOptions{}, `{"type":"object","properties":{"m":{"type":"object","patternProperties":{"^x":{}}}}}`, "/properties/m/patternProperties"},
		{"if/then/else", StrictOptions{}, `{"type":"object","if":{"properties":{"a":{"const":1}}},"then":{}}`, "/if"},
		{"not", StrictOptions{}, `{"type":"object","properties":{"a":{"not":{"type":"null"}}}}`, "/properties/a/not"},
		{"dependentRequired", StrictOptions{}, `{"type":"object","dependentRequired":{"a":["b"]}}`, "/dependentRequired"},
		{"allOf in defs", StrictOptions{}, `{"type":"object","$defs":{"x~y/z":{"allOf":[{}]}}}`, "/$defs/x~0y~1z/allOf"},
		{"oneOf in array items", StrictOptions{}, `{"type":"object","properties":{"l":{"type":"array","items":{"oneOf":[{"type":"string"}]}}}}`, "/properties/l/items/oneOf"},
		{"unknown required", StrictOptions{}, `{"type":"object","properties":{"a":{"type":"string"}},"required":["a","zz"]}`, "/required/1"},
		{"remote ref", StrictOptions{}, `{"type":"object","properties":{"a":{"$ref":"other.json#/x"}}}`, "/properties/a/$ref"},
		{"dangling ref", StrictOptions{}, `{"type":"object","properties":{"a":{"$ref":"#/$defs/none"}}}`, "/properties/a/$ref"},
		{"boolean subschema", StrictOptions{}, `{"type":"object","properties":{"a":true}}`, "/properties/a"},
		{"tuple items", StrictOptions{}, `{"type":"array","items":[{"type":"string"}]}`, "/items"},
		{"root not object", StrictOptions{ObjectRoot: true}, `{"type":"array"}`, "/type"},
		{"root without type", StrictOptions{ObjectRoot: true}, `{"anyOf":[]}`, ""},
		{"keyword outside a custom set", StrictOptions{Keywords: StrictKeywords().Without("minimum")}, `{"type":"object","properties":{"n":{"type":"number","minimum":0}},"required":["n"]}`, "/properties/n/minimum"},
		{"nullable needs anyOf", StrictOptions{Keywords: StrictKeywords().Without("anyOf")}, `{"type":"object","properties":{"r":{"$ref":"#"}}}`, "/properties/r"},
		{"minProperties", StrictOptions{}, `{"type":"object","minProperties":1}`, "/minProperties"},
		{"anyOf beside properties", StrictOptions{}, `{"type":"object","properties":{"a":{"type":"string"}},"anyOf":[{"properties":{"b":{"type":"string"}}}]}`, "/anyOf"},
		{"ref beside properties", StrictOptions{}, `{"type":"object","properties":{"o":{"properties":{"a":{"type":"string"}},"$ref":"#/$defs/B"}},"$defs":{"B":{"type":"object"}}}`, "/properties/o/$ref"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Strict(json.RawMessage(tt.in), tt.opts)
			wantErr(t, err, tt.ptr)
		})
	}
}

// subsetCase is one case of Subset: the schema in, the keywords and the
// options, and what is wanted: the subset (TestSubset) or the pointer of
// the refusal (TestSubsetRefusals).
type subsetCase struct {
	name string
	kw   Keywords
	opts SubsetOptions
	in   string
	want string
}

// subset runs Subset on the case.
func (c subsetCase) subset() (json.RawMessage, error) {
	return Subset(json.RawMessage(c.in), c.kw, c.opts)
}

func TestSubset(t *testing.T) {
	gem := OpenAPIKeywords()
	tests := []subsetCase{
		{
			name: "refs inlined, defs removed, description beside ref overrides",
			kw:   gem,
			in:   `{"type":"object","properties":{"a":{"$ref":"#/$defs/A","description":"outer"},"b":{"$ref":"#/definitions/B"}},"$defs":{"A":{"type":"string","description":"inner"}},"definitions":{"B":{"type":"array","items":{"$ref":"#/$defs/A"}}}}`,
			want: `{"type":"object","properties":{"a":{"type":"string","description":"outer"},"b":{"type":"array","items":{"type":"string","description":"inner"}}}}`,
		},
		{
			name: "type list to nullable, const to enum, annotations dropped",
			kw:   gem.Without("title"),
			in:   `{"$schema":"x","title":"t","type":["integer","null"],"const":3,"$comment":"c","examples":[1]}`,
			want: `{"type":"integer","enum":[3],"nullable":true}`,
		},
		{
			name: "anyOf with null merged",
			kw:   gem,
			in:   `{"description":"d","anyOf":[{"type":"string","maxLength":3},{"type":"null"}]}`,
			want: `{"description":"d","type":"string","maxLength":3,"nullable":true}`,
		},
		{
			name: "annotated null branch",
			kw:   gem,
			in:   `{"anyOf":[{"type":"null","title":"none","description":"absent"},{"type":"string"}]}`,
			want: `{"type":"string","nullable":true}`,
		},
		{
			name: "anyOf with null and several branches",
			kw:   gem,
			in:   `{"anyOf":[{"type":"string"},{"type":"null"},{"type":"integer"}]}`,
			want: `{"anyOf":[{"type":"string","nullable":true},{"type":"integer","nullable":true}]}`,
		},
		{
			name: "anyOf single branch conflicting with outer keyword",
			kw:   gem,
			in:   `{"description":"d","anyOf":[{"type":"string","description":"inner"},{"type":"null"}]}`,
			want: `{"description":"d","anyOf":[{"type":"string","description":"inner","nullable":true}]}`,
		},
		{
			name: "additionalProperties true dropped, false dropped when allowed to",
			kw:   gem,
			opts: SubsetOptions{Closed: DropClosed},
			in:   `{"type":"object","additionalProperties":false,"properties":{"m":{"type":"object","additionalProperties":true}}}`,
			want: `{"type":"object","properties":{"m":{"type":"object"}}}`,
		},
		{
			name: "additionalProperties kept when allowed",
			kw:   gem.With("additionalProperties"),
			in:   `{"type":"object","additionalProperties":{"type":"string"}}`,
			want: `{"type":"object","additionalProperties":{"type":"string"}}`,
		},
		{
			name: "true schema becomes empty",
			kw:   gem,
			in:   `{"type":"object","properties":{"any":true}}`,
			want: `{"type":"object","properties":{"any":{}}}`,
		},
		{
			name: "enum and default values are not schemas",
			kw:   gem.Without("default"),
			in:   `{"type":"object","default":{"$ref":"#/nowhere","const":1},"enum":[{"$ref":"x"}]}`,
			want: `{"type":"object","enum":[{"$ref":"x"}]}`,
		},
		{
			name: "default kept verbatim when allowed",
			kw:   gem,
			in:   `{"type":"object","default":{"$ref":"#/nowhere","const":1}}`,
			want: `{"type":"object","default":{"$ref":"#/nowhere","const":1}}`,
		},
		{
			name: "diamond refs inlined twice",
			kw:   gem,
			in:   `{"type":"object","properties":{"a":{"$ref":"#/$defs/L"},"b":{"$ref":"#/$defs/L"}},"$defs":{"L":{"type":"array","items":{"$ref":"#/$defs/S"}},"S":{"type":"string"}}}`,
			want: `{"type":"object","properties":{"a":{"type":"array","items":{"type":"string"}},"b":{"type":"array","items":{"type":"string"}}}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.subset()
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
			again, _ := tt.subset()
			if string(again) != string(got) {
				t.Fatal("not deterministic")
			}
		})
	}
}

func TestSubsetRefusals(t *testing.T) {
	gem := OpenAPIKeywords()
	tests := []subsetCase{
		{"direct cycle", gem, SubsetOptions{}, `{"type":"object","properties":{"n":{"$ref":"#/$defs/N"}},"$defs":{"N":{"type":"object","properties":{"next":{"$ref":"#/$defs/N"}}}}}`, "/$defs/N/properties/next/$ref"},
		{"root cycle", gem, SubsetOptions{}, `{"type":"object","properties":{"kids":{"type":"array","items":{"$ref":"#"}}}}`, "/properties/kids/items/$ref"},
		{"additionalProperties false refused by default", gem, SubsetOptions{}, `{"type":"object","properties":{"o":{"type":"object","additionalProperties":false}}}`, "/properties/o/additionalProperties"},
		{"additionalProperties schema", gem, SubsetOptions{Closed: DropClosed}, `{"type":"object","additionalProperties":{"type":"integer"}}`, "/additionalProperties"},
		{"type list of two", gem, SubsetOptions{}, `{"type":"object","properties":{"x":{"type":["string","integer"]}}}`, "/properties/x/type"},
		{"null alone", gem, SubsetOptions{}, `{"type":["null"]}`, "/type"},
		{"null type string", gem, SubsetOptions{}, `{"type":"object","properties":{"z":{"type":"null"}}}`, "/properties/z/type"},
		{"oneOf", gem, SubsetOptions{}, `{"oneOf":[{"type":"string"}]}`, "/oneOf"},
		{"exclusiveMinimum in def reports def pointer", gem, SubsetOptions{}, `{"type":"object","properties":{"p":{"$ref":"#/$defs/P"}},"$defs":{"P":{"type":"number","exclusiveMinimum":0}}}`, "/$defs/P/exclusiveMinimum"},
		{"sibling beside ref", gem, SubsetOptions{}, `{"type":"object","properties":{"p":{"$ref":"#/$defs/P","minimum":1}},"$defs":{"P":{"type":"number"}}}`, "/properties/p/minimum"},
		{"remote ref", gem, SubsetOptions{}, `{"$ref":"https://example.com/s.json"}`, "/$ref"},
		{"false schema", gem, SubsetOptions{}, `{"type":"object","properties":{"never":false}}`, "/properties/never"},
		{"empty enum string", gem, SubsetOptions{NonEmptyEnumStrings: true}, `{"type":"string","enum":["a",""]}`, "/enum/1"},
		{"nullable not allowed", gem.Without("nullable"), SubsetOptions{}, `{"type":"object","properties":{"x":{"type":["string","null"]}}}`, "/properties/x"},
		{"const without enum", gem.Without("enum"), SubsetOptions{}, `{"const":1}`, "/const"},
		{"tuple items", gem, SubsetOptions{}, `{"type":"array","items":[{"type":"string"}]}`, "/items"},
		{"blow-up bounded", gem, SubsetOptions{MaxNodes: 50}, blowUp(8), "/$defs/d6/anyOf/1"},
		{"description not allowed nor dropped", gem.Without("description"), SubsetOptions{}, `{"type":"string","description":"d"}`, "/description"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.subset()
			wantErr(t, err, tt.want)
		})
	}
}

// blowUp returns a schema whose inlined form has 2^n leaves: d_i refers to
// d_{i+1} twice.
func blowUp(n int) string {
	var b strings.Builder
	b.WriteString(`{"$ref":"#/$defs/d0","$defs":{`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		next := `{"$ref":"#/$defs/d` + itoa(i+1) + `"}`
		if i == n-1 {
			next = `{"type":"string"}`
		}
		b.WriteString(`"d` + itoa(i) + `":{"anyOf":[` + next + `,` + next + `]}`)
	}
	b.WriteString(`}}`)
	return b.String()
}

func itoa(i int) string { return string(rune('0' + i)) }

func TestMoveToDescription(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{
			name: "appends in keyword order",
			in:   `{"type":"object","properties":{"n":{"maximum":10,"type":"integer","minimum":1,"description":"Count."},"s":{"type":"string","maxLength":20},"l":{"type":"array","items":{"type":"number","multipleOf":0.5},"minItems":2,"uniqueItems":true,"description":"List "}}}`,
			want: `{"type":"object","properties":{"n":{"type":"integer","description":"Count. Constraints: minimum 1, maximum 10."},"s":{"type":"string","description":"Constraints: maxLength 20."},"l":{"type":"array","items":{"type":"number","description":"Constraints: multipleOf 0.5."},"description":"List Constraints: minItems 2, uniqueItems true."}}}`,
		},
		{
			name: "no constraints: unchanged",
			in:   `{"type":"object","properties":{"minimum":{"type":"string"}}}`,
			want: `{"type":"object","properties":{"minimum":{"type":"string"}}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MoveToDescription(json.RawMessage(tt.in), BoundKeywords())
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
	_, err := MoveToDescription(json.RawMessage(`{"properties":{"a":{"description":1,"minimum":1}}}`), BoundKeywords())
	wantErr(t, err, "/properties/a/description")
}

func TestMoveThenStrict(t *testing.T) {
	in := `{"type":"object","properties":{"n":{"type":"integer","minimum":1}}}`
	moved, err := MoveToDescription(json.RawMessage(in), BoundKeywords())
	if err != nil {
		t.Fatal(err)
	}
	got, err := Strict(moved, StrictOptions{Keywords: StrictKeywords().Without(BoundKeywords()...), ObjectRoot: true})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"object","properties":{"n":{"type":["integer","null"],"description":"Constraints: minimum 1."}},"required":["n"],"additionalProperties":false}`
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func FuzzTransforms(f *testing.F) {
	f.Add([]byte(`{"type":"object","properties":{"a":{"$ref":"#/$defs/A"}},"$defs":{"A":{"type":["string","null"]}}}`))
	f.Add([]byte(`{"anyOf":[{"type":"null"},{"const":1}],"minimum":2}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, run := range []func() (json.RawMessage, error){
			func() (json.RawMessage, error) { return Strict(b, StrictOptions{}) },
			func() (json.RawMessage, error) {
				return Subset(b, OpenAPIKeywords(), SubsetOptions{Closed: DropClosed})
			},
			func() (json.RawMessage, error) { return MoveToDescription(b, BoundKeywords()) },
		} {
			out, err := run()
			if err != nil {
				if abi.CodeOf(err) != abi.CodeSchemaUnsupported {
					t.Fatalf("error without schema_unsupported: %v", err)
				}
				continue
			}
			if !json.Valid(out) {
				t.Fatalf("invalid JSON output %q", out)
			}
		}
	})
}

const benchSchema = `{"type":"object","properties":{"city":{"type":"string","description":"City"},"days":{"type":"integer","minimum":1,"maximum":14},"units":{"enum":["c","f"]},"opts":{"$ref":"#/$defs/Opts"}},"required":["city"],"$defs":{"Opts":{"type":"object","properties":{"hourly":{"type":["boolean","null"]}}}}}`

func BenchmarkStrict(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Strict(json.RawMessage(benchSchema), StrictOptions{ObjectRoot: true}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSubset(b *testing.B) {
	kw := OpenAPIKeywords()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Subset(json.RawMessage(benchSchema), kw, SubsetOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
