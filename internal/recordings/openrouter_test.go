package recordings_test

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/adapters-wasm/openrouter"
)

func TestOpenRouterCases(t *testing.T) { familyGolden(t, "openrouter", openrouter.New(), 6) }

func TestOpenRouterRecordings(t *testing.T) {
	familyRecordings(t, "openrouter", "openrouter", openrouter.New(), nil)
}
