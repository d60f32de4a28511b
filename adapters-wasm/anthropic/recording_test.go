package anthropic

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

// The shared provider recordings live outside the repository; these tests
// read them when present and are skipped otherwise.
const recordings = "../../../shared/fixtures/provider-recordings/anthropic/"

// TestWebSearchRecording replays a recorded web search stream (one JSON
// event per line): the server tool call, its result and the citations
// come as server-tool-call, server-tool-result and source events, the text
// intact, and the stream runs the same in one call and chunk by chunk.
func TestWebSearchRecording(t *testing.T) {
	body, err := os.ReadFile(recordings + "anthropic-web-search-tool.1.chunks.txt")
	if err != nil {
		t.Skip("recording not present:", err)
	}
	var chunks []abi.Chunk
	for _, l := range bytes.Split(body, []byte("\n")) {
		if l = bytes.TrimSpace(l); len(l) > 0 {
			chunks = append(chunks, abi.Chunk{Data: l})
		}
	}
	got := runBoth(t, "", chunks)
	for _, want := range []string{
		`{"type":"server-tool-call","id":"srvtoolu_01Bj5uzzLcYG5hfueSLcDH8k","name":"web_search","input":"{\"query\":\"tech news today September 26 2025\"}"}`,
		`{"type":"server-tool-result","id":"srvtoolu_01Bj5uzzLcYG5hfueSLcDH8k","name":"web_search","content":"[{`,
		`{"type":"source","id":"https://9to5mac.com/2025/09/22/ios-26-1-beta-1/","kind":"url","url":"https://9to5mac.com/2025/09/22/ios-26-1-beta-1/"`,
		`{"type":"finish","reason":"stop","raw_reason":"end_turn"}`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("events lack %s\n%s", want, got)
		}
	}
	if strings.Contains(got, `"type":"error"`) {
		t.Errorf("an error event:\n%s", got)
	}
}
