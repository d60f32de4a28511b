package guest

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

func TestToolArguments(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"", "{}", true},
		{" \n\t\r", "{}", true},
		{`{"a":1}`, `{"a":1}`, true},
		{` {"a":1} `, ` {"a":1} `, true},
		{`{"a":`, "", false},
		{`[1]`, "", false},
		{`"{}"`, "", false},
		{`null`, "", false},
		{`{"a":1}x`, "", false},
	}
	for _, tt := range tests {
		got, ok := ToolArguments([]byte(tt.in))
		if ok != tt.ok || (ok && string(got) != tt.want) {
			t.Errorf("ToolArguments(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	// The shared {} cannot be grown into by its callers.
	got, _ := ToolArguments(nil)
	_ = append(got, 'x')
	if string(emptyObject) != "{}" {
		t.Fatalf("emptyObject changed to %q", emptyObject)
	}
}

func TestErrors(t *testing.T) {
	e := Invalid("/tools/0/name", "a tool needs a %s", "name")
	if e.Code != abi.CodeInvalidRequest || e.Pointer != "/tools/0/name" || e.Message != "a tool needs a name" {
		t.Errorf("Invalid = %+v", e)
	}
	e = Unsupported("/n", "n = %d", 2)
	if e.Code != abi.CodeCapabilityUnsupported || e.Pointer != "/n" || e.Message != "n = 2" {
		t.Errorf("Unsupported = %+v", e)
	}
	e = ModelUnsupported("groq", "m", "vision", "remove the images")
	if want := `groq model "m" does not support vision: remove the images`; e.Message != want || e.Pointer != "" {
		t.Errorf("ModelUnsupported = %+v, want message %q", e, want)
	}
}

func TestPointerToken(t *testing.T) {
	for in, want := range map[string]string{"a": "a", "a/b": "a~1b", "~": "~0", "~/": "~0~1", "": ""} {
		if got := PointerToken(in); got != want {
			t.Errorf("PointerToken(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStatusCode(t *testing.T) {
	tests := []struct {
		status, overloaded int
		code               abi.Code
		retryable          bool
	}{
		{400, 503, abi.CodeInvalidRequest, false},
		{401, 503, abi.CodeAuthentication, false},
		{403, 503, abi.CodePermission, false},
		{404, 503, abi.CodeNotFound, false},
		{422, 503, abi.CodeInvalidRequest, false},
		{429, 503, abi.CodeRateLimited, true},
		{503, 503, abi.CodeOverloaded, true},
		{503, 529, abi.CodeServerError, true},
		{529, 529, abi.CodeOverloaded, true},
		{500, 503, abi.CodeServerError, true},
		{0, 503, abi.CodeInvalidRequest, false},
	}
	for _, tt := range tests {
		if code, retryable := StatusCode(tt.status, tt.overloaded); code != tt.code || retryable != tt.retryable {
			t.Errorf("StatusCode(%d, %d) = %s, %v; want %s, %v", tt.status, tt.overloaded, code, retryable, tt.code, tt.retryable)
		}
	}
}
