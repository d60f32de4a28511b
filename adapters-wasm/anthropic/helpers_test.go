package anthropic

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// sse parses an SSE text into chunks (event name, joined data lines).
func sse(t testing.TB, text string) []abi.Chunk {
	t.Helper()
	var out []abi.Chunk
	var ev string
	var data []string
	flush := func() {
		if len(data) > 0 || ev != "" {
			out = append(out, abi.Chunk{Event: []byte(ev), Data: []byte(strings.Join(data, "\n"))})
		}
		ev, data = "", nil
	}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		switch {
		case line == "":
			flush()
		case strings.HasPrefix(line, "event:"):
			ev = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			data = append(data, strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
		}
	}
	flush()
	return out
}

// run feeds chunks through Transform, batch chunks per call (0: all in
// one), then an end call, and returns the event lines.
func run(t *testing.T, ctx string, chunks []abi.Chunk, batch int) string {
	t.Helper()
	a := New()
	var state []byte
	var events bytes.Buffer
	call := func(cs []abi.Chunk, flags uint32) {
		var out guest.Output
		in := &abi.TransformInput{Flags: flags, State: state, Chunks: cs}
		if len(state) == 0 {
			in.Context = []byte(ctx)
		}
		if err := a.Transform(in, &out); err != nil {
			t.Fatalf("Transform: %v", err)
		}
		state = append([]byte(nil), out.State()...)
		events.Write(out.Events())
	}
	if batch == 0 {
		call(chunks, 0)
	} else {
		for i := 0; i < len(chunks); i += batch {
			call(chunks[i:min(i+batch, len(chunks))], 0)
		}
	}
	call(nil, abi.FlagEnd)
	return events.String()
}

// runBoth runs the stream all-at-once and one chunk per call and fails if
// the two differ.
func runBoth(t *testing.T, ctx string, chunks []abi.Chunk) string {
	t.Helper()
	all := run(t, ctx, chunks, 0)
	if one := run(t, ctx, chunks, 1); one != all {
		t.Fatalf("events depend on batching:\nall at once:\n%s\none per call:\n%s", all, one)
	}
	return all
}

func project(t *testing.T, reqJSON string) (*abi.ProviderRequest, error) {
	t.Helper()
	var req abi.Request
	if err := json.Unmarshal([]byte(reqJSON), &req); err != nil {
		t.Fatalf("request: %v", err)
	}
	return New().Project(&req)
}

func lines(s ...string) string {
	if len(s) == 0 {
		return ""
	}
	return strings.Join(s, "\n") + "\n"
}
