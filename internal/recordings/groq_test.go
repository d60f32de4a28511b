package recordings_test

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/adapters-wasm/groq"
)

func TestGroqRecordings(t *testing.T) {
	familyRecordings(t, "groq", "groq", groq.New(), nil)
}
