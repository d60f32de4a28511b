package recordings_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/openai"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/internal/recordings"
)

// splitSSE is a minimal SSE splitter for this test (the host's framer is
// the real one): events end at a blank line, data lines join with "\n",
// comment lines are dropped.
func splitSSE(body []byte) []abi.Chunk {
	var chunks []abi.Chunk
	var ev, data []byte
	hasData := false
	body = bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n"))
	for _, line := range bytes.Split(body, []byte("\n")) {
		switch {
		case len(line) == 0:
			if hasData {
				chunks = append(chunks, abi.Chunk{Event: ev, Data: data})
			}
			ev, data, hasData = nil, nil, false
		case line[0] == ':':
		default:
			field, value, _ := bytes.Cut(line, []byte(":"))
			value = bytes.TrimPrefix(value, []byte(" "))
			switch string(field) {
			case "event":
				ev = append([]byte(nil), value...)
			case "data":
				if hasData {
					data = append(data, '\n')
				}
				data = append(data, value...)
				hasData = true
			}
		}
	}
	if hasData {
		chunks = append(chunks, abi.Chunk{Event: ev, Data: data})
	}
	return chunks
}

// replay runs one recording through the adapter the way the host would:
// map_error for error statuses, parse_response for whole bodies, transform
// chunk by chunk (then an empty call with FlagEnd) for streams.
func replay(t *testing.T, a guest.Adapter, r *recordings.Recording) []byte {
	t.Helper()
	d := guest.NewDispatcher(a)
	check := func(res []byte) []byte {
		if abi.Status(res[0]) != abi.StatusOK {
			t.Fatalf("adapter call failed: %s", res[1:])
		}
		return res[1:]
	}
	switch {
	case r.Status >= 400:
		return bytes.Clone(check(d.MapError(abi.AppendResponseInput(nil, &abi.ResponseInput{Status: uint32(r.Status), Body: r.Body}))))
	case r.Framing == abi.FramingNone:
		return bytes.Clone(check(d.ParseResponse(abi.AppendResponseInput(nil, &abi.ResponseInput{Status: uint32(r.Status), Body: r.Body}))))
	case r.Framing == abi.FramingSSE:
		chunks := splitSSE(r.Body)
		var state, events []byte
		for i := 0; i <= len(chunks); i++ {
			in := abi.TransformInput{State: state}
			if i < len(chunks) {
				in.Chunks = chunks[i : i+1]
			} else {
				in.Flags = abi.FlagEnd
			}
			st, evs, err := abi.DecodeTransformOutput(check(d.Transform(abi.AppendTransformInput(nil, &in))))
			if err != nil {
				t.Fatal(err)
			}
			state = bytes.Clone(st)
			events = append(events, evs...)
		}
		return events
	}
	t.Fatalf("framing %q is not one the openai adapter serves", r.Framing)
	return nil
}

// TestOpenAIChatRecordings runs every openai-chat recording present in
// ../shared through the openai adapter and compares the events with our
// reviewed expectations in testdata/openai/recordings.
func TestOpenAIChatRecordings(t *testing.T) {
	root, ok := recordings.Dir()
	if !ok {
		t.Skip("no ../shared/fixtures/provider-recordings: recordings not present")
	}
	recs, err := recordings.LoadProvider(root, "openai-chat")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) == 0 {
		t.Skip("no openai-chat recordings")
	}
	expDir := filepath.Join("..", "..", "testdata", "openai", "recordings")
	for i := range recs {
		r := &recs[i]
		t.Run(r.Name(), func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join(expDir, r.Name()+".events.jsonl"))
			if os.IsNotExist(err) {
				t.Fatalf("no expected events %s.events.jsonl: review the recording and write them", r.Name())
			}
			if err != nil {
				t.Fatal(err)
			}
			got := replay(t, openai.New(), r)
			if string(got) != string(want) {
				gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
				for j := 0; j < len(gl) || j < len(wl); j++ {
					var g, w string
					if j < len(gl) {
						g = gl[j]
					}
					if j < len(wl) {
						w = wl[j]
					}
					if g != w {
						t.Fatalf("event line %d:\ngot  %s\nwant %s", j+1, g, w)
					}
				}
			}
		})
	}
}
