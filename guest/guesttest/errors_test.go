package guesttest

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

func TestNamedErrors(t *testing.T) {
	NamedErrors(t, mapper{}, map[string]ErrorCase{
		"match":       {Status: 429, Body: "b", Code: abi.CodeRateLimited, Retryable: true, Msg: "slow: b"},
		"server":      {Status: 500, Code: abi.CodeServerError, Msg: "x"},
		"another 429": {Status: 429, Code: abi.CodeRateLimited, Retryable: true},
	})
}
