// Package hostedtest is the table-driven test kit of the hosted dialects:
// projection rules (a request and the error code it must get, or strings
// its body must and must not hold), model features, and the usage readers
// of any Chat Completions dialect. It is imported only by tests.
package hostedtest

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

// Rule is one projection case: Req is a normalized request (JSON); with
// Code set, projection must fail with it (capability_unsupported naming the
// model); else the body must hold every string of Has and none of Not, and
// the path must be Path when set.
type Rule struct {
	Name string
	Req  string
	Code abi.Code
	Has  []string
	Not  []string
	Path string
}

// Rules runs each rule through a's projection.
func Rules(t *testing.T, a guest.Adapter, rules []Rule) {
	t.Helper()
	for _, r := range rules {
		t.Run(r.Name, func(t *testing.T) {
			req := guesttest.Request(t, r.Req)
			pr, err := a.Project(req)
			if r.Code != "" {
				if abi.CodeOf(err) != r.Code || (r.Code == abi.CodeCapabilityUnsupported && !strings.Contains(err.Error(), req.Model)) {
					t.Fatalf("err = %v, want %s naming %s", err, r.Code, req.Model)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Path != "" && pr.Path != r.Path {
				t.Errorf("path %s, want %s", pr.Path, r.Path)
			}
			guesttest.BodyHas(t, pr.Body, r.Has, r.Not)
		})
	}
}

// Features checks the capabilities a reports for each model. The models
// listed are models a knows: a want without a Source accepts "table" or
// "family".
func Features(t *testing.T, a guest.Adapter, want map[string]abi.Features) {
	t.Helper()
	for model, f := range want {
		got := a.Capabilities(model).Features
		if f.Source == "" && (got.Source == abi.SourceTable || got.Source == abi.SourceFamily) {
			f.Source = got.Source
		}
		if got != f {
			t.Errorf("%s: got %+v, want %+v", model, got, f)
		}
	}
}

// With returns the default chat features changed by fn.
func With(base abi.Features, fn func(f *abi.Features)) abi.Features {
	fn(&base)
	return base
}

// UsageCase is one case of Usages: a usage object (JSON) and the usage it
// must read as.
type UsageCase struct {
	In   string
	Want abi.Usage
}

// Usages runs read, a dialect's usage reader (chatcompletions.Dialect's
// Usage), on each named case, in sorted order.
func Usages(t *testing.T, read func(b []byte, u *abi.Usage) error, cases map[string]UsageCase) {
	t.Helper()
	for _, name := range slices.Sorted(maps.Keys(cases)) {
		c := cases[name]
		var u abi.Usage
		if err := read([]byte(c.In), &u); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if u != c.Want {
			t.Errorf("%s: got %+v, want %+v", name, u, c.Want)
		}
	}
}
