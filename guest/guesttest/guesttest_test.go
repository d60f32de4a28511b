package guesttest

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// recorder is a testing.TB whose Fatalf records the failure and stops the
// goroutine, so that tests can assert that a check fails.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (r *recorder) Fatal(args ...any) { r.Fatalf("%s", fmt.Sprint(args...)) }
func (r *recorder) Errorf(format string, args ...any) {
	if r.failed == "" {
		r.failed = fmt.Sprintf(format, args...)
	}
}

// fails runs f with a recorder and returns its failure message, "" if none.
func fails(t *testing.T, f func(tb testing.TB)) string {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r.failed
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name, events string
		bad          bool
		ends         int
	}{
		{"good", `{"type":"text-delta","text":"a"}` + "\n" + `{"type":"tool-call","index":0,"id":"c","name":"f","arguments":"{}"}` + "\n" + `{"type":"finish","reason":"stop"}` + "\n", false, 1},
		{"not json", "{\n", true, 0},
		{"no type", `{"text":"a"}` + "\n", true, 0},
		{"tool call without id", `{"type":"tool-call","index":0,"name":"f","arguments":"{}"}` + "\n", true, 0},
		{"tool-call-start without name", `{"type":"tool-call-start","index":0,"id":"c"}` + "\n", true, 0},
		{"arguments not an object", `{"type":"tool-call","index":0,"id":"c","name":"f","arguments":"[1]"}` + "\n", true, 0},
		{"arguments null", `{"type":"tool-call","index":0,"id":"c","name":"f","arguments":"null"}` + "\n", true, 0},
		{"unknown reason", `{"type":"finish","reason":"done"}` + "\n", true, 0},
		{"unknown code", `{"type":"error","code":"oops","message":"m"}` + "\n", true, 0},
		{"error without message", `{"type":"error","code":"server_error"}` + "\n", true, 0},
		{"two ends", `{"type":"error","code":"server_error","message":"m"}` + "\n" + `{"type":"finish","reason":"stop"}` + "\n", false, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Summary
			msg := fails(t, func(tb testing.TB) { s = Check(tb, []byte(tt.events)) })
			if (msg != "") != tt.bad {
				t.Fatalf("failure %q, want failure %v", msg, tt.bad)
			}
			if !tt.bad && s.Ends != tt.ends {
				t.Errorf("Ends = %d, want %d", s.Ends, tt.ends)
			}
		})
	}
}

func TestSplitSSE(t *testing.T) {
	body := ": comment\r\nevent: a\r\ndata: 1\r\ndata:2\r\n\r\nevent: no-data\n\ndata: {}\n"
	got := SplitSSE([]byte(body))
	want := []abi.Chunk{{Event: []byte("a"), Data: []byte("1\n2")}, {Data: []byte("{}")}}
	if len(got) != len(want) {
		t.Fatalf("got %d chunks, want %d: %q", len(got), len(want), got)
	}
	for i := range want {
		if string(got[i].Event) != string(want[i].Event) || string(got[i].Data) != string(want[i].Data) {
			t.Errorf("chunk %d = %q/%q, want %q/%q", i, got[i].Event, got[i].Data, want[i].Event, want[i].Data)
		}
	}
}

func TestBatches(t *testing.T) {
	cs := make([]abi.Chunk, 5)
	for _, tt := range []struct{ n, calls, first int }{{0, 2, 5}, {1, 6, 1}, {2, 4, 2}, {9, 2, 5}} {
		bs := Batches(cs, tt.n)
		if len(bs) != tt.calls || len(bs[0]) != tt.first || len(bs[len(bs)-1]) != 0 {
			t.Errorf("Batches(5, %d): %d calls, first of %d, last of %d", tt.n, len(bs), len(bs[0]), len(bs[len(bs)-1]))
		}
	}
}

// counter emits one text-delta per chunk and counts calls in its state; it
// refuses a state that is not one byte, and with batchy set its events
// depend on the batching.
type counter struct{ batchy bool }

func (c counter) Transform(in *abi.TransformInput, out *guest.Output) error {
	if len(in.State) > 1 {
		return &abi.Error{Code: abi.CodeInvalidRequest, Message: "bad state"}
	}
	n := byte(0)
	if len(in.State) == 1 {
		n = in.State[0]
	}
	for _, ch := range in.Chunks {
		out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: string(ch.Data)})
	}
	if c.batchy && len(in.Chunks) > 1 {
		out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: "batch"})
	}
	if in.Flags&abi.FlagEnd != 0 {
		out.Emit(&abi.Event{Type: abi.EventFinish, Reason: abi.FinishStop, RawReason: string(in.Context)})
	}
	out.SetState([]byte{n + 1})
	return nil
}

func TestRunAndSameSplit(t *testing.T) {
	cs := []abi.Chunk{{Data: []byte("a")}, {Data: []byte("b")}}
	evs, ok := SameSplit(t, counter{}, Stream{Context: []byte("ctx"), EveryCall: true}, cs...)
	want := JoinLines(`{"type":"text-delta","text":"a"}`, `{"type":"text-delta","text":"b"}`, `{"type":"finish","reason":"stop","raw_reason":"ctx"}`)
	if !ok || string(evs) != want {
		t.Fatalf("SameSplit = %q, %v; want %q", evs, ok, want)
	}
	// The context goes only with the first call unless EveryCall.
	evs, _ = Run(t, counter{}, Stream{Context: []byte("ctx")}, cs, nil)
	if Check(t, evs).Ends != 1 || string(evs) == want {
		t.Errorf("context sent after the first call: %s", evs)
	}
	if evs, _ = Run(t, counter{}, Stream{Context: []byte("ctx"), EveryCall: true}, cs, nil); string(evs) != want {
		t.Errorf("EveryCall: %s", evs)
	}
	if msg := fails(t, func(tb testing.TB) { SameSplit(tb, counter{batchy: true}, Stream{}, cs...) }); msg == "" {
		t.Error("SameSplit accepted events that depend on batching")
	}
	bad := Stream{State: []byte{1, 2}}
	if msg := fails(t, func(tb testing.TB) { Run(tb, counter{}, bad, cs) }); msg == "" {
		t.Error("Run accepted a refusal without MayRefuse")
	}
	bad.MayRefuse = true
	if _, ok := Run(t, counter{}, bad, cs); ok {
		t.Error("Run reported a refused stream as accepted")
	}
}

func TestBodyHas(t *testing.T) {
	body := []byte(`{"model":"m","max_tokens":5}`)
	if msg := fails(t, func(tb testing.TB) { BodyHas(tb, body, []string{`"max_tokens":5`}, []string{"temperature"}) }); msg != "" {
		t.Errorf("BodyHas failed on a good body: %s", msg)
	}
	if msg := fails(t, func(tb testing.TB) { BodyHas(tb, body, []string{"temperature"}, nil) }); msg == "" {
		t.Error("BodyHas accepted a missing string")
	}
	if msg := fails(t, func(tb testing.TB) { BodyHas(tb, body, nil, []string{`"model"`}) }); msg == "" {
		t.Error("BodyHas accepted a forbidden string")
	}
}

// mapper is an adapter whose MapError emits events for the status: 429
// rate_limited retryable, 400 two events, else server_error.
type mapper struct{ counter }

func (mapper) Capabilities(string) abi.Capabilities { return abi.Capabilities{} }
func (mapper) Project(r *abi.Request) (*abi.ProviderRequest, error) {
	if r.Model == "bad" {
		return nil, &abi.Error{Code: abi.CodeInvalidRequest, Message: "bad model", Pointer: "/model"}
	}
	return &abi.ProviderRequest{}, nil
}
func (mapper) ParseResponse(*abi.ResponseInput, *guest.Output) error { return nil }
func (mapper) MapError(in *abi.ResponseInput, out *guest.Output) error {
	switch in.Status {
	case 429:
		out.Emit(&abi.Event{Type: abi.EventError, Code: abi.CodeRateLimited, Retryable: true, Message: "slow: " + string(in.Body)})
	case 400:
		out.Emit(&abi.Event{Type: abi.EventError, Code: abi.CodeInvalidRequest, Message: "a"})
		out.Emit(&abi.Event{Type: abi.EventError, Code: abi.CodeInvalidRequest, Message: "b"})
	default:
		out.Emit(&abi.Event{Type: abi.EventError, Code: abi.CodeServerError, Message: "x"})
	}
	return nil
}

func TestMapErrors(t *testing.T) {
	tests := []struct {
		name string
		c    ErrorCase
		bad  bool
	}{
		{"match", ErrorCase{Status: 429, Body: "b", Code: abi.CodeRateLimited, Retryable: true, Msg: "slow: b"}, false},
		{"wrong code", ErrorCase{Status: 500, Code: abi.CodeOverloaded}, true},
		{"wrong retryable", ErrorCase{Status: 429, Code: abi.CodeRateLimited}, true},
		{"wrong message", ErrorCase{Status: 429, Code: abi.CodeRateLimited, Retryable: true, Msg: "fast"}, true},
		{"two events", ErrorCase{Status: 400, Code: abi.CodeInvalidRequest}, true},
	}
	for _, tt := range tests {
		msg := fails(t, func(tb testing.TB) { MapErrors(tb, mapper{}, []ErrorCase{tt.c}) })
		if (msg != "") != tt.bad {
			t.Errorf("%s: failure %q, want failure %v", tt.name, msg, tt.bad)
		}
	}
}

func TestProjectError(t *testing.T) {
	tests := []struct {
		name, req, pointer string
		code               abi.Code
		bad                bool
	}{
		{"match", `{"model":"bad"}`, "/model", abi.CodeInvalidRequest, false},
		{"wrong pointer", `{"model":"bad"}`, "", abi.CodeInvalidRequest, true},
		{"wrong code", `{"model":"bad"}`, "/model", abi.CodeCapabilityUnsupported, true},
		{"no error", `{"model":"good"}`, "", abi.CodeInvalidRequest, true},
		{"not a request", `[`, "", abi.CodeInvalidRequest, true},
	}
	for _, tt := range tests {
		msg := fails(t, func(tb testing.TB) { ProjectError(tb, mapper{}, tt.req, tt.code, tt.pointer) })
		if (msg != "") != tt.bad {
			t.Errorf("%s: failure %q, want failure %v", tt.name, msg, tt.bad)
		}
	}
}

func TestSameJSON(t *testing.T) {
	if msg := fails(t, func(tb testing.TB) { SameJSON(tb, "x", []byte(`{"b":1, "a":[true]}`), `{"a":[true],"b":1}`) }); msg != "" {
		t.Errorf("SameJSON failed on equal values: %s", msg)
	}
	if msg := fails(t, func(tb testing.TB) { SameJSON(tb, "x", []byte(`{"a":1}`), `{"a":2}`) }); msg == "" {
		t.Error("SameJSON accepted different values")
	}
}

func TestBenchTransform(t *testing.T) {
	r := testing.Benchmark(func(b *testing.B) {
		BenchTransform(b, mapper{}, abi.TransformInput{Chunks: []abi.Chunk{{Data: []byte("a")}}}, abi.Chunk{Data: []byte("bc")})
	})
	if r.N == 0 || r.Bytes != 2 {
		t.Fatalf("BenchTransform ran %d times with %d bytes an op, want some with 2", r.N, r.Bytes)
	}
}

// detailsAdapter reports the details d for the model "m" and none for any
// other.
type detailsAdapter struct {
	guest.Adapter
	d *abi.ModelDetails
}

func (a detailsAdapter) Capabilities(model string) abi.Capabilities {
	if model != "m" {
		return abi.Capabilities{}
	}
	return abi.Capabilities{Details: a.d}
}

func TestDetails(t *testing.T) {
	a := detailsAdapter{d: Limits(100, 10, abi.ModalityText)}
	for _, tc := range []struct {
		name, model string
		want        *abi.ModelDetails
		fail        bool
	}{
		{"same", "m", Limits(100, 10, abi.ModalityText), false},
		{"other limit", "m", Limits(100, 20, abi.ModalityText), true},
		{"other modalities", "m", Limits(100, 10, abi.ModalityText, abi.ModalityImage), true},
		{"none wanted", "m", nil, true},
		{"none reported", "x", Limits(100, 10, abi.ModalityText), true},
		{"none either", "x", nil, false},
	} {
		msg := fails(t, func(tb testing.TB) { Details(tb, a, tc.model, tc.want) })
		if (msg != "") != tc.fail {
			t.Errorf("%s: failure %q, want failure %v", tc.name, msg, tc.fail)
		}
	}
}
