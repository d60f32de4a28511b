package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	aoption "github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/openai/openai-go/v3"
	ooption "github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"
	"google.golang.org/genai"

	"github.com/wasmadapt/wasmadapt/abi"
	anthropicadapter "github.com/wasmadapt/wasmadapt/adapters-wasm/anthropic"
	geminiadapter "github.com/wasmadapt/wasmadapt/adapters-wasm/gemini"
	openaiadapter "github.com/wasmadapt/wasmadapt/adapters-wasm/openai"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/host"
)

// tool is one tool of the benchmark's request, given to every runner.
type tool struct {
	name, description string
	schema            map[string]any
}

var tools = []tool{
	{"get_weather", "Current weather for a city", map[string]any{
		"type": "object",
		"properties": map[string]any{
			"city": map[string]any{"type": "string", "description": "City name"},
			"unit": map[string]any{"type": "string", "enum": []any{"celsius", "fahrenheit"}},
		},
		"required": []any{"city"},
	}},
	{"get_time", "Local time in a time zone", map[string]any{
		"type":       "object",
		"properties": map[string]any{"tz": map[string]any{"type": "string", "description": "IANA zone"}},
		"required":   []any{"tz"},
	}},
	{"search_docs", "Search the documentation", map[string]any{
		"type": "object",
		"properties": map[string]any{
			"query": map[string]any{"type": "string"},
			"limit": map[string]any{"type": "integer", "minimum": 1, "maximum": 20},
		},
		"required": []any{"query"},
	}},
}

const (
	systemPrompt = "You are a travel assistant. Answer briefly and use the tools when they help."
	userPrompt   = "What is the weather in Paris, what time is it there, and when does the Louvre open?"
	maxTokens    = 1024
)

var models = map[string]string{"openai": "gpt-4.1-mini", "anthropic": "claude-sonnet-4-5", "gemini": "gemini-2.5-flash"}

// normalized is the benchmark's request as the project's contract: the
// same system prompt, user turn, tools and limits the peers send.
func normalized(provider string) *abi.Request {
	r := map[string]any{
		"model":             models[provider],
		"stream":            true,
		"max_output_tokens": maxTokens,
		"messages": []any{
			map[string]any{"role": "system", "content": systemPrompt},
			map[string]any{"role": "user", "content": userPrompt},
		},
	}
	var ts []any
	for _, t := range tools {
		ts = append(ts, map[string]any{"name": t.name, "description": t.description, "parameters": t.schema})
	}
	r["tools"] = ts
	data, err := json.Marshal(r)
	if err != nil {
		panic(err)
	}
	var req abi.Request
	if err := json.Unmarshal(data, &req); err != nil {
		panic(err)
	}
	return &req
}

// runner sends the benchmark's request through hc to base and reduces
// the streamed answer to a result.
type runner func(ctx context.Context, hc *http.Client, base string) (result, error)

// ours runs the request through host.Client with module m: one client per
// HTTP client (a host.Client is meant to be reused; it holds the
// connection pool and the module's capabilities).
func ours(provider string, m engine.Module) runner {
	req := normalized(provider)
	var (
		mu      sync.Mutex
		clients = map[*http.Client]*host.Client{}
	)
	return func(ctx context.Context, hc *http.Client, base string) (result, error) {
		mu.Lock()
		client := clients[hc]
		if client == nil {
			client = host.NewClient(host.WithHTTPClient(hc), host.WithLogger(slog.New(slog.DiscardHandler)))
			clients[hc] = client
		}
		mu.Unlock()
		p := host.Provider{Module: m, BaseURL: base, Credentials: host.StaticKey("sk-bench")}
		r := result{Calls: []call{}}
		var text strings.Builder
		for ev, err := range client.Stream(ctx, p, req) {
			if err != nil {
				return r, err
			}
			switch ev.Type {
			case abi.EventTextDelta:
				text.WriteString(ev.Text)
			case abi.EventToolCall:
				r.Calls = append(r.Calls, call{ID: ev.ID, Name: ev.Name, Arguments: ev.Arguments})
			}
		}
		r.Text = text.String()
		return r, nil
	}
}

// openaiGo runs the request through openai-go's streaming Chat
// Completions call and its accumulator.
func openaiGo(ctx context.Context, hc *http.Client, base string) (result, error) {
	c := openai.NewClient(ooption.WithBaseURL(base+"/v1/"), ooption.WithHTTPClient(hc), ooption.WithAPIKey("sk-bench"), ooption.WithMaxRetries(0))
	var ts []openai.ChatCompletionToolUnionParam
	for _, t := range tools {
		ts = append(ts, openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{
			Name: t.name, Description: openai.String(t.description), Parameters: shared.FunctionParameters(t.schema),
		}))
	}
	s := c.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{
		Model:               models["openai"],
		Messages:            []openai.ChatCompletionMessageParamUnion{openai.SystemMessage(systemPrompt), openai.UserMessage(userPrompt)},
		Tools:               ts,
		MaxCompletionTokens: openai.Int(maxTokens),
		StreamOptions:       openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	})
	defer s.Close()
	var acc openai.ChatCompletionAccumulator
	for s.Next() {
		acc.AddChunk(s.Current())
	}
	r := result{Calls: []call{}}
	if err := s.Err(); err != nil {
		return r, err
	}
	if len(acc.Choices) == 0 {
		return r, fmt.Errorf("openai-go: no choices")
	}
	m := acc.Choices[0].Message
	r.Text = m.Content
	for _, tc := range m.ToolCalls {
		r.Calls = append(r.Calls, call{ID: tc.ID, Name: tc.Function.Name, Arguments: tc.Function.Arguments})
	}
	return r, nil
}

// anthropicGo runs the request through anthropic-sdk-go's streaming
// Messages call and Message.Accumulate.
func anthropicGo(ctx context.Context, hc *http.Client, base string) (result, error) {
	c := anthropic.NewClient(aoption.WithBaseURL(base+"/"), aoption.WithHTTPClient(hc), aoption.WithAPIKey("sk-bench"), aoption.WithMaxRetries(0))
	var ts []anthropic.ToolUnionParam
	for _, t := range tools {
		tp := anthropic.ToolUnionParamOfTool(anthropic.ToolInputSchemaParam{
			Properties: t.schema["properties"], Required: requiredOf(t.schema),
		}, t.name)
		tp.OfTool.Description = anthropic.String(t.description)
		ts = append(ts, tp)
	}
	s := c.Messages.NewStreaming(ctx, anthropic.MessageNewParams{
		Model:     anthropic.Model(models["anthropic"]),
		MaxTokens: maxTokens,
		System:    []anthropic.TextBlockParam{{Text: systemPrompt}},
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(userPrompt))},
		Tools:     ts,
	})
	defer s.Close()
	var msg anthropic.Message
	r := result{Calls: []call{}}
	for s.Next() {
		if err := msg.Accumulate(s.Current()); err != nil {
			return r, err
		}
	}
	if err := s.Err(); err != nil {
		return r, err
	}
	var text strings.Builder
	for _, b := range msg.Content {
		switch b.Type {
		case "text":
			text.WriteString(b.Text)
		case "tool_use":
			r.Calls = append(r.Calls, call{ID: b.ID, Name: b.Name, Arguments: string(b.Input)})
		}
	}
	r.Text = text.String()
	return r, nil
}

// genaiGo runs the request through Google's genai SDK (Gemini API
// backend): GenerateContentStream, its text parts concatenated and its
// functionCall parts collected, arguments re-encoded from the map genai
// decodes them into.
func genaiGo(ctx context.Context, hc *http.Client, base string) (result, error) {
	r := result{Calls: []call{}}
	c, err := genai.NewClient(ctx, &genai.ClientConfig{
		APIKey: "bench", Backend: genai.BackendGeminiAPI, HTTPClient: hc,
		HTTPOptions: genai.HTTPOptions{BaseURL: base + "/"},
	})
	if err != nil {
		return r, err
	}
	var decls []*genai.FunctionDeclaration
	for _, t := range tools {
		decls = append(decls, &genai.FunctionDeclaration{Name: t.name, Description: t.description, ParametersJsonSchema: t.schema})
	}
	cfg := &genai.GenerateContentConfig{
		SystemInstruction: genai.NewContentFromText(systemPrompt, genai.RoleUser),
		MaxOutputTokens:   maxTokens,
		Tools:             []*genai.Tool{{FunctionDeclarations: decls}},
	}
	var text strings.Builder
	for resp, err := range c.Models.GenerateContentStream(ctx, models["gemini"], genai.Text(userPrompt), cfg) {
		if err != nil {
			return r, err
		}
		if len(resp.Candidates) == 0 || resp.Candidates[0].Content == nil {
			continue
		}
		for _, p := range resp.Candidates[0].Content.Parts {
			switch {
			case p.FunctionCall != nil:
				args, err := json.Marshal(p.FunctionCall.Args)
				if err != nil {
					return r, err
				}
				r.Calls = append(r.Calls, call{ID: p.FunctionCall.ID, Name: p.FunctionCall.Name, Arguments: string(args)})
			case !p.Thought:
				text.WriteString(p.Text)
			}
		}
	}
	r.Text = text.String()
	return r, nil
}

func requiredOf(schema map[string]any) []string {
	var out []string
	for _, v := range schema["required"].([]any) {
		out = append(out, v.(string))
	}
	return out
}

// memTransport answers every request with the body, from memory: the
// runners' own work with no network in between (the request body is read
// to the end, as a server would).
type memTransport struct{ body []byte }

func (t memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return &http.Response{
		StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"text/event-stream"}},
		Body:          io.NopCloser(bytes.NewReader(t.body)),
		ContentLength: -1, Request: r,
	}, nil
}

// loopback serves the body to every request on a local HTTP server.
func loopback(tb testing.TB, sse []byte) (*http.Client, string) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		w.Write(sse)
	}))
	tb.Cleanup(srv.Close)
	t := host.NewTransport()
	tb.Cleanup(t.CloseIdleConnections)
	return &http.Client{Transport: t}, srv.URL
}

// executors are the ways the project runs an adapter: natively (the
// floor) and on every Wasm backend compiled in.
func executors(tb testing.TB, provider string) []namedRunner {
	native := map[string]guest.Adapter{"openai": openaiadapter.New(), "anthropic": anthropicadapter.New(), "gemini": geminiadapter.New()}[provider]
	n := engine.NewNative(provider, native)
	tb.Cleanup(func() { n.Close(context.Background()) })
	out := []namedRunner{{"native", ours(provider, n)}}
	for _, be := range wasmBackends {
		out = append(out, namedRunner{be, ours(provider, loadModule(tb, be, provider))})
	}
	return out
}

type namedRunner struct {
	name string
	run  runner
}

var peerRunners = map[string][]namedRunner{
	"openai":    {{"openai-go", openaiGo}},
	"anthropic": {{"anthropic-sdk-go", anthropicGo}},
	"gemini":    {{"genai", genaiGo}},
}

// loadModule loads ../bin/adapters/<adapter>.wasm (make adapters), or
// <adapter>.wasm from the directory WASMADAPT_BENCH_MODULES names (to
// compare builds of a module), on the backend, one pooled instance,
// closing the engine when tb ends.
func loadModule(tb testing.TB, backend, adapter string) engine.Module {
	tb.Helper()
	dir := os.Getenv("WASMADAPT_BENCH_MODULES")
	if dir == "" {
		dir = filepath.Join("..", "bin", "adapters")
	}
	wasm, err := os.ReadFile(filepath.Join(dir, adapter+".wasm"))
	if err != nil {
		tb.Fatalf("%v: build the modules first (make adapters)", err)
	}
	ctx := context.Background()
	cfg := engine.Config{Backend: backend, PoolSize: 1, CacheDir: cacheDir(tb), Logger: slog.New(slog.DiscardHandler)}
	if d := os.Getenv("WASMADAPT_BENCH_CALL_TIMEOUT"); d != "" {
		// Under valgrind a call runs ~50x slower than the default
		// deadline allows; the deadline stays enforced (the same
		// instrumentation runs), only later.
		if cfg.CallTimeout, err = time.ParseDuration(d); err != nil {
			tb.Fatalf("WASMADAPT_BENCH_CALL_TIMEOUT: %v", err)
		}
	}
	e, err := engine.New(ctx, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { e.Close(ctx) })
	m, err := e.Load(ctx, adapter, wasm)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

var (
	cacheOnce sync.Once
	cacheRoot string
)

// cacheDir is one compilation cache per process, so that -count reruns
// deserialize instead of recompiling; WASMADAPT_BENCH_CACHE names a
// directory to keep it in across processes (the instruction counts run
// the test binary under valgrind once per measurement).
func cacheDir(tb testing.TB) string {
	cacheOnce.Do(func() {
		if cacheRoot = os.Getenv("WASMADAPT_BENCH_CACHE"); cacheRoot == "" {
			cacheRoot, _ = os.MkdirTemp("", "wasmadapt-peers-cache-")
		}
	})
	if cacheRoot == "" {
		tb.Fatal("no compilation cache directory")
	}
	return cacheRoot
}

// TestPeersAgree checks that every runner, ours and the peers', reduces
// every body to its expected result, in memory and over loopback.
func TestPeersAgree(t *testing.T) {
	ctx := context.Background()
	for _, b := range loadBodies(t) {
		for _, r := range append(executors(t, b.provider), peerRunners[b.provider]...) {
			t.Run(b.id()+"/"+r.name, func(t *testing.T) {
				mem := &http.Client{Transport: memTransport{b.sse}}
				got, err := r.run(ctx, mem, "http://bench.invalid")
				if err != nil {
					t.Fatal(err)
				}
				if !got.equal(b.want) {
					t.Errorf("result differs from %s.want.json:\n got %.300v\nwant %.300v", b.id(), got, b.want)
				}
			})
		}
	}
}

// BenchmarkPeers runs every body through the project's paths (native,
// wazero, wasmtime with -tags wasmtime; through host.Client) and through
// the provider's Go SDK, each over an in-memory transport (mem: the
// client's own work) and a loopback HTTP server (loopback), as
// sub-benchmarks <provider>-<body>/<transport>/<runner>. A runner whose
// result differs from the body's expected one reports wrong=1 (its
// numbers do not count). Metrics: ns/op, cpu-ns/op (process CPU time per
// op), allocs.
func BenchmarkPeers(b *testing.B) {
	ctx := context.Background()
	for _, bd := range loadBodies(b) {
		b.Run(bd.id(), func(b *testing.B) {
			runners := append(executors(b, bd.provider), peerRunners[bd.provider]...)
			for _, transport := range []string{"mem", "loopback"} {
				b.Run(transport, func(b *testing.B) {
					for _, r := range runners {
						b.Run(r.name, func(b *testing.B) {
							hc, base := &http.Client{Transport: memTransport{bd.sse}}, "http://bench.invalid"
							if transport == "loopback" {
								hc, base = loopback(b, bd.sse)
							}
							got, err := r.run(ctx, hc, base) // warm and check
							if err != nil {
								b.Fatal(err)
							}
							wrong := 0.0
							if !got.equal(bd.want) {
								wrong = 1
								b.Logf("%s on %s: wrong result", r.name, bd.id())
							}
							b.SetBytes(int64(len(bd.sse)))
							b.ReportAllocs()
							b.ResetTimer()
							cpu := cpuNanos()
							for b.Loop() {
								if _, err := r.run(ctx, hc, base); err != nil {
									b.Fatal(err)
								}
							}
							b.StopTimer()
							b.ReportMetric(float64(cpuNanos()-cpu)/float64(b.N), "cpu-ns/op")
							b.ReportMetric(wrong, "wrong")
						})
					}
				})
			}
		})
	}
}
