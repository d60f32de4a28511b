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

func TestProjectErrors(t *testing.T) {
	ProjectErrors(t, mapper{}, map[string]Refusal{
		"bad model": {Req: `{"model":"bad"}`, Code: abi.CodeInvalidRequest, Pointer: "/model"},
	})
	msg := fails(t, func(tb testing.TB) {
		ProjectError(tb, mapper{}, `{"model":"good"}`, abi.CodeInvalidRequest, "/model")
	})
	if msg == "" {
		t.Error("a projection that succeeds passed as a refusal")
	}
}
