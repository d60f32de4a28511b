// Package sdktest drives the gateway with the official OpenAI and
// Anthropic Go SDKs, in a module of its own so that the main module gains
// no dependency on them. Every test runs against sdkgateway: the gateway in
// front of the recorded loopback provider.
package sdktest

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/gateway/sdktest/sdkgateway"
)

const demoCases = "../../cmd/wasmrun/testdata/demo"

// weatherAnswer is the recorded answer to the tool results.
const weatherAnswer = "It's 14 °C and cloudy in Paris, and 19 °C with clear skies in Tokyo."

// toolResults are the results the tests send back, by city.
var toolResults = map[string]string{"Paris": `{"temp_c":14,"sky":"cloudy"}`, "Tokyo": `{"temp_c":19,"sky":"clear"}`}

func start(t *testing.T) *sdkgateway.Gateway {
	t.Helper()
	if _, err := os.Stat(demoCases); err != nil {
		t.Fatalf("the demo cases are missing: %v", err)
	}
	g, err := sdkgateway.Start(context.Background(), demoCases, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	return g
}

// cityOf returns the city a get_weather argument object names.
func cityOf(t *testing.T, args string) string {
	t.Helper()
	for c := range toolResults {
		if strings.Contains(args, `"`+c+`"`) {
			return c
		}
	}
	t.Fatalf("tool arguments %s name neither Paris nor Tokyo", args)
	return ""
}

var weatherSchema = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"city": map[string]any{"type": "string"},
		"unit": map[string]any{"type": "string"},
	},
	"required": []string{"city"},
}

// errorCase is one error the SDK tests provoke and the status and error
// type the SDK's typed error must carry for it.
type errorCase struct {
	name, key, model string
	stream           bool
	status           int
	errType          string
}

// errorCases are the errors every SDK client must see typed: gateway
// errors (unknown model, wrong key) and an upstream one (the provider's
// rate limit), unary and streamed.
var errorCases = []errorCase{
	{"unknown model", sdkgateway.Key, "nope", false, http.StatusNotFound, "not_found_error"},
	{"wrong key", "wrong", sdkgateway.Model, false, http.StatusUnauthorized, "authentication_error"},
	{"upstream rate limit", sdkgateway.Key, sdkgateway.LimitedModel, false, http.StatusTooManyRequests, "rate_limit_error"},
	{"upstream rate limit streamed", sdkgateway.Key, sdkgateway.LimitedModel, true, http.StatusTooManyRequests, "rate_limit_error"},
}
