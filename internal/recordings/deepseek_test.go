package recordings_test

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/adapters-wasm/deepseek"
)

func TestDeepSeekCases(t *testing.T) { familyGolden(t, "deepseek", deepseek.New(), 6) }

func TestDeepSeekRecordings(t *testing.T) {
	familyRecordings(t, "deepseek", "deepseek", deepseek.New(), nil)
}
