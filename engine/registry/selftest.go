package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"reflect"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/api/cases"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/framing"
)

// selfTestCase is one element of the wasmadapt_selftest array
// (abi/README.md); the fields mean what the files of a case directory
// mean, plus Chunks, the pre-framed alternative to Body.
type selfTestCase struct {
	Name        string            `json:"name"`
	Request     json.RawMessage   `json:"request"`
	Projection  json.RawMessage   `json:"projection"`
	Status      int               `json:"status"`
	Framing     string            `json:"framing"`
	Body        *string           `json:"body"`
	Chunks      []selfTestChunk   `json:"chunks"`
	Events      []json.RawMessage `json:"events"`
	ExpectError abi.Code          `json:"expect_error"`
}

// selfTestChunk is one pre-framed chunk of a self-test stream: an
// abi.Chunk's Event and Data as JSON strings.
type selfTestChunk struct {
	Event string `json:"event"`
	Data  string `json:"data"`
}

func countCases(cases []byte) int {
	var arr []json.RawMessage
	if json.Unmarshal(cases, &arr) != nil {
		return 0
	}
	return len(arr)
}

// RunSelfTest runs a module's own cases (the JSON array its
// wasmadapt_selftest export returns, see SelfTest) against m and returns
// how many passed; the error names the first case that failed and why.
//
// It is the registry's built-in runner, independent of the host, on the
// project's one replay loop (api/cases.ReplayChunks): a case's
// request is projected (and compared with its projection, or its
// expect_error checked); a body with a status of 400 or more goes through
// map_error, framing "none" through parse_response; a stream is given
// either as pre-framed "chunks" or as a body in any framing (framed by
// package framing, the host's own framer) and is replayed twice, all
// chunks in one transform call and one chunk per call, both of which must
// give the case's events.
func RunSelfTest(ctx context.Context, m engine.Module, cases []byte) (int, error) {
	var cs []selfTestCase
	if err := json.Unmarshal(cases, &cs); err != nil {
		return 0, fmt.Errorf("self-test cases are not a JSON array of case objects: %v (see abi/README.md, wasmadapt_selftest)", err)
	}
	for i, c := range cs {
		if c.Name == "" {
			c.Name = fmt.Sprintf("case %d", i)
		}
		if err := runSelfTestCase(ctx, m, &c); err != nil {
			return i, fmt.Errorf("self-test %q failed: %w", c.Name, err)
		}
	}
	return len(cs), nil
}

func runSelfTestCase(ctx context.Context, m engine.Module, c *selfTestCase) error {
	var sctx []byte
	var pr *abi.ProviderRequest
	hasBody := c.Body != nil || c.Chunks != nil
	if len(c.Request) > 0 {
		var req abi.Request
		if err := json.Unmarshal(c.Request, &req); err != nil {
			return fmt.Errorf("its request is not a normalized request: %v", err)
		}
		var err error
		pr, err = m.Project(ctx, &req)
		if c.ExpectError != "" && !hasBody {
			if err == nil {
				return fmt.Errorf("projection succeeded, the case expects error %s", c.ExpectError)
			}
			if code := abi.CodeOf(err); code != c.ExpectError {
				return fmt.Errorf("projection failed with %v, the case expects code %s", err, c.ExpectError)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("projection failed: %v", err)
		}
		if len(c.Projection) > 0 {
			got, err := json.Marshal(pr)
			if err != nil {
				return err
			}
			if !sameJSON(c.Projection, got) {
				return fmt.Errorf("projection differs: got %s, the case wants %s", got, c.Projection)
			}
		}
		rc := req.Context()
		if sctx, err = json.Marshal(&rc); err != nil {
			return err
		}
	}
	if !hasBody {
		if len(c.Request) == 0 {
			return fmt.Errorf("a case needs a request, a body or chunks")
		}
		return nil
	}
	fr := c.Framing
	if fr == "" && pr != nil {
		fr = pr.StreamFraming
	}
	if fr == "" {
		fr = abi.FramingSSE
	}
	status := c.Status
	if status == 0 {
		status = 200
	}
	var body []byte
	if c.Body != nil {
		body = []byte(*c.Body)
	}
	var got []abi.Event
	switch {
	case status >= 400:
		ev, err := m.MapError(ctx, &abi.ResponseInput{Status: uint32(status), Context: sctx, Body: body})
		if err != nil {
			return fmt.Errorf("map_error failed: %v", err)
		}
		got = []abi.Event{ev}
	case fr == abi.FramingNone && c.Chunks == nil:
		evs, err := m.ParseResponse(ctx, &abi.ResponseInput{Status: uint32(status), Context: sctx, Body: body})
		if err != nil {
			return fmt.Errorf("parse_response failed: %v", err)
		}
		got = evs
	default:
		all, err := cases.ReplayChunks(ctx, m, selfTestChunks(c, body, fr), sctx, 0)
		if err != nil {
			return fmt.Errorf("transform failed: %v", err)
		}
		one, err := cases.ReplayChunks(ctx, m, selfTestChunks(c, body, fr), sctx, 1)
		if err != nil {
			return fmt.Errorf("transform (a chunk per call) failed: %v", err)
		}
		if a, b := cases.AppendLines(nil, all), cases.AppendLines(nil, one); !bytes.Equal(a, b) {
			return fmt.Errorf("events depend on batching: all chunks in one call gave\n%s\none chunk per call gave\n%s", a, b)
		}
		got = all
	}
	if c.Events == nil {
		return fmt.Errorf("the case has a body but no events")
	}
	var order engine.EventOrder
	got, err := order.Complete(got)
	if err != nil {
		return err
	}
	if len(got) != len(c.Events) {
		return fmt.Errorf("got %d events, the case wants %d:\n%s", len(got), len(c.Events), cases.AppendLines(nil, got))
	}
	for i := range got {
		line := got[i].AppendJSON(nil)
		if !sameJSON(c.Events[i], line) {
			return fmt.Errorf("event %d is %s, the case wants %s", i, line, c.Events[i])
		}
	}
	return nil
}

func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// selfTestChunks returns the case's chunks: its pre-framed ones, or its
// body framed by package framing in the case's framing (any framing the
// host frames), then the framing's error when the body is corrupt.
func selfTestChunks(c *selfTestCase, body []byte, name string) iter.Seq2[abi.Chunk, error] {
	if c.Chunks == nil {
		return framing.Split(bytes.NewReader(body), name, framing.Options{})
	}
	out := make([]abi.Chunk, len(c.Chunks))
	for i, ch := range c.Chunks {
		out[i] = abi.Chunk{Event: []byte(ch.Event), Data: []byte(ch.Data)}
	}
	return framing.Each(out, nil)
}
