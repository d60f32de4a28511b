package host_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/host"
)

type weatherArgs struct {
	City string `json:"city" jsonschema:"description=City name,minLength=1"`
	Unit string `json:"unit,omitempty" jsonschema:"enum=celsius,enum=fahrenheit"`
}

type weatherResult struct {
	City  string  `json:"city"`
	TempC float64 `json:"temp_c"`
}

func TestNewToolSchemaAndDecoding(t *testing.T) {
	tool := host.NewTool("get_weather", "Weather for a city.", func(ctx context.Context, c host.ToolCall, a weatherArgs) (weatherResult, error) {
		if a.City == "Atlantis" {
			return weatherResult{}, errors.New("no such city")
		}
		return weatherResult{City: a.City, TempC: 21.5}, nil
	})
	var schema map[string]any
	if err := json.Unmarshal(tool.Parameters, &schema); err != nil {
		t.Fatal(err)
	}
	want := `{"additionalProperties":false,"properties":{"city":{"description":"City name","minLength":1,"type":"string"},"unit":{"enum":["celsius","fahrenheit"],"type":"string"}},"required":["city"],"type":"object"}`
	if got, _ := json.Marshal(schema); string(got) != want {
		t.Errorf("schema = %s\nwant     %s", got, want)
	}
	reg, err := host.NewToolRegistry(tool)
	if err != nil {
		t.Fatal(err)
	}
	if err := reg.Validate("get_weather", json.RawMessage(`{"city":"Paris","unit":"kelvin"}`)); !errors.Is(err, abi.ErrToolArgumentsInvalid) {
		t.Errorf("enum not enforced: %v", err)
	}
	out, err := tool.Func(context.Background(), host.ToolCall{ID: "c1"}, json.RawMessage(`{"city":"Paris"}`))
	if err != nil || out.String() != `{"city":"Paris","temp_c":21.5}` {
		t.Errorf("result %q, %v", out.String(), err)
	}
	if _, err := tool.Func(context.Background(), host.ToolCall{}, json.RawMessage(`{"city":"Atlantis"}`)); err == nil || !strings.Contains(err.Error(), "no such city") {
		t.Errorf("handler error lost: %v", err)
	}
}

func TestNewToolTextResultAndNonObjectArgs(t *testing.T) {
	echo := host.NewTool("echo", "", func(ctx context.Context, c host.ToolCall, a struct {
		Say string `json:"say"`
	}) (string, error) {
		return c.ID + ":" + a.Say, nil
	})
	out, err := echo.Func(context.Background(), host.ToolCall{ID: "x"}, json.RawMessage(`{"say":"hi"}`))
	if err != nil || out.String() != "x:hi" || out.JSON != nil {
		t.Errorf("result %+v, %v", out, err)
	}
	bad := host.NewTool("bad", "", func(ctx context.Context, c host.ToolCall, a []string) (string, error) { return "", nil })
	if _, err := host.NewToolRegistry(bad); err == nil {
		t.Error("a tool whose arguments are not an object was registered")
	}
}
