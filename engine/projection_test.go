package engine

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// jsonProjection is the provider request as a module of ABI 1.4 returns
// it: guest.AppendProviderRequest's JSON, or json.Marshal's when that
// refuses the body (the Dispatcher's fallback); a json.Marshal error is
// the module's ERROR result, returned as such.
func jsonProjection(pr *abi.ProviderRequest) ([]byte, *abi.Error) {
	if b, ok := guest.AppendProviderRequest(nil, pr); ok {
		return b, nil
	}
	b, err := json.Marshal(pr)
	if err != nil {
		return nil, &abi.Error{Code: abi.CodeInvalidRequest, Message: err.Error()}
	}
	return b, nil
}

// splitProjection is the same request in the split form of ABI 1.5.
func splitProjection(pr *abi.ProviderRequest) []byte {
	b, _ := guest.AppendSplitProviderRequest(nil, nil, pr)
	return b
}

// TestDecodeProjection: a split projection decodes to exactly the provider
// request the JSON projection of the same request gives (the body
// compacted and HTML-escaped as the module compacted it), a body that is
// not JSON is the module's invalid_request, as the module's own fallback
// reported it, and a malformed split payload, or one from a module older
// than 1.5, is adapter_bad_output.
func TestDecodeProjection(t *testing.T) {
	base := func(body string) *abi.ProviderRequest {
		return &abi.ProviderRequest{Method: "POST", Path: "/v1/x", Headers: map[string]string{"b": "2", "a": "<1>"},
			Query: map[string]string{"q": "v"}, Body: json.RawMessage(body), StreamFraming: abi.FramingSSE}
	}
	same := []struct {
		name string
		pr   *abi.ProviderRequest
	}{
		{"compact body", base(`{"model":"m","n":1}`)},
		{"body with whitespace and HTML", base(" {\n \"a\" : [1, 2],\t\"s\": \"<b>&\u2028\" }\n")},
		{"escapes kept", base(`{"s":"\"\\\u003c\ud83d\ude00"}`)},
		{"scalar body", base(`"text"`)},
		{"no body", base(``)},
		{"no query or headers", &abi.ProviderRequest{Method: "GET", Path: "/m", StreamFraming: abi.FramingNone, Body: json.RawMessage(`[]`)}},
	}
	for _, c := range same {
		t.Run(c.name, func(t *testing.T) {
			want, werr := jsonProjection(c.pr)
			if werr != nil {
				t.Fatal(werr)
			}
			w, err := decodeProjection(want, false)
			if err != nil {
				t.Fatal(err)
			}
			got, err := decodeProjection(splitProjection(c.pr), true)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, w) {
				t.Errorf("split projection decodes to\n%+v (body %s)\nthe JSON one to\n%+v (body %s)", got, got.Body, w, w.Body)
			}
		})
	}

	bad := []struct {
		name    string
		payload []byte
		split   bool
		code    abi.Code
	}{
		{"body not JSON", splitProjection(base(`{"a":`)), true, abi.CodeInvalidRequest},
		{"two values", splitProjection(base(`{} {}`)), true, abi.CodeInvalidRequest},
		{"split from a 1.4 module", splitProjection(base(`{}`)), false, abi.CodeAdapterBadOutput},
		{"head length past the payload", []byte{abi.SplitProjection, 0xff, 0, 0, 0, '{', '}'}, true, abi.CodeAdapterBadOutput},
		{"truncated length", []byte{abi.SplitProjection, 2, 0}, true, abi.CodeAdapterBadOutput},
		{"head not JSON", abi.AppendSplitProjection(nil, []byte(`{"method":`), []byte(`{}`)), true, abi.CodeAdapterBadOutput},
		{"head with a body", abi.AppendSplitProjection(nil, []byte(`{"method":"POST","path":"/x","body":{},"stream_framing":"sse"}`), []byte(`{}`)), true, abi.CodeAdapterBadOutput},
		{"head breaks the contract", abi.AppendSplitProjection(nil, []byte(`{"method":"post","path":"/x","stream_framing":"sse"}`), []byte(`{}`)), true, abi.CodeAdapterBadOutput},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, err := decodeProjection(c.payload, c.split)
			var own *guestError
			if errors.As(err, &own) {
				err = own.err
			}
			if abi.CodeOf(err) != c.code {
				t.Fatalf("error %v, want %s", err, c.code)
			}
			if c.code == abi.CodeInvalidRequest && own == nil {
				t.Errorf("%v is not the module's own error", err)
			}
		})
	}
}

// FuzzSplitProjection: for any body, the split projection gives what the
// JSON projection gives: the same provider request, or the same
// invalid_request error.
func FuzzSplitProjection(f *testing.F) {
	for _, s := range []string{`{"a":1}`, " [1, \"<\u2028>\" ]", `{"a":`, `"\u00`, "\xff", `1e5`, `{"a":{"b":[[]]}}`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		pr := &abi.ProviderRequest{Method: "POST", Path: "/x", Body: body, StreamFraming: abi.FramingSSE}
		want, werr := jsonProjection(pr)
		var w *abi.ProviderRequest
		if werr == nil {
			var err error
			if w, err = decodeProjection(want, false); err != nil {
				// The module's JSON did not decode: a body guest/jsonx
				// accepts and encoding/json does not. The split form
				// refuses it at json.Marshal.
				werr = &abi.Error{Code: abi.CodeInvalidRequest}
			}
		}
		got, err := decodeProjection(splitProjection(pr), true)
		var own *guestError
		if errors.As(err, &own) {
			err = own.err
		}
		if werr != nil || err != nil {
			if werr == nil || err == nil || abi.CodeOf(err) != abi.CodeInvalidRequest {
				t.Fatalf("body %q: JSON projection error %v, split projection error %v", body, werr, err)
			}
			if werr.Message != "" && werr.Message != err.(*abi.Error).Message {
				t.Fatalf("body %q: JSON projection error %q, split projection error %q", body, werr.Message, err.(*abi.Error).Message)
			}
			return
		}
		if !reflect.DeepEqual(got, w) {
			t.Fatalf("body %q: split projection %+v (body %s), JSON projection %+v (body %s)", body, got, got.Body, w, w.Body)
		}
	})
}

// exportsOnly is a compiledModule that only lists exports.
type exportsOnly struct {
	compiledModule
	ex map[string]funcSig
}

func (e exportsOnly) exports() map[string]funcSig { return e.ex }

// TestTapesRequestsByVersion: only a module of ABI 1.5 or later that
// exports abi.ExportRequestTapeMarker with no parameters and results gets
// taped requests; native modules never do.
func TestTapesRequestsByVersion(t *testing.T) {
	marker := map[string]funcSig{abi.ExportRequestTapeMarker: {}}
	for _, c := range []struct {
		name    string
		version uint32
		ex      map[string]funcSig
		native  bool
		want    bool
	}{
		{"1.5 with the marker", abi.PackVersion(1, 5, 0), marker, false, true},
		{"1.6 with the marker", abi.PackVersion(1, 6, 0), marker, false, true},
		{"1.4 with the marker", abi.PackVersion(1, 4, 0), marker, false, false},
		{"1.5 without it", abi.PackVersion(1, 5, 0), map[string]funcSig{abi.ExportTapeMarker: {}}, false, false},
		{"1.5, marker of another signature", abi.PackVersion(1, 5, 0), map[string]funcSig{abi.ExportRequestTapeMarker: {results: []valType{valI32}}}, false, false},
		{"native", abi.Version, nil, true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := &module{abiVersion: c.version}
			if !c.native {
				m.compiled = exportsOnly{ex: c.ex}
			}
			if got := m.tapesRequests(); got != c.want {
				t.Errorf("tapesRequests() = %v, want %v", got, c.want)
			}
		})
	}
}
