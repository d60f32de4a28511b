package main

import (
	"context"
	"embed"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/host"
	"github.com/wasmadapt/wasmadapt/host/providertest"
)

// demoCases are the recorded responses the built-in provider replays: a
// turn with two parallel tool calls, then the answer. They are golden cases
// too (`wasmrun test bin/adapters/openai.wasm cmd/wasmrun/testdata/demo`).
//
//go:embed testdata/demo
var demoCases embed.FS

func init() {
	register(&command{name: "demo", usage: "demo [--module MODULE] [--json]",
		help: "run a streaming tool-calling chat through the host against a built-in recorded provider (no API key)", run: runDemo})
}

// defaultModule finds the module next to the binary (bin/wasmrun ->
// bin/adapters/NAME.wasm), else under ./bin, else returns its name: it is
// then built from the sources (a `go install`ed wasmrun has no bin/).
func defaultModule(name string) string {
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), "adapters", name+".wasm")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p := filepath.Join("bin", "adapters", name+".wasm"); fileExists(p) {
		return p
	}
	return name
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func loadDemoCases() ([]providertest.Case, error) {
	const root = "testdata/demo"
	ents, err := fs.ReadDir(demoCases, root)
	if err != nil {
		return nil, err
	}
	var out []providertest.Case
	for _, e := range ents {
		dir := path.Join(root, e.Name())
		c := providertest.Case{Name: e.Name(), Framing: abi.FramingSSE}
		if c.Body, err = demoCases.ReadFile(path.Join(dir, "body")); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// demoWeather is the demo's tool: a fixed table, so the run is the same
// every time.
func demoWeather(_ context.Context, args json.RawMessage) (string, error) {
	var a struct {
		City string `json:"city"`
		Unit string `json:"unit"`
	}
	if err := json.Unmarshal(args, &a); err != nil {
		return "", err
	}
	table := map[string]string{
		"paris": `{"city":"Paris","temperature":14,"unit":"celsius","sky":"cloudy"}`,
		"tokyo": `{"city":"Tokyo","temperature":19,"unit":"celsius","sky":"clear"}`,
	}
	if w, ok := table[strings.ToLower(a.City)]; ok {
		return w, nil
	}
	return "", fmt.Errorf("no weather station for %q", a.City)
}

func runDemo(ctx context.Context, e *env, args []string) error {
	fset := flag.NewFlagSet("demo", flag.ContinueOnError)
	modPath := fset.String("module", "", "adapter module (default: bin/adapters/openai.wasm next to wasmrun, else openai built from the sources)")
	asJSON := fset.Bool("json", false, "print every event as a JSON line instead of the narrated run")
	if _, err := parseArgs(fset, args); err != nil {
		return err
	}
	if *modPath == "" {
		*modPath = defaultModule("openai")
	}
	cs, err := loadDemoCases()
	if err != nil {
		return err
	}
	srv := providertest.NewServer(cs, providertest.WithSequence(), providertest.WithCuts(7, 48))
	defer srv.Close()

	m, done, err := openModule(ctx, e, *modPath)
	if err != nil {
		return err
	}
	defer done()
	tools, err := host.NewToolRegistry(host.Tool{
		Name:        "get_weather",
		Description: "Current weather for a city.",
		Parameters:  json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["city","unit"],"additionalProperties":false}`),
		Handler:     demoWeather,
	})
	if err != nil {
		return err
	}
	var mu sync.Mutex
	out := e.stdout
	say := func(format string, a ...any) {
		mu.Lock()
		fmt.Fprintf(out, format, a...)
		mu.Unlock()
	}
	inText := false
	obs := host.ObserverFunc(func(_ context.Context, s host.StepEvent) {
		if *asJSON {
			if s.Kind == host.KindEvent {
				say("%s\n", s.Event.AppendJSON(nil))
			}
			return
		}
		switch s.Kind {
		case host.KindStepStart:
			say("\n── step %d · session %s · trace %s · %s via module %q\n", s.Step, s.SessionID, s.TraceID, s.Model, s.Module)
		case host.KindEvent:
			ev := s.Event
			switch ev.Type {
			case abi.EventResponseStart:
				say("   response %s from %s\n", ev.ID, ev.Model)
			case abi.EventTextDelta:
				if !inText {
					say("   assistant: ")
					inText = true
				}
				say("%s", ev.Text)
			case abi.EventToolCall:
				say("   tool call #%d %s %s(%s)\n", ev.Index, ev.ID, ev.Name, ev.Arguments)
			case abi.EventUsage:
				if inText {
					say("\n")
					inText = false
				}
				say("   usage: %d input (%d cached), %d output tokens\n", ev.Usage.InputTokens, ev.Usage.CachedInputTokens, ev.Usage.OutputTokens)
			case abi.EventFinish:
				say("   finish: %s\n", ev.Reason)
			}
		case host.KindToolResult:
			status := "ok"
			if s.Result.IsError {
				status = "error"
			}
			say("   tool result for %s (%s): %s\n", s.Result.ToolCallID, status, s.Result.Content)
		case host.KindRetry:
			say("   retrying after %v: %v\n", s.Delay, s.Err)
		}
	})
	client := host.NewClient(host.WithLogger(e.logger), host.WithObserver(obs))
	loop := &host.ToolLoop{
		Client:   client,
		Provider: host.Provider{Module: m, BaseURL: srv.URL, Credentials: host.StaticKey("demo-key-not-a-secret")},
		Tools:    tools,
	}
	sess := host.NewSession("demo-session", "demo-trace")
	sess.AddSystem("You are a concise weather assistant. Use the tools.")
	sess.AddUser("What's the weather in Paris and in Tokyo?")
	if !*asJSON {
		say("wasmadapt demo: a recorded provider on %s replays an OpenAI stream cut into random pieces;\n", srv.URL)
		say("the host frames it, the sandboxed module %s turns it into normalized events,\n", filepath.Base(*modPath))
		say("and the tool loop runs the tool calls and sends the results back.\n")
		say("\nuser: What's the weather in Paris and in Tokyo?\n")
	}
	resp, err := loop.Run(ctx, sess, &abi.Request{Model: "gpt-4.1-mini", Stream: true})
	if err != nil {
		return err
	}
	if !*asJSON {
		say("\nfinal answer (%s): %s\n", resp.FinishReason, resp.Text)
		say("the session now holds %d messages; requests sent: %d\n", len(sess.Messages()), len(srv.Requests()))
	}
	return nil
}
