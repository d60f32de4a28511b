package guesttest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/api/cases"
	"github.com/wasmadapt/wasmadapt/framing"
	"github.com/wasmadapt/wasmadapt/guest"
)

// WholeMatchesStream checks the ABI's rule for wasmadapt_parse_response on
// every pair of golden cases in dir named stream-NAME and whole-NAME: the
// whole body's events are the events the stream gives, with whole texts in
// single deltas. Both sides are compared after Merge. The stream case is
// framed with SplitSSE (framing "sse" or none given) or split into lines
// (framing "ndjson"); pairs in other framings are skipped. The stream
// context comes from the stream case's request.json, else the whole
// case's, else is empty. A pair whose responses have different ids (two
// unrelated responses that happen to share a name) is skipped. It returns
// the number of pairs found.
func WholeMatchesStream(t *testing.T, a guest.Adapter, dir string) int {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		name, ok := strings.CutPrefix(e.Name(), "whole-")
		if !ok || !e.IsDir() {
			continue
		}
		sdir, wdir := filepath.Join(dir, "stream-"+name), filepath.Join(dir, e.Name())
		if _, err := os.Stat(sdir); err != nil {
			continue
		}
		sc, wc := loadCase(t, sdir), loadCase(t, wdir)
		fr := sc.Meta.Framing
		if fr == "" {
			fr = abi.FramingSSE
		}
		if fr != abi.FramingSSE && fr != abi.FramingNDJSON {
			continue
		}
		chunks, err := framing.Chunks(caseBody(t, sc), fr, framing.Options{})
		if err != nil {
			t.Fatalf("framing %s: %v", sdir, err)
		}
		ctx := caseContext(t, sc)
		if ctx == nil {
			ctx = caseContext(t, wc)
		}
		n++
		t.Run(name, func(t *testing.T) {
			streamed := Batched(t, a, ctx, chunks, 0)
			var out guest.Output
			if err := a.ParseResponse(&abi.ResponseInput{Status: 200, Context: ctx, Body: caseBody(t, wc)}, &out); err != nil {
				t.Fatalf("ParseResponse: %v", err)
			}
			if sid, wid := responseID(t, streamed), responseID(t, out.Events()); sid != wid {
				t.Skipf("stream-%s and whole-%s are different responses (ids %q and %q)", name, name, sid, wid)
			}
			s, w := Merge(t, streamed), Merge(t, out.Events())
			if s != w {
				t.Errorf("whole-%s gives other events than stream-%s (deltas merged):\nstream:\n%s\nwhole:\n%s", name, name, s, w)
			}
		})
	}
	return n
}

// Merge returns newline-terminated events with each run of consecutive
// text-delta events, of reasoning-delta events, of refusal events and of
// tool-call-delta events of one index merged into one event, each
// re-encoded with its members sorted: the form in which a stream and the
// whole response of it must agree.
func Merge(t testing.TB, events []byte) string {
	t.Helper()
	var evs []map[string]any
	for _, line := range Lines(t, events) {
		var e map[string]any
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("event %s: %v", line, err)
		}
		if k := len(evs) - 1; k >= 0 && evs[k]["type"] == e["type"] {
			last := evs[k]
			switch abi.EventType(str(e["type"])) {
			case abi.EventTextDelta, abi.EventReasoningDelta:
				last["text"] = str(last["text"]) + str(e["text"])
				continue
			case abi.EventRefusal:
				if last["source"] == e["source"] {
					last["text"] = str(last["text"]) + str(e["text"])
					continue
				}
			case abi.EventToolCallDelta:
				if last["index"] == e["index"] {
					last["arguments"] = str(last["arguments"]) + str(e["arguments"])
					continue
				}
			}
		}
		evs = append(evs, e)
	}
	var b strings.Builder
	for _, e := range evs {
		j, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(j)
		b.WriteByte('\n')
	}
	return b.String()
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// responseID returns the id of the first response-start event, or "".
func responseID(t testing.TB, events []byte) string {
	t.Helper()
	for _, line := range Lines(t, events) {
		var e struct {
			Type abi.EventType
			ID   string
		}
		if json.Unmarshal([]byte(line), &e) == nil && e.Type == abi.EventResponseStart {
			return e.ID
		}
	}
	return ""
}

// loadCase reads a golden case directory (package api/cases).
func loadCase(t testing.TB, dir string) *cases.Case {
	t.Helper()
	c, err := cases.LoadCase(dir)
	if err != nil {
		t.Fatal(err)
	}
	if c == nil {
		t.Fatalf("%s holds no case file", dir)
	}
	return c
}

// caseBody returns the case's body, failing the test when it has none.
func caseBody(t testing.TB, c *cases.Case) []byte {
	t.Helper()
	if c.Body == nil {
		t.Fatalf("%s has no %s", c.Dir, cases.FileBody)
	}
	return c.Body
}

// caseContext returns the stream context of a case's request, or nil when
// it has none.
func caseContext(t testing.TB, c *cases.Case) []byte {
	t.Helper()
	ctx, err := c.StreamContext()
	if err != nil {
		t.Fatalf("%s: %v", c.Dir, err)
	}
	return ctx
}
