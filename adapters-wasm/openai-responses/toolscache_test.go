package openairesponses

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

// TestToolsCache checks that a tools block served from the cache is the
// one projected afresh, and that a refused block is not cached.
func TestToolsCache(t *testing.T) {
	user := `"messages":[{"role":"user","content":"hi"}]`
	tools := `"tools":[{"name":"f","description":"cached <tool>","parameters":{"type":"object","properties":{"a":{"type":"string"}}},"strict":true}]`
	r := guesttest.ProjectTwice(t, New(), `{"model":"gpt-4.1-mini",`+user+`,`+tools+`}`)
	if key, block := cachedTools(r.Tools); key == nil || block == nil {
		t.Fatal("the tools block was not cached")
	}
	bad := `{"model":"gpt-4.1-mini",` + user + `,"tools":[{"name":"f","parameters":{"type":"object","oneOf":[]},"strict":true}]}`
	for range 2 {
		guesttest.ProjectError(t, New(), bad, abi.CodeSchemaUnsupported, "/tools/0/parameters/oneOf")
	}
}
