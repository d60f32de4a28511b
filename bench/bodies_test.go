package bench

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/ from the body generators")

// call is one complete tool call of a response.
type call struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// result is what a streamed response amounts to: its text and its tool
// calls in order. Every runner (ours and the peers) reduces its stream to
// one, and a runner's result must equal the body's expected one.
type result struct {
	Text  string `json:"text"`
	Calls []call `json:"calls"`
}

// equal compares two results, tool-call arguments as JSON values (a peer
// may re-encode them).
func (r result) equal(o result) bool {
	if r.Text != o.Text || len(r.Calls) != len(o.Calls) {
		return false
	}
	for i, c := range r.Calls {
		d := o.Calls[i]
		if c.ID != d.ID || c.Name != d.Name || !jsonEqual(c.Arguments, d.Arguments) {
			return false
		}
	}
	return true
}

func jsonEqual(a, b string) bool {
	var x, y bytes.Buffer
	if json.Compact(&x, []byte(a)) != nil || json.Compact(&y, []byte(b)) != nil {
		return a == b
	}
	return bytes.Equal(x.Bytes(), y.Bytes())
}

// body is one provider response the benchmark replays.
type body struct {
	provider string // adapter name: openai, anthropic
	name     string // text, parallel-tools, short-tool, big-args
	sse      []byte
	want     result
}

func (b body) id() string { return b.provider + "-" + b.name }

// bodyNames are the shapes every provider's response is generated in:
// a long text answer, three parallel tool calls, a short single tool call
// and one tool call whose arguments stream 50 KB.
var bodyNames = []string{"text", "parallel-tools", "short-tool", "big-args"}

var words = strings.Fields("the quick brown fox jumps over a lazy dog while seven wizards quietly hex " +
	"every jolly vexed pilot; meanwhile, \"quoted\" remarks and numbers like 42 or 3.14 appear too")

// shape is a body's content before it is put in a provider's framing:
// text pieces and tool calls split into argument pieces.
type shape struct {
	text  []string
	calls []shapeCall
}

type shapeCall struct {
	id, name string
	args     []string
}

func (s shape) result() result {
	r := result{Text: strings.Join(s.text, ""), Calls: []call{}}
	for _, c := range s.calls {
		r.Calls = append(r.Calls, call{ID: c.id, Name: c.name, Arguments: strings.Join(c.args, "")})
	}
	return r
}

// split cuts s into pieces of n bytes (the last one shorter).
func split(s string, n int) []string {
	var out []string
	for len(s) > n {
		out = append(out, s[:n])
		s = s[n:]
	}
	return append(out, s)
}

func shapeOf(name string) shape {
	switch name {
	case "text":
		var s shape
		for i := range 300 {
			s.text = append(s.text, words[i%len(words)]+" ")
		}
		return s
	case "parallel-tools":
		return shape{calls: []shapeCall{
			{"call_w1", "get_weather", split(`{"city":"Paris","unit":"celsius"}`, 8)},
			{"call_t2", "get_time", split(`{"tz":"Europe/Paris"}`, 8)},
			{"call_s3", "search_docs", split(`{"query":"opening hours of the Louvre","limit":5}`, 8)},
		}}
	case "short-tool":
		return shape{calls: []shapeCall{{"call_w1", "get_weather", split(`{"city":"Paris","unit":"celsius"}`, 6)}}}
	case "big-args":
		var sb strings.Builder
		sb.WriteString(`{"query":"`)
		for i := 0; sb.Len() < 50*1024; i++ {
			sb.WriteString(words[i%len(words)])
			sb.WriteByte(' ')
		}
		// The words hold quotes: escape them for the JSON string.
		args := strings.ReplaceAll(sb.String()[len(`{"query":"`):], `"`, `\"`)
		return shape{calls: []shapeCall{{"call_s3", "search_docs", split(`{"query":"`+args+`","limit":5}`, 50)}}}
	}
	panic("unknown body " + name)
}

// openaiSSE frames a shape as a Chat Completions stream with usage.
func openaiSSE(s shape) []byte {
	var b bytes.Buffer
	chunk := func(delta, finish string) {
		fmt.Fprintf(&b, `data: {"id":"chatcmpl-bench1","object":"chat.completion.chunk","created":1764000000,"model":"gpt-4.1-mini-2025-04-14","system_fingerprint":"fp_bench","choices":[{"index":0,"delta":%s,"logprobs":null,"finish_reason":%s}],"usage":null}`+"\n\n", delta, finish)
	}
	first := true
	role := func() string {
		if first {
			first = false
			return `"role":"assistant",`
		}
		return ""
	}
	for _, t := range s.text {
		chunk(`{`+role()+`"content":`+strconv.Quote(t)+`}`, "null")
	}
	finish := `"stop"`
	for i, c := range s.calls {
		finish = `"tool_calls"`
		for j, a := range c.args {
			q, _ := json.Marshal(a)
			if j == 0 {
				chunk(fmt.Sprintf(`{%s"content":null,"tool_calls":[{"index":%d,"id":%q,"type":"function","function":{"name":%q,"arguments":%s}}]}`, role(), i, c.id, c.name, q), "null")
				continue
			}
			chunk(fmt.Sprintf(`{"tool_calls":[{"index":%d,"function":{"arguments":%s}}]}`, i, q), "null")
		}
	}
	chunk(`{}`, finish)
	b.WriteString(`data: {"id":"chatcmpl-bench1","object":"chat.completion.chunk","created":1764000000,"model":"gpt-4.1-mini-2025-04-14","system_fingerprint":"fp_bench","choices":[],"usage":{"prompt_tokens":120,"completion_tokens":310,"total_tokens":430}}` + "\n\n")
	b.WriteString("data: [DONE]\n\n")
	return b.Bytes()
}

// anthropicSSE frames a shape as a Messages stream: one text block, then
// one tool_use block per call.
func anthropicSSE(s shape) []byte {
	var b bytes.Buffer
	ev := func(typ, data string) { fmt.Fprintf(&b, "event: %s\ndata: %s\n\n", typ, data) }
	ev("message_start", `{"type":"message_start","message":{"id":"msg_bench1","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":120,"output_tokens":1}}}`)
	idx := 0
	if len(s.text) > 0 {
		ev("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`)
		ev("ping", `{"type":"ping"}`)
		for _, t := range s.text {
			q, _ := json.Marshal(t)
			ev("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":`+string(q)+`}}`)
		}
		ev("content_block_stop", `{"type":"content_block_stop","index":0}`)
		idx++
	}
	stop := "end_turn"
	for _, c := range s.calls {
		stop = "tool_use"
		ev("content_block_start", fmt.Sprintf(`{"type":"content_block_start","index":%d,"content_block":{"type":"tool_use","id":%q,"name":%q,"input":{}}}`, idx, c.id, c.name))
		for _, a := range c.args {
			q, _ := json.Marshal(a)
			ev("content_block_delta", fmt.Sprintf(`{"type":"content_block_delta","index":%d,"delta":{"type":"input_json_delta","partial_json":%s}}`, idx, q))
		}
		ev("content_block_stop", fmt.Sprintf(`{"type":"content_block_stop","index":%d}`, idx))
		idx++
	}
	ev("message_delta", `{"type":"message_delta","delta":{"stop_reason":"`+stop+`","stop_sequence":null},"usage":{"output_tokens":310}}`)
	ev("message_stop", `{"type":"message_stop"}`)
	return b.Bytes()
}

var framers = map[string]func(shape) []byte{"openai": openaiSSE, "anthropic": anthropicSSE}

// providers are the adapters benchmarked against a peer SDK.
var providers = []string{"openai", "anthropic"}

// loadBodies reads every body and its expected result from testdata/.
func loadBodies(tb testing.TB) []body {
	tb.Helper()
	var out []body
	for _, p := range providers {
		for _, n := range bodyNames {
			b := body{provider: p, name: n}
			sse, err := os.ReadFile(filepath.Join("testdata", b.id()+".sse"))
			if err != nil {
				tb.Fatalf("%v (regenerate with go test -run TestBodies -update)", err)
			}
			want, err := os.ReadFile(filepath.Join("testdata", b.id()+".want.json"))
			if err != nil {
				tb.Fatal(err)
			}
			if err := json.Unmarshal(want, &b.want); err != nil {
				tb.Fatalf("%s.want.json: %v", b.id(), err)
			}
			b.sse = sse
			out = append(out, b)
		}
	}
	return out
}

// TestBodies checks that testdata/ holds what the generators produce
// (-update rewrites it).
func TestBodies(t *testing.T) {
	for _, p := range providers {
		for _, n := range bodyNames {
			s := shapeOf(n)
			sse := framers[p](s)
			want, err := json.MarshalIndent(s.result(), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			id := p + "-" + n
			files := map[string][]byte{id + ".sse": sse, id + ".want.json": append(want, '\n')}
			for name, data := range files {
				path := filepath.Join("testdata", name)
				if *update {
					if err := os.WriteFile(path, data, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				got, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, data) {
					t.Errorf("%s differs from its generator: run go test -run TestBodies -update", path)
				}
			}
		}
	}
}
