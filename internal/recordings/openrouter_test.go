package recordings_test

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/adapters-wasm/openrouter"
)

func TestOpenRouterRecordings(t *testing.T) {
	familyRecordings(t, "openrouter", "openrouter", openrouter.New(), nil)
}
