package recordings_test

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/adapters-wasm/deepseek"
)

func TestDeepSeekRecordings(t *testing.T) {
	familyRecordings(t, "deepseek", "deepseek", deepseek.New(), nil)
}
