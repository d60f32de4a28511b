package guesttest_test

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/guest/guesttest"
)

func TestMerge(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"runs of deltas merge", guesttest.JoinLines(
			`{"type":"text-delta","text":"a"}`, `{"type":"text-delta","text":"b"}`,
			`{"type":"reasoning-delta","text":"r"}`, `{"type":"reasoning-delta","text":"s"}`,
			`{"type":"text-delta","text":"c"}`),
			guesttest.JoinLines(`{"type":"text-delta","text":"ab"}`, `{"type":"reasoning-delta","text":"rs"}`, `{"type":"text-delta","text":"c"}`)},
		{"tool-call deltas merge per index only", guesttest.JoinLines(
			`{"type":"tool-call-delta","index":0,"arguments":"{"}`, `{"type":"tool-call-delta","index":0,"arguments":"}"}`,
			`{"type":"tool-call-delta","index":1,"arguments":"{}"}`),
			guesttest.JoinLines(`{"type":"tool-call-delta","index":0,"arguments":"{}"}`, `{"type":"tool-call-delta","index":1,"arguments":"{}"}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := guesttest.Merge(t, []byte(tt.in)), guesttest.Merge(t, []byte(tt.want)); got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}
