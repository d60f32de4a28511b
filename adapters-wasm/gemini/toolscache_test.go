package gemini

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

// TestToolsCache checks that function declarations served from the cache
// are the ones projected afresh, and that the schema dialect is part of
// the key: a schema accepted as JSON Schema and cached is still refused
// when the same tools are sent in OpenAPI mode.
func TestToolsCache(t *testing.T) {
	user := `"messages":[{"role":"user","content":"hi"}]`
	tools := `"tools":[{"name":"f","description":"cached","parameters":{"type":"object","properties":{"a":{"type":"integer","exclusiveMinimum":0}}}}]`
	r := guesttest.ProjectTwice(t, New(), `{"model":"gemini-2.5-flash",`+user+`,`+tools+`}`)
	if _, ok := toolsCache.Get(guest.ToolsKey(nil, "json-schema", r.Tools)); !ok {
		t.Fatal("the declarations were not cached")
	}
	guesttest.ProjectError(t, New(), `{"model":"gemini-2.5-flash",`+user+`,"provider_options":{"schema_mode":"openapi"},`+tools+`}`,
		abi.CodeSchemaUnsupported, "/tools/0/parameters/properties/a/exclusiveMinimum")
}
