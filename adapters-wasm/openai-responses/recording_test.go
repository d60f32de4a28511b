package openairesponses

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

// The shared provider recordings live outside the repository; this test
// reads them when present and is skipped otherwise.
const recordings = "../../../shared/fixtures/provider-recordings/openai-responses/"

// TestWebSearchRecording replays a recorded web search stream (one JSON
// event per line): every web_search_call is a server-tool-call and a
// server-tool-result, the url_citation annotations are source events, and
// the text is intact.
func TestWebSearchRecording(t *testing.T) {
	body, err := os.ReadFile(recordings + "openai-web-search-tool.1.chunks.txt")
	if err != nil {
		t.Skip("recording not present:", err)
	}
	var chunks []abi.Chunk
	for _, l := range bytes.Split(body, []byte("\n")) {
		if l = bytes.TrimSpace(l); len(l) > 0 {
			chunks = append(chunks, abi.Chunk{Data: l})
		}
	}
	got := transform(t, chunks...)
	for _, tt := range []struct {
		what string
		n    int
	}{
		{`"type":"server-tool-call"`, 6},
		{`"type":"server-tool-result"`, 6},
		{`"type":"source"`, 12},
		{`"type":"finish","reason":"stop"`, 1},
		{`"type":"error"`, 0},
	} {
		if n := strings.Count(got, tt.what); n != tt.n {
			t.Errorf("%d events with %s, want %d", n, tt.what, tt.n)
		}
	}
	if !strings.Contains(got, `{"type":"server-tool-call","id":"ws_0cc96ac817fdc57e006933370e71cc81989ece73cbdfe67d25","name":"web_search","input":"{\"query\":\"tech news today December 5 2025\",\"type\":\"search\"}"}`) {
		t.Errorf("the first search call is missing:\n%s", got)
	}
}
