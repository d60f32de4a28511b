package bench

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
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

// equal compares a runner's result r with the body's expected one, want:
// tool-call arguments as compacted JSON (a peer may re-encode them). A
// wanted call with no ID is one whose stream carries none (Gemini's
// functionCall parts): each runner then names the call its own way (the
// gemini adapter synthesizes call_<hash of responseId and index>, genai
// leaves the ID empty), so only names and arguments are compared, and the
// arguments as JSON values with key order ignored, since they arrive as a
// JSON object that genai decodes into a map (re-encoded with sorted keys).
func (r result) equal(want result) bool {
	if r.Text != want.Text || len(r.Calls) != len(want.Calls) {
		return false
	}
	for i, c := range r.Calls {
		d := want.Calls[i]
		if c.Name != d.Name {
			return false
		}
		if d.ID == "" {
			if !jsonSameValue(c.Arguments, d.Arguments) {
				return false
			}
			continue
		}
		if c.ID != d.ID || !jsonEqual(c.Arguments, d.Arguments) {
			return false
		}
	}
	return true
}

// jsonSameValue reports whether a and b are JSON texts of the same value
// (objects compared by their members, whatever their order; numbers by
// their text).
func jsonSameValue(a, b string) bool {
	decode := func(s string) (any, bool) {
		d := json.NewDecoder(strings.NewReader(s))
		d.UseNumber()
		var v any
		if d.Decode(&v) != nil || d.More() {
			return nil, false
		}
		return v, true
	}
	x, okX := decode(a)
	y, okY := decode(b)
	return okX && okY && reflect.DeepEqual(x, y)
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
	provider string // adapter name: openai, anthropic, gemini
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

// result is what the shape amounts to in a provider's framing: Gemini's
// stream carries no tool-call IDs, so its calls are expected without one
// (see result.equal).
func (s shape) result(provider string) result {
	r := result{Text: strings.Join(s.text, ""), Calls: []call{}}
	for _, c := range s.calls {
		id := c.id
		if provider == "gemini" {
			id = ""
		}
		r.Calls = append(r.Calls, call{ID: id, Name: c.name, Arguments: strings.Join(c.args, "")})
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

// geminiSSE frames a shape as a Gemini API streamGenerateContent?alt=sse
// stream, as the API sends it: events separated by CRLF CRLF, JSON with
// ": " after each key, usageMetadata and the response's modelVersion and
// responseId in every chunk (as gemini-2.5-flash sends it: the candidates'
// token count so far, growing from chunk to chunk). Text arrives one piece
// a chunk; a tool call
// arrives whole, as one functionCall part with its arguments as a JSON
// object (Gemini does not stream argument pieces, and sends no call id),
// all the calls of a turn in one chunk, the last chunk carrying
// finishReason STOP (with calls too) and the final token counts.
func geminiSSE(s shape) []byte {
	var b bytes.Buffer
	n := 0 // chunks so far
	chunk := func(parts string, last bool) {
		n++
		finish, out := "", n
		if last {
			finish, out = `,"finishReason": "STOP"`, 310
		}
		fmt.Fprintf(&b, `data: {"candidates": [{"content": {"parts": [%s],"role": "model"}%s,"index": 0}],"usageMetadata": {"promptTokenCount": 120,"candidatesTokenCount": %d,"totalTokenCount": %d,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 120}]},"modelVersion": "gemini-2.5-flash","responseId": "bH6LaZW8Fp_3nsEPqtaSwQ4"}`+"\r\n\r\n", parts, finish, out, 120+out)
	}
	for i, t := range s.text {
		q, _ := json.Marshal(t)
		chunk(`{"text": `+string(q)+`}`, i == len(s.text)-1 && len(s.calls) == 0)
	}
	if len(s.calls) > 0 {
		var parts []string
		for _, c := range s.calls {
			// The arguments as the object they are (the shape's
			// pieces joined), not as a JSON string.
			parts = append(parts, fmt.Sprintf(`{"functionCall": {"name": %q,"args": %s}}`, c.name, spaceColons(strings.Join(c.args, ""))))
		}
		chunk(strings.Join(parts, ","), true)
	}
	return b.Bytes()
}

// spaceColons puts a space after every colon of compact JSON outside its
// strings, as Gemini formats the objects it sends.
func spaceColons(js string) string {
	var sb strings.Builder
	inString, escaped := false, false
	for i := 0; i < len(js); i++ {
		c := js[i]
		sb.WriteByte(c)
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case !inString && c == ':':
			sb.WriteByte(' ')
		}
	}
	return sb.String()
}

var framers = map[string]func(shape) []byte{"openai": openaiSSE, "anthropic": anthropicSSE, "gemini": geminiSSE}

// providers are the adapters benchmarked against a peer SDK.
var providers = []string{"openai", "anthropic", "gemini"}

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
			want, err := json.MarshalIndent(s.result(p), "", "  ")
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

// TestResultEqual checks how a runner's result is compared with the
// expected one: strictly (IDs, argument key order) where the stream
// carries call IDs, by name and argument value where it carries none.
func TestResultEqual(t *testing.T) {
	withID := result{Calls: []call{{ID: "call_s3", Name: "search_docs", Arguments: `{"query":"q","limit":5}`}}}
	noID := result{Calls: []call{{Name: "search_docs", Arguments: `{"query":"q","limit":5}`}}}
	got := func(id, name, args string) result {
		return result{Calls: []call{{ID: id, Name: name, Arguments: args}}}
	}
	tests := []struct {
		name      string
		got, want result
		equal     bool
	}{
		{"same", got("call_s3", "search_docs", `{"query":"q","limit":5}`), withID, true},
		{"same, spaced", got("call_s3", "search_docs", `{"query": "q", "limit": 5}`), withID, true},
		{"other id", got("call_x", "search_docs", `{"query":"q","limit":5}`), withID, false},
		{"keys reordered", got("call_s3", "search_docs", `{"limit":5,"query":"q"}`), withID, false},
		{"other text", result{Text: "x", Calls: withID.Calls}, withID, false},
		{"no id wanted: any id", got("call_LDx43kLJQRAndrkHcjMa2b", "search_docs", `{"query":"q","limit":5}`), noID, true},
		{"no id wanted: empty id", got("", "search_docs", `{"query":"q","limit":5}`), noID, true},
		{"no id wanted: keys reordered", got("", "search_docs", `{"limit":5,"query":"q"}`), noID, true},
		{"no id wanted: other name", got("", "get_time", `{"query":"q","limit":5}`), noID, false},
		{"no id wanted: other value", got("", "search_docs", `{"query":"q","limit":6}`), noID, false},
		{"no id wanted: number text", got("", "search_docs", `{"query":"q","limit":5.0}`), noID, false},
		{"no id wanted: extra member", got("", "search_docs", `{"query":"q","limit":5,"x":1}`), noID, false},
		{"no id wanted: not JSON", got("", "search_docs", `{"query":"q","limit":5`), noID, false},
		{"no id wanted: a call short", result{Calls: []call{}}, noID, false},
	}
	for _, tt := range tests {
		if e := tt.got.equal(tt.want); e != tt.equal {
			t.Errorf("%s: equal = %v, want %v", tt.name, e, tt.equal)
		}
	}
}

// TestSpaceColons checks the Gemini formatting of argument objects:
// colons inside strings (escaped quotes included) stay as they are.
func TestSpaceColons(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"city":"Paris","unit":"celsius"}`, `{"city": "Paris","unit": "celsius"}`},
		{`{"q":"a:b","n":{"m":1}}`, `{"q": "a:b","n": {"m": 1}}`},
		{`{"q":"say \"x:y\" and \\","l":5}`, `{"q": "say \"x:y\" and \\","l": 5}`},
		{`[]`, `[]`},
	}
	for _, tt := range tests {
		if got := spaceColons(tt.in); got != tt.want {
			t.Errorf("spaceColons(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
