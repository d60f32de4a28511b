package recordings_test

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/adapters-wasm/groq"
)

func TestGroqCases(t *testing.T) { familyGolden(t, "groq", groq.New(), 6) }

func TestGroqRecordings(t *testing.T) {
	familyRecordings(t, "groq", "groq", groq.New(), nil)
}
