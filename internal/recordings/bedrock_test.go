package recordings_test

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/adapters-wasm/bedrock"
)

// TestBedrockCases runs the golden cases of testdata/bedrock natively.
func TestBedrockCases(t *testing.T) { nativeCases(t, "bedrock", bedrock.New()) }

// TestBedrockRecordings replays every bedrock recording in ../shared and
// compares the events with testdata/bedrock/recordings.
func TestBedrockRecordings(t *testing.T) { nativeRecordings(t, "bedrock", "bedrock", bedrock.New()) }
