package wirejson

import (
	"encoding/json"
	"math"
	"testing"
)

var floats = []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 0.7, 1.5e-7, 1e-6, 9.99e-7, 123456789, 1e20, 1e21, 1.234e21, -2.5e-10, math.MaxFloat64, math.SmallestNonzeroFloat64}

func checkFloat(t *testing.T, f float64) {
	t.Helper()
	want, err := json.Marshal(f)
	got, ok := Float([]byte("x"), f)
	if err != nil {
		if ok {
			t.Errorf("Float(%v) = %s, json.Marshal refuses it: %v", f, got, err)
		}
		return
	}
	if !ok || string(got) != "x"+string(want) {
		t.Errorf("Float(%v) = %s, %v; json.Marshal = %s", f, got, ok, want)
	}
}

// TestFloat compares Float with json.Marshal, NaN and infinities included.
func TestFloat(t *testing.T) {
	for _, f := range append(floats, math.NaN(), math.Inf(1), math.Inf(-1)) {
		checkFloat(t, f)
	}
}

// FuzzFloat is TestFloat on arbitrary float64 values.
func FuzzFloat(f *testing.F) {
	for _, v := range floats {
		f.Add(v)
	}
	f.Fuzz(checkFloat)
}

// TestMembers checks the member writers against json.Marshal of a struct
// with the same fields.
func TestMembers(t *testing.T) {
	type v struct {
		A string          `json:"a"`
		B string          `json:"b,omitempty"`
		C []string        `json:"c"`
		D json.RawMessage `json:"d"`
	}
	for _, s := range []string{"", "<x> & \"y\"\n"} {
		want, _ := json.Marshal(v{A: s, B: s, C: []string{s, "z"}, D: json.RawMessage(" [ 1 , \"<\" ] ")})
		got := append([]byte("{"), nil...)
		got = StrOmit(Str(got, "a", s, true), "b", s, true)
		got = Strings(Key(got, "c"), []string{s, "z"}, true)
		got = append(Raw(got, "d", []byte(" [ 1 , \"<\" ] "), true), '}')
		if string(got) != string(want) {
			t.Errorf("members of %q: %s, json.Marshal %s", s, got, want)
		}
	}
}
