package guesttest

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// featuresAdapter reports the features f gives each model (none for any
// other).
type featuresAdapter struct {
	guest.Adapter
	f map[string]abi.Features
}

func (a featuresAdapter) Capabilities(model string) abi.Capabilities {
	return abi.Capabilities{Features: a.f[model]}
}

// kit reports a reasoning model "r" with JSON mode from its table, and a
// vision model "v" without tools of an unknown source.
var kit = featuresAdapter{f: map[string]abi.Features{
	"r": {Source: abi.SourceTable, Reasoning: true, ToolCalling: abi.SupportNative, StructuredOutput: abi.SupportJSONMode},
	"v": {Source: abi.SourceUnknown, Vision: true, ToolCalling: abi.SupportNone, StructuredOutput: abi.SupportNone},
}}

// wantFailure checks that check fails t exactly when fail is set.
func wantFailure(t *testing.T, name string, fail bool, check func(tb testing.TB)) {
	t.Helper()
	if msg := fails(t, check); (msg != "") != fail {
		t.Errorf("%s: failure %q, want failure %v", name, msg, fail)
	}
}

func TestSources(t *testing.T) {
	for name, tc := range map[string]struct {
		want map[string]string
		fail bool
	}{
		"same":          {map[string]string{"r": abi.SourceTable, "v": abi.SourceUnknown, "": ""}, false},
		"other source":  {map[string]string{"r": abi.SourceFamily}, true},
		"one of two":    {map[string]string{"r": abi.SourceTable, "v": abi.SourceTable}, true},
		"none reported": {map[string]string{"": abi.SourceUnknown}, true},
	} {
		wantFailure(t, name, tc.fail, func(tb testing.TB) { Sources(tb, kit, tc.want) })
	}
}

func TestModelTraits(t *testing.T) {
	for name, tc := range map[string]struct {
		want map[string]Traits
		fail bool
	}{
		"all four":   {map[string]Traits{"r": {Reasoning: true, Tools: abi.SupportNative, Structured: abi.SupportJSONMode}, "v": {Vision: true, Tools: abi.SupportNone, Structured: abi.SupportNone}}, false},
		"flags only": {map[string]Traits{"r": {Reasoning: true}, "v": {Vision: true}}, false},
		"reasoning":  {map[string]Traits{"r": {}}, true},
		"vision":     {map[string]Traits{"v": {}}, true},
		"tools":      {map[string]Traits{"r": {Reasoning: true, Tools: abi.SupportNone}}, true},
		"structured": {map[string]Traits{"v": {Vision: true, Structured: abi.SupportNative}}, true},
	} {
		wantFailure(t, name, tc.fail, func(tb testing.TB) { ModelTraits(tb, kit, tc.want) })
	}
}
