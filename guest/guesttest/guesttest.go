// Package guesttest is the test kit of the guest SDK: the checks every
// adapter's tests make, public so that an adapter written outside this
// repository meets the same bar. It holds
//
//   - feeding a stream through Transform in batches with host-owned state,
//     as the host does (Run, Batches, Batched, on framing.Feeder, the replay
//     loop of every case runner of the project), and the batching-invariance
//     check (Stable, SameSplit);
//   - the checks of the event stream the host's validator makes (Check,
//     Lines);
//   - the fuzz helpers (CheckAdapter, FuzzChunks) every adapter's fuzz
//     target uses on untrusted provider bytes;
//   - error and projection tables (MapErrors, ProjectError, BodyHas,
//     SameJSON);
//   - the host's SSE framer for hand-written streams and recordings
//     (SplitSSE), and DispatchStream, which runs a stream through the
//     encoded entry points of a guest.Dispatcher.
//
// A typical adapter test:
//
//	func TestStream(t *testing.T) {
//		chunks := guesttest.SplitSSE(body)
//		events := guesttest.Stable(t, myadapter.New(), nil, chunks)
//		if s := guesttest.Check(t, events); s.Ends != 1 {
//			t.Fatalf("%d ends", s.Ends)
//		}
//	}
//
//	func FuzzStream(f *testing.F) { guesttest.FuzzChunks(f, myadapter.New(), 400, 500) }
//
// It is imported only by tests (it imports package testing). It compiles
// natively and for GOOS=wasip1 like the adapters.
package guesttest

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/framing"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Transformer is the streaming half of an adapter; every guest.Adapter is
// one.
type Transformer interface {
	Transform(in *abi.TransformInput, out *guest.Output) error
}

// Stream says how Run feeds a stream.
type Stream struct {
	// Context is the stream context. It is sent while the state is empty
	// (the first call of a stream), as the host does; with EveryCall set it
	// is sent on every call, which the host may also do.
	Context   []byte
	EveryCall bool
	// State is the state of the first call: empty for a new stream, or
	// untrusted bytes in a fuzz target.
	State []byte
	// MayRefuse allows Transform to refuse the stream with an
	// invalid_request error (a corrupt state or context): Run then returns
	// ok false. Without it, and for any other code, an error fails the test.
	MayRefuse bool
}

// Run feeds the batches to a, one Transform call per batch, the last with
// FlagEnd, each with the state the previous call returned. It returns the
// events of all calls (newline-terminated JSON objects) and whether the
// stream was accepted (see Stream.MayRefuse).
func Run(t testing.TB, a Transformer, s Stream, batches ...[]abi.Chunk) (events []byte, ok bool) {
	t.Helper()
	var out guest.Output
	var calls abi.ToolCalls
	f := framing.Feeder{Context: s.Context, EveryCall: s.EveryCall, State: s.State, Call: func(in *abi.TransformInput) ([]byte, error) {
		out.Reset()
		if err := a.Transform(in, &out); err != nil {
			return nil, err
		}
		events = CompleteToolCalls(t, &calls, events, out.Events())
		return bytes.Clone(out.State()), nil
	}}
	for i, chunks := range batches {
		var flags uint32
		if i == len(batches)-1 {
			flags = abi.FlagEnd
		}
		if err := f.Send(chunks, flags); err != nil {
			if s.MayRefuse && abi.CodeOf(err) == abi.CodeInvalidRequest {
				return nil, false
			}
			t.Fatalf("Transform: error with code %q: %v", abi.CodeOf(err), err)
		}
	}
	return events, true
}

// CompleteToolCalls appends the events of one transform call (canonical
// JSON lines, as guest.Output writes them) to dst as the host delivers
// them: each tool-call-end (ABI 1.4) is replaced by the tool-call or error
// event calls completes it into, or dropped when it stands for nothing
// (abi.ToolCalls.End); the other lines are kept as they are. calls carries
// the open tool calls from one call of a stream to the next. A
// tool-call-end of a call that is not open (the host refuses it as out of
// order; a fuzz target's untrusted state can start one) is kept as it is.
func CompleteToolCalls(t testing.TB, calls *abi.ToolCalls, dst, events []byte) []byte {
	t.Helper()
	for line := range bytes.Lines(events) {
		if !bytes.HasPrefix(line, []byte(`{"type":"tool-call`)) {
			dst = append(dst, line...)
			continue
		}
		var e abi.Event
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatalf("bad event %q: %v", line, err)
		}
		if e.Type != abi.EventToolCallEnd {
			calls.Observe(&e)
			dst = append(dst, line...)
			continue
		}
		if !calls.Open(e.Index) {
			dst = append(dst, line...)
			continue
		}
		if done, ok := calls.End(&e); ok {
			dst = done.AppendJSON(dst)
			dst = append(dst, '\n')
		}
	}
	return dst
}

// Batches returns chunks as Run's batches: n chunks a call (all in one call
// when n is 0), then an empty call that carries FlagEnd.
func Batches(chunks []abi.Chunk, n int) [][]abi.Chunk {
	var bs [][]abi.Chunk
	if n <= 0 {
		bs = append(bs, chunks)
	} else {
		for i := 0; i < len(chunks); i += n {
			bs = append(bs, chunks[i:min(i+n, len(chunks))])
		}
	}
	return append(bs, nil)
}

// Batched runs chunks n a call (see Batches) and returns the events; an
// error fails the test.
func Batched(t testing.TB, a Transformer, ctx []byte, chunks []abi.Chunk, n int) []byte {
	t.Helper()
	evs, _ := Run(t, a, Stream{Context: ctx}, Batches(chunks, n)...)
	return evs
}

// Stable runs chunks all in one call, one chunk a call, and one chunk a
// call with the tapes a host sends a module that imports
// guest/jsonx/usetape (see Taped), each followed by an end call; it fails
// the test if the events differ, and returns them. An adapter that ignores
// tapes passes the third run trivially; one that reads chunks through
// jsonx.Doc is checked to read both forms alike.
func Stable(t testing.TB, a Transformer, ctx []byte, chunks []abi.Chunk) []byte {
	t.Helper()
	all := Batched(t, a, ctx, chunks, 0)
	if one := Batched(t, a, ctx, chunks, 1); !bytes.Equal(one, all) {
		t.Fatalf("events depend on batching:\nall at once:\n%s\none per call:\n%s", all, one)
	}
	if taped := Batched(t, a, ctx, Taped(chunks), 1); !bytes.Equal(taped, all) {
		t.Fatalf("events depend on tapes:\nbytes:\n%s\ntapes:\n%s", all, taped)
	}
	return all
}

// Taped returns a copy of chunks in which every chunk whose data is one
// JSON value carries its tape (abi.AppendTape), as a host sends them to a
// module that opted in to tapes; other chunks (such as "[DONE]") carry
// none, as from the host.
func Taped(chunks []abi.Chunk) []abi.Chunk {
	out := make([]abi.Chunk, len(chunks))
	for i, c := range chunks {
		c.Tape, _ = abi.AppendTape(nil, c.Data)
		out[i] = c
	}
	return out
}

// SameSplit is the check of the fuzz targets: it runs the chunks all in one
// call that carries FlagEnd, then one chunk a call and an empty end call,
// and fails the test if acceptance or the events differ. It returns the
// events and whether the stream was accepted.
func SameSplit(t testing.TB, a Transformer, s Stream, chunks ...abi.Chunk) (events []byte, ok bool) {
	t.Helper()
	one, ok1 := Run(t, a, s, chunks)
	split := make([][]abi.Chunk, 0, len(chunks)+1)
	for i := range chunks {
		split = append(split, chunks[i:i+1])
	}
	split = append(split, nil)
	two, ok2 := Run(t, a, s, split...)
	if ok1 != ok2 || !bytes.Equal(one, two) {
		t.Fatalf("batching changed the events:\none call:\n%s\nsplit:\n%s", one, two)
	}
	return one, ok1
}

// Lines splits newline-terminated events into lines, failing the test on a
// line that is not valid JSON.
func Lines(t testing.TB, events []byte) []string {
	t.Helper()
	var lines []string
	for line := range bytes.Lines(events) {
		line = bytes.TrimSuffix(line, []byte("\n"))
		if len(line) == 0 {
			continue
		}
		if !json.Valid(line) {
			t.Fatalf("invalid event JSON: %s", line)
		}
		lines = append(lines, string(line))
	}
	return lines
}

// Summary counts what Check saw.
type Summary struct {
	Events int // events in all
	Ends   int // finish and error events
}

// Check checks each event the way the host's validator does and fails the
// test on the first bad one: a JSON object with a type; tool-call-start and
// tool-call with an ID and a name; tool-call arguments a JSON object;
// finish reasons and error codes among the stable values; error events
// with a message. Callers assert on the returned counts (MapError gives
// exactly one event, a stream ends with exactly one finish or error).
func Check(t testing.TB, events []byte) Summary {
	t.Helper()
	return check(t, events, true)
}

func check(t testing.TB, events []byte, identity bool) Summary {
	t.Helper()
	var s Summary
	for line := range bytes.Lines(events) {
		line = bytes.TrimSuffix(line, []byte("\n"))
		if len(line) == 0 {
			continue
		}
		s.Events++
		var e abi.Event
		if err := json.Unmarshal(line, &e); err != nil || e.Type == "" {
			t.Fatalf("bad event %q: %v", line, err)
		}
		switch e.Type {
		case abi.EventToolCallStart:
			if identity && (e.ID == "" || e.Name == "") {
				t.Fatalf("tool-call-start without an ID or a name: %s", line)
			}
		case abi.EventToolCall:
			if identity && (e.ID == "" || e.Name == "") {
				t.Fatalf("tool-call without an ID or a name: %s", line)
			}
			var args map[string]any
			if err := json.Unmarshal([]byte(e.Arguments), &args); err != nil || args == nil {
				t.Fatalf("tool-call arguments are not a JSON object: %s", line)
			}
		case abi.EventFinish:
			s.Ends++
			if !e.Reason.Valid() {
				t.Fatalf("bad finish reason: %s", line)
			}
		case abi.EventError:
			s.Ends++
			if !e.Code.Valid() || e.Message == "" {
				t.Fatalf("bad error event (unknown code or no message): %s", line)
			}
		}
	}
	return s
}

// SplitSSE frames an SSE body the way the host does (package framing:
// an event ends at a blank line and is kept when it has data, data lines
// join with "\n", comment lines are dropped, LF, CRLF and CR line ends are
// accepted). A malformed body (an event over framing's size limit) fails
// no test here: the chunks framed before the error are returned, and the
// adapter's handling of the truncated stream is what the test sees.
func SplitSSE(body []byte) []abi.Chunk {
	chunks, _ := framing.Chunks(body, abi.FramingSSE, framing.Options{})
	return chunks
}

// DispatchStream feeds chunks through d's encoded transform entry point the
// way the host does: one call a chunk with the state of the previous call
// (ctx on the first), then an empty call with FlagEnd. It returns the
// events and fails the test when a call fails.
func DispatchStream(t testing.TB, d *guest.Dispatcher, ctx []byte, chunks []abi.Chunk) []byte {
	t.Helper()
	var events []byte
	var calls abi.ToolCalls
	f := framing.Feeder{Context: ctx, Call: func(in *abi.TransformInput) ([]byte, error) {
		res := d.Transform(abi.AppendTransformInput(nil, in))
		if abi.Status(res[0]) != abi.StatusOK {
			t.Fatalf("transform failed: %s", res[1:])
		}
		st, evs, err := abi.DecodeTransformOutput(res[1:])
		if err != nil {
			t.Fatal(err)
		}
		events = CompleteToolCalls(t, &calls, events, evs)
		return bytes.Clone(st), nil
	}}
	if _, err := f.Replay(framing.Each(chunks, nil), 1); err != nil {
		t.Fatal(err)
	}
	return events
}

// Input is one input of a fuzz target for CheckAdapter.
type Input struct {
	// Stream and Chunks are fed to Transform (see SameSplit).
	Stream Stream
	Chunks []abi.Chunk
	// Body is given to ParseResponse (status 200) and to MapError, with
	// the stream context.
	Body []byte
	// Statuses are the error statuses MapError is called with; none: it
	// is not called.
	Statuses []uint32
	// AllowEmptyToolIdentity skips Check's test that tool-call-start and
	// tool-call events have an ID and a name, for an adapter with that
	// known gap (the host rejects such events as adapter_bad_output).
	AllowEmptyToolIdentity bool
}

// CheckAdapter makes the checks every adapter's fuzz target makes on
// untrusted provider bytes (and, when the input says so, an untrusted state
// or context): nothing panics; the stream gives the same events however
// its chunks are batched or whether they carry their tapes (see Taped),
// and every event passes Check; ParseResponse's events pass Check whether
// or not it fails; MapError gives exactly one event, which passes Check.
func CheckAdapter(t testing.TB, a guest.Adapter, in Input) {
	t.Helper()
	identity := !in.AllowEmptyToolIdentity
	evs, ok := SameSplit(t, a, in.Stream, in.Chunks...)
	if taped, tok := Run(t, a, in.Stream, Taped(in.Chunks)); tok != ok || !bytes.Equal(taped, evs) {
		t.Fatalf("tapes changed the events:\nbytes:\n%s\ntapes:\n%s", evs, taped)
	}
	check(t, evs, identity)
	var out guest.Output
	_ = a.ParseResponse(&abi.ResponseInput{Status: 200, Context: in.Stream.Context, Body: in.Body}, &out)
	check(t, out.Events(), identity)
	for _, status := range in.Statuses {
		out.Reset()
		if err := a.MapError(&abi.ResponseInput{Status: status, Context: in.Stream.Context, Body: in.Body}, &out); err != nil {
			t.Fatalf("MapError(%d): %v", status, err)
		}
		if n := check(t, out.Events(), identity).Events; n != 1 {
			t.Fatalf("MapError(%d) gave %d events, want 1:\n%s", status, n, out.Events())
		}
	}
}

// Project decodes reqJSON as an abi.Request, failing the test when it is not
// one, and returns a's projection of it.
func Project(t testing.TB, a guest.Adapter, reqJSON string) (*abi.ProviderRequest, error) {
	t.Helper()
	return a.Project(Request(t, reqJSON))
}

// JoinLines returns the lines each followed by a newline, the form of
// Run's events; no lines give "".
func JoinLines(lines ...string) string {
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}

// ErrorCase is one row of a MapError table: the response's status and body,
// and the error event's code, retryable flag and a part of its message.
type ErrorCase struct {
	Status    int
	Body      string
	Code      abi.Code
	Retryable bool
	Msg       string
}

// MapErrors runs each case through a's MapError and checks that it gives
// exactly one error event (see Check) with the case's code, retryable flag
// and a message containing Msg.
func MapErrors(t testing.TB, a guest.Adapter, cases []ErrorCase) {
	t.Helper()
	for _, c := range cases {
		var out guest.Output
		if err := a.MapError(&abi.ResponseInput{Status: uint32(c.Status), Body: []byte(c.Body)}, &out); err != nil {
			t.Fatalf("%d %s: %v", c.Status, c.Body, err)
		}
		if n := Check(t, out.Events()).Events; n != 1 {
			t.Errorf("%d %s: %d events, want 1: %s", c.Status, c.Body, n, out.Events())
			continue
		}
		var ev abi.Event
		if err := json.Unmarshal(out.Events(), &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Type != abi.EventError || ev.Code != c.Code || ev.Retryable != c.Retryable || !strings.Contains(ev.Message, c.Msg) {
			t.Errorf("%d %s: got %s", c.Status, c.Body, out.Events())
		}
	}
}

// BodyHas checks that a projected body contains each string of has and
// none of not.
func BodyHas(t testing.TB, body []byte, has, not []string) {
	t.Helper()
	for _, s := range has {
		if !bytes.Contains(body, []byte(s)) {
			t.Errorf("body lacks %s: %s", s, body)
		}
	}
	for _, s := range not {
		if bytes.Contains(body, []byte(s)) {
			t.Errorf("body has %s: %s", s, body)
		}
	}
}

// Request decodes a normalized request, failing the test when s is not one.
func Request(t testing.TB, s string) *abi.Request {
	t.Helper()
	var r abi.Request
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatalf("request %s: %v", s, err)
	}
	return &r
}

// ProjectError checks that a refuses to project req with an *abi.Error of
// the code at the JSON pointer ("" for none).
func ProjectError(t testing.TB, a guest.Adapter, req string, code abi.Code, pointer string) {
	t.Helper()
	_, err := a.Project(Request(t, req))
	var e *abi.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want an *abi.Error %s", err, code)
	}
	if e.Code != code || e.Pointer != pointer {
		t.Errorf("got %s at %q (%s), want %s at %q", e.Code, e.Pointer, e.Message, code, pointer)
	}
}

// ProjectTwice projects req twice through one Dispatcher of a (the second
// time from whatever the adapter cached, such as its ToolsCache), fails
// the test unless both projections succeed with the same bytes, and
// returns the request decoded as the Dispatcher decodes it.
func ProjectTwice(t testing.TB, a guest.Adapter, req string) *abi.Request {
	t.Helper()
	d := guest.NewDispatcher(a)
	first := string(d.Project([]byte(req)))
	if first == "" || first[0] != byte(abi.StatusOK) {
		t.Fatalf("projection refused: %q", first)
	}
	if again := string(d.Project([]byte(req))); again != first {
		t.Errorf("the second projection differs:\n%s\nfirst:\n%s", again, first)
	}
	var r abi.Request
	if err := guest.DecodeRequest([]byte(req), &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

// Canon returns the JSON text b re-encoded by encoding/json (object members
// sorted, no insignificant whitespace), failing the test when b is not JSON.
func Canon(t testing.TB, b []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	out, _ := json.Marshal(v)
	return string(out)
}

// SameJSON fails the test when got and want are not the same JSON value;
// what names got in the message.
func SameJSON(t testing.TB, what string, got []byte, want string) {
	t.Helper()
	if g, w := Canon(t, got), Canon(t, []byte(want)); g != w {
		t.Errorf("%s\n got %s\nwant %s", what, g, w)
	}
}

// FuzzChunks registers f's fuzz function for an adapter whose fuzz inputs
// are the data of two chunks of a new stream: CheckAdapter with the first
// as the body of ParseResponse and of MapError at each of statuses.
func FuzzChunks(f *testing.F, a guest.Adapter, statuses ...uint32) {
	f.Fuzz(func(t *testing.T, x, y []byte) {
		CheckAdapter(t, a, Input{
			Chunks:   []abi.Chunk{{Data: x}, {Data: y}},
			Body:     x,
			Statuses: statuses,
		})
	})
}

// BenchTransformTapes runs BenchTransform twice, as the sub-benchmarks
// "bytes" (the chunks as given) and "tapes" (the chunks with their tapes,
// see Taped: what a host sends a module that imports guest/jsonx/usetape),
// so that an adapter reading chunks through jsonx.Doc measures both paths
// and their allocations.
func BenchTransformTapes(b *testing.B, a guest.Adapter, first abi.TransformInput, chunks ...abi.Chunk) {
	b.Helper()
	b.Run("bytes", func(b *testing.B) { BenchTransform(b, a, first, chunks...) })
	first.Chunks = Taped(first.Chunks)
	taped := Taped(chunks)
	b.Run("tapes", func(b *testing.B) { BenchTransform(b, a, first, taped...) })
}

// BenchTransform measures one transform call carrying chunks through a's
// Dispatcher, the path the wasip1 exports take (envelope decode, state in
// and out, event encoding): first is the call that starts the stream (its
// context and first chunks), and every measured call continues from the
// state it left. Bytes per operation are the chunks' data.
func BenchTransform(b *testing.B, a guest.Adapter, first abi.TransformInput, chunks ...abi.Chunk) {
	b.Helper()
	d := guest.NewDispatcher(a)
	res := d.Transform(abi.AppendTransformInput(nil, &first))
	if res[0] != byte(abi.StatusOK) {
		b.Fatalf("%s", res)
	}
	state, _, err := abi.DecodeTransformOutput(res[1:])
	if err != nil {
		b.Fatal(err)
	}
	in := abi.AppendTransformInput(nil, &abi.TransformInput{State: bytes.Clone(state), Chunks: chunks})
	n := 0
	for _, c := range chunks {
		n += len(c.Data)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		if res := d.Transform(in); res[0] != byte(abi.StatusOK) {
			b.Fatalf("%s", res)
		}
	}
}
