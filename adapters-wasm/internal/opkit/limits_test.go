package opkit

import (
	"slices"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

func TestFindLimit(t *testing.T) {
	limits := []Limit{{"line-mini", 100, 10}, {"line", 200, 20}}
	for _, tc := range []struct {
		model string
		want  Limit
		ok    bool
	}{
		{"line", limits[1], true},
		{"line-mini", limits[0], true},
		{"line-mini-2025-01-01", limits[0], true},
		{"LINE-2025", limits[1], true},
		{"line2", Limit{}, false},
		{"other", Limit{}, false},
		{"", Limit{}, false},
	} {
		got, ok := FindLimit(limits, tc.model)
		if got != tc.want || ok != tc.ok {
			t.Errorf("FindLimit(%q) = %v, %v; want %v, %v", tc.model, got, ok, tc.want, tc.ok)
		}
	}
}

func TestLimitDetails(t *testing.T) {
	l := Limit{"x", 1000, 100}
	for _, tc := range []struct {
		in, want []string
	}{
		{nil, []string{abi.ModalityText}},
		{[]string{abi.ModalityText, abi.ModalityImage}, []string{abi.ModalityText, abi.ModalityImage}},
	} {
		d := l.Details(tc.in...)
		if d.ContextWindow != 1000 || d.MaxOutputTokens != 100 || !slices.Equal(d.InputModalities, tc.want) || d.Sampling != nil || d.Reasoning != nil {
			t.Errorf("Details(%v) = %+v", tc.in, d)
		}
		if len(tc.in) > 0 {
			d.InputModalities[0] = "changed"
			if tc.in[0] == "changed" {
				t.Errorf("Details(%v) shares the caller's slice", tc.in)
			}
		}
	}
}
