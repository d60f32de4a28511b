package guesttest

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// sourceAdapter reports source table for the model "m", unknown for any
// other and none for "".
type sourceAdapter struct{ guest.Adapter }

func (sourceAdapter) Capabilities(model string) abi.Capabilities {
	var c abi.Capabilities
	switch model {
	case "":
	case "m":
		c.Features.Source = abi.SourceTable
	default:
		c.Features.Source = abi.SourceUnknown
	}
	return c
}

func TestSources(t *testing.T) {
	for _, tc := range []struct {
		name string
		want map[string]string
		fail bool
	}{
		{"same", map[string]string{"m": abi.SourceTable, "x": abi.SourceUnknown, "": ""}, false},
		{"other source", map[string]string{"m": abi.SourceFamily}, true},
		{"one of two", map[string]string{"m": abi.SourceTable, "x": abi.SourceTable}, true},
		{"none reported", map[string]string{"": abi.SourceUnknown}, true},
	} {
		msg := fails(t, func(tb testing.TB) { Sources(tb, sourceAdapter{}, tc.want) })
		if (msg != "") != tc.fail {
			t.Errorf("%s: failure %q, want failure %v", tc.name, msg, tc.fail)
		}
	}
}
