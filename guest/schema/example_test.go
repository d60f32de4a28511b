package schema_test

import (
	"errors"
	"fmt"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest/schema"
)

func ExampleStrict() {
	out, err := schema.Strict([]byte(`{"type":"object","properties":{"q":{"type":"string"},"n":{"type":"integer"}},"required":["q"]}`),
		schema.StrictOptions{ObjectRoot: true})
	fmt.Println(string(out), err)

	_, err = schema.Strict([]byte(`{"type":"object","properties":{"m":{"type":"object","additionalProperties":true}}}`), schema.StrictOptions{})
	var e *abi.Error
	if errors.As(err, &e) {
		fmt.Println(e.Code, e.Pointer)
	}
	// Output:
	// {"type":"object","properties":{"q":{"type":"string"},"n":{"type":["integer","null"]}},"required":["q","n"],"additionalProperties":false} <nil>
	// schema_unsupported /properties/m/additionalProperties
}

func ExampleSubset() {
	out, err := schema.Subset([]byte(`{"type":"object","properties":{"when":{"$ref":"#/$defs/D"}},"$defs":{"D":{"type":["string","null"],"format":"date-time"}}}`),
		schema.OpenAPIKeywords(), schema.SubsetOptions{})
	fmt.Println(string(out), err)
	// Output:
	// {"type":"object","properties":{"when":{"type":"string","format":"date-time","nullable":true}}} <nil>
}
