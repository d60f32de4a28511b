// Package cases loads and runs golden cases: recorded exchanges with the
// events an adapter module must produce for them. `wasmrun test` and the
// project's conformance tests are built on it, and so is the registry's
// self-test runner (engine/registry). It sits over package api, below host
// and engine, so that every runner of cases shares it; its replay loop is
// framing.Feeder, which the guest SDK's test kit uses too.
//
// A case is a directory holding some of these files:
//
//	case.json        {"description","status","framing","expect_error","headers"} (all optional)
//	request.json     the normalized request
//	projection.json  the provider request projection must produce (compared as JSON)
//	body             the raw response body (SSE text, NDJSON, event-stream bytes or a JSON body)
//	events.jsonl     the events the body must produce, canonical JSON, one per line
//	result.json      an operation's result (ABI 1.3), compared as JSON
//
// With request.json and expect_error but no body, projection must fail with
// that code. With a body, the framing is case.json's, else the projection's
// stream_framing, else "sse"; a status of 400 or more is an error response
// (map_error), framing "none" a whole response (parse_response), anything
// else a stream that is replayed twice, once with every chunk in one
// transform call and once a chunk per call: both must give the same bytes.
//
// A case whose case.json names an operation ("op": "models", "embed" or
// "count_tokens", ABI 1.3) is run through wasmadapt_project_op and
// wasmadapt_parse_op instead (see ops.go): request.json is the
// operation's request, projection.json the provider request, and the body
// gives result.json (a 2xx status) or the error expect_error names.
package cases

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/api"
	"github.com/wasmadapt/wasmadapt/framing"
)

// File names inside a case directory.
const (
	FileMeta       = "case.json"
	FileRequest    = "request.json"
	FileProjection = "projection.json"
	FileBody       = "body"
	FileEvents     = "events.jsonl"
	FileResult     = "result.json"
)

// Meta is the content of case.json.
type Meta struct {
	Description string   `json:"description,omitempty"`
	Status      int      `json:"status,omitempty"`
	Framing     string   `json:"framing,omitempty"`
	ExpectError abi.Code `json:"expect_error,omitempty"`
	// Headers are response headers passed to parse_response and
	// map_error (names are lower-cased, sorted by name).
	Headers map[string]string `json:"headers,omitempty"`
	// Op names the operation (abi.Op*) of an operation case.
	Op string `json:"op,omitempty"`
}

// responseHeaders returns the case's headers in envelope form.
func (c *Case) responseHeaders() [][2][]byte {
	if len(c.Meta.Headers) == 0 {
		return nil
	}
	names := make([]string, 0, len(c.Meta.Headers))
	lower := make(map[string]string, len(c.Meta.Headers))
	for k, v := range c.Meta.Headers {
		n := strings.ToLower(k)
		names = append(names, n)
		lower[n] = v
	}
	sort.Strings(names)
	out := make([][2][]byte, len(names))
	for i, n := range names {
		out[i] = [2][]byte{[]byte(n), []byte(lower[n])}
	}
	return out
}

// Case is one golden case. Nil slices mean the file is absent.
type Case struct {
	// Name is the directory's base name.
	Name string
	// Dir is the directory the case was loaded from ("" if built in memory).
	Dir        string
	Meta       Meta
	Request    []byte
	Projection []byte
	Body       []byte
	Events     []byte
	// Result is result.json, the expected result of an operation case.
	Result []byte
}

// Load reads every case directory directly below dir, sorted by name. A
// directory is a case when it holds at least one of the case files.
func Load(dir string) ([]*Case, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading cases: %w", err)
	}
	var out []*Case
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		c, err := LoadCase(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		if c != nil {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no cases in %s: expected directories holding %s, %s, %s or %s", dir, FileMeta, FileRequest, FileBody, FileEvents)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// LoadCase reads one case directory. It returns nil, nil when the
// directory holds no case file.
func LoadCase(dir string) (*Case, error) {
	c := &Case{Name: filepath.Base(dir), Dir: dir}
	found := false
	read := func(name string) ([]byte, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		found = true
		if b == nil {
			b = []byte{}
		}
		return b, nil
	}
	meta, err := read(FileMeta)
	if err != nil {
		return nil, err
	}
	if meta != nil {
		dec := json.NewDecoder(bytes.NewReader(meta))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c.Meta); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, FileMeta), err)
		}
	}
	for _, f := range []struct {
		name string
		dst  *[]byte
	}{{FileRequest, &c.Request}, {FileProjection, &c.Projection}, {FileBody, &c.Body}, {FileEvents, &c.Events}, {FileResult, &c.Result}} {
		if *f.dst, err = read(f.name); err != nil {
			return nil, err
		}
	}
	if !found {
		return nil, nil
	}
	return c, nil
}

// Failure is a case that did not give what it expects.
type Failure struct {
	Case   string
	Reason string
}

// Error formats the failure with the case name.
func (f *Failure) Error() string { return f.Case + ": " + f.Reason }

func fail(c *Case, format string, args ...any) error {
	return &Failure{Case: c.Name, Reason: fmt.Sprintf(format, args...)}
}

// Run runs one case against m. It returns nil when the case passes, a
// *Failure when the module's output differs from the expectation, and any
// other error when the run itself failed (the module faulted, files are
// malformed).
func Run(ctx context.Context, m api.Module, c *Case) error {
	if c.Meta.Op != "" {
		return runOp(ctx, m, c)
	}
	req, err := c.request()
	if err != nil {
		return err
	}
	if req != nil {
		if done, err := c.projected(m.Project(ctx, req)); done || err != nil {
			return err
		}
	}
	if c.Body == nil {
		if req == nil {
			return fmt.Errorf("%s: a case needs %s or %s", c.Name, FileRequest, FileBody)
		}
		return nil
	}
	if c.Events == nil {
		return fmt.Errorf("%s: has %s but no %s", c.Name, FileBody, FileEvents)
	}
	evs, err := events(ctx, m, c, req, 0)
	if err != nil {
		return fmt.Errorf("%s: %w", c.Name, err)
	}
	got := appendLines(nil, evs)
	if c.framing(nil) != abi.FramingNone && c.status() < 400 {
		one, err := events(ctx, m, c, req, 1)
		if err != nil {
			return fmt.Errorf("%s: replaying a chunk per call: %w", c.Name, err)
		}
		if alt := appendLines(nil, one); !bytes.Equal(alt, got) {
			return fail(c, "events depend on batching: all chunks in one call gave\n%s\none chunk per call gave\n%s", got, alt)
		}
	}
	if !bytes.Equal(got, c.Events) {
		return fail(c, "events differ:\n%s", lineDiff(c.Events, got))
	}
	return nil
}

// projected checks a projection's outcome against the case: the error
// expect_error names (for a case without a body), or projection.json.
// done reports that the case ends with the projection.
func (c *Case) projected(pr *abi.ProviderRequest, err error) (done bool, _ error) {
	switch {
	case c.Meta.ExpectError != "" && c.Body == nil:
		if err == nil {
			return true, fail(c, "projection succeeded, expected error %s", c.Meta.ExpectError)
		}
		if code := abi.CodeOf(err); code != c.Meta.ExpectError {
			return true, fail(c, "projection failed with %v, expected code %s", err, c.Meta.ExpectError)
		}
		return true, nil
	case err != nil:
		return true, fail(c, "projection failed: %v", err)
	}
	if c.Projection != nil {
		got, err := json.Marshal(pr)
		if err != nil {
			return true, err
		}
		if d := jsonDiff(c.Projection, got); d != "" {
			return true, fail(c, "projection differs: %s", d)
		}
	}
	return false, nil
}

// Events returns the events m produces for the case's body: an error
// response (status 400 and above) through map_error, framing "none" through
// parse_response, anything else framed and replayed with all chunks in one
// transform call.
func Events(ctx context.Context, m api.Module, c *Case) ([]abi.Event, error) {
	req, err := c.request()
	if err != nil {
		return nil, err
	}
	return events(ctx, m, c, req, 0)
}

func (c *Case) request() (*abi.Request, error) {
	if c.Request == nil {
		return nil, nil
	}
	req := new(abi.Request)
	if err := json.Unmarshal(c.Request, req); err != nil {
		return nil, abi.Errorf(abi.CodeInvalidRequest, "%s: %s: %v", c.Name, FileRequest, err)
	}
	return req, nil
}

// StreamContext returns the stream context of the case's request (what a
// host sends with the first transform call of the response's stream), or
// nil when the case has no request.
func (c *Case) StreamContext() ([]byte, error) {
	req, err := c.request()
	if err != nil || req == nil {
		return nil, err
	}
	return streamContext(req)
}

func streamContext(req *abi.Request) ([]byte, error) {
	r := req.Context()
	return json.Marshal(&r)
}

func (c *Case) status() int {
	if c.Meta.Status == 0 {
		return 200
	}
	return c.Meta.Status
}

// framing returns the case's framing: its own, else the projection's, else sse.
func (c *Case) framing(pr *abi.ProviderRequest) string {
	switch {
	case c.Meta.Framing != "":
		return c.Meta.Framing
	case pr != nil && pr.StreamFraming != "":
		return pr.StreamFraming
	case c.Projection != nil:
		var p abi.ProviderRequest
		if json.Unmarshal(c.Projection, &p) == nil && p.StreamFraming != "" {
			return p.StreamFraming
		}
	}
	return abi.FramingSSE
}

// events runs the case through m, checks the events' order and completes
// the tool calls a module ends with tool-call-end (as the host does for
// every response).
func events(ctx context.Context, m api.Module, c *Case, req *abi.Request, batch int) ([]abi.Event, error) {
	evs, err := caseEvents(ctx, m, c, req, batch)
	var order api.EventOrder
	evs, oerr := order.Complete(evs)
	if oerr != nil {
		return evs, oerr
	}
	return evs, err
}

func caseEvents(ctx context.Context, m api.Module, c *Case, req *abi.Request, batch int) ([]abi.Event, error) {
	var sctx []byte
	var pr *abi.ProviderRequest
	if req != nil {
		b, err := streamContext(req)
		if err != nil {
			return nil, err
		}
		sctx = b
		if c.Meta.Framing == "" {
			if pr, err = m.Project(ctx, req); err != nil {
				return nil, err
			}
		}
	}
	status := c.status()
	switch fr := c.framing(pr); {
	case status >= 400:
		ev, err := m.MapError(ctx, &abi.ResponseInput{Status: uint32(status), Headers: c.responseHeaders(), Context: sctx, Body: c.Body})
		if err != nil {
			return nil, err
		}
		return []abi.Event{ev}, nil
	case fr == abi.FramingNone:
		return m.ParseResponse(ctx, &abi.ResponseInput{Status: uint32(status), Headers: c.responseHeaders(), Context: sctx, Body: c.Body})
	default:
		return Replay(ctx, m, bytes.NewReader(c.Body), fr, sctx, batch)
	}
}

// Replay frames body and feeds its chunks through m's transform with
// host-owned state, batch chunks per call (0: all chunks in one call), the
// last call carrying abi.FlagEnd. sctx is the stream context. An error of
// the framing (a corrupt stream) ends the replay with one error event
// carrying the framing error's code, after the events of the chunks framed
// before it; the end call is not made, since the stream did not end.
func Replay(ctx context.Context, m api.Module, body io.Reader, framingName string, sctx []byte, batch int) ([]abi.Event, error) {
	return ReplayChunks(ctx, m, framing.Split(body, framingName, framing.Options{}), sctx, batch)
}

// ReplayChunks is Replay for chunks framed beforehand, or by any framer:
// seq yields the chunks, then the framing's error if the stream is
// corrupt (framing.Each makes it from a slice). As a host does, it
// completes the tool calls the module ends with tool-call-end (ABI 1.4;
// abi.ToolCalls.Complete).
func ReplayChunks(ctx context.Context, m api.Module, seq iter.Seq2[abi.Chunk, error], sctx []byte, batch int) ([]abi.Event, error) {
	var events []abi.Event
	var calls abi.ToolCalls
	f := framing.Feeder{Context: sctx, Call: func(in *abi.TransformInput) ([]byte, error) {
		st, evs, err := m.Transform(ctx, in)
		if err != nil {
			return nil, err
		}
		events = calls.Complete(events, evs)
		return st, nil
	}}
	corrupt, err := f.Replay(seq, batch)
	if err != nil || corrupt == nil {
		return events, err
	}
	return append(events, framing.ErrorEvent(corrupt)), nil
}

// AppendLines appends the canonical JSON lines of events to dst.
func AppendLines(dst []byte, events []abi.Event) []byte { return appendLines(dst, events) }

func appendLines(dst []byte, events []abi.Event) []byte {
	for i := range events {
		dst = events[i].AppendJSON(dst)
		dst = append(dst, '\n')
	}
	return dst
}

func canonicalJSON(b []byte) ([]byte, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return json.MarshalIndent(v, "", "  ")
}

// jsonDiff compares two JSON documents by value; "" means equal.
func jsonDiff(want, got []byte) string {
	w, err := canonicalJSON(want)
	if err != nil {
		return "expected projection is not valid JSON: " + err.Error()
	}
	g, err := canonicalJSON(got)
	if err != nil {
		return "module's projection is not valid JSON: " + err.Error()
	}
	if bytes.Equal(w, g) {
		return ""
	}
	return "\n" + lineDiff(w, g)
}

// lineDiff shows the first differing line of two texts with context.
func lineDiff(want, got []byte) string {
	wl := strings.Split(strings.TrimSuffix(string(want), "\n"), "\n")
	gl := strings.Split(strings.TrimSuffix(string(got), "\n"), "\n")
	i := 0
	for i < len(wl) && i < len(gl) && wl[i] == gl[i] {
		i++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "  first difference at line %d (expected %d lines, got %d)\n", i+1, len(wl), len(gl))
	if i < len(wl) {
		fmt.Fprintf(&b, "  - %s\n", wl[i])
	}
	if i < len(gl) {
		fmt.Fprintf(&b, "  + %s\n", gl[i])
	}
	return b.String()
}
