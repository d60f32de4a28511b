package host_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/host"
	"github.com/wasmadapt/wasmadapt/host/internal/toy"
	"github.com/wasmadapt/wasmadapt/host/providertest"
)

// The examples talk to a loopback mock provider through the toy adapter
// (a made-up wire format); a real program loads a provider's module with
// the engine and uses the provider's base URL.

func ExampleClient_Stream() {
	srv := providertest.NewServer([]providertest.Case{{Name: "hello", Framing: "sse", Body: providertest.SSE(
		"start", `{"id":"r-1","model":"toy-1"}`,
		"text", "Hello",
		"text", ", world",
		"usage", `{"in":3,"out":2}`,
		"done", "stop",
	)}}, providertest.WithCuts(42, 5))
	defer srv.Close()

	mod := engine.NewNative("toy", toy.Adapter{})
	defer mod.Close(context.Background())
	p := host.Provider{Module: mod, BaseURL: srv.URL, Credentials: host.StaticKey("sk-demo")}

	client := host.NewClient()
	req := &abi.Request{Model: "toy-1", Stream: true, Messages: []abi.Message{{Role: abi.RoleUser, Content: abi.Text("Hi")}}}
	for ev, err := range client.Stream(context.Background(), p, req) {
		if err != nil {
			fmt.Println("error:", abi.CodeOf(err))
			return
		}
		fmt.Println(ev.String())
	}
	// Output:
	// {"type":"response-start","id":"r-1","model":"toy-1"}
	// {"type":"text-delta","text":"Hello"}
	// {"type":"text-delta","text":", world"}
	// {"type":"usage","input_tokens":3,"output_tokens":2,"cached_input_tokens":0,"reasoning_tokens":0}
	// {"type":"finish","reason":"stop","raw_reason":"stop"}
}

func ExampleClient_Generate() {
	srv := providertest.NewServer([]providertest.Case{{Name: "whole", Framing: "none",
		Body: []byte(`{"id":"r-2","model":"toy-1","text":"Four.","usage":{"in":5,"out":1},"finish":"stop"}`)}})
	defer srv.Close()
	mod := engine.NewNative("toy", toy.Adapter{})
	defer mod.Close(context.Background())
	p := host.Provider{Module: mod, BaseURL: srv.URL, Credentials: host.StaticKey("sk-demo")}

	resp, err := host.NewClient().Generate(context.Background(), p, &abi.Request{
		Model: "toy-1", Messages: []abi.Message{{Role: abi.RoleUser, Content: abi.Text("2+2?")}},
	})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(resp.Text, resp.FinishReason, resp.Usage.InputTokens, resp.Usage.OutputTokens)
	// Output: Four. stop 5 1
}

func ExampleAllowDowngrade() {
	srv := providertest.NewServer([]providertest.Case{{Name: "whole", Framing: "none",
		Body: []byte(`{"id":"r","model":"toy-nostream","text":"ok","finish":"stop"}`)}})
	defer srv.Close()
	mod := engine.NewNative("toy", toy.Adapter{})
	defer mod.Close(context.Background())
	p := host.Provider{Module: mod, BaseURL: srv.URL, Credentials: host.StaticKey("sk-demo")}
	client := host.NewClient()
	req := &abi.Request{Model: "toy-nostream", Stream: true, Messages: []abi.Message{{Role: abi.RoleUser, Content: abi.Text("hi")}}}

	// The model cannot stream: the capability check refuses before anything is sent.
	_, err := client.Generate(context.Background(), p, req)
	fmt.Println(errors.Is(err, abi.ErrCapabilityUnsupported))

	// Opting in to the downgrade sends one non-streamed request instead.
	resp, err := client.Generate(context.Background(), p, req, host.AllowDowngrade(host.StreamToGenerate))
	fmt.Println(resp.Text, err)
	// Output:
	// true
	// ok <nil>
}

func ExampleToolLoop_Run() {
	srv := providertest.NewServer([]providertest.Case{
		{Name: "1", Framing: "sse", Body: providertest.SSE(
			"start", `{"id":"r-1","model":"toy-1"}`,
			"call", `{"id":"call-1","name":"add","args":"{\"a\":2,\"b\":3}"}`,
			"done", "tool_calls")},
		{Name: "2", Framing: "sse", Body: providertest.SSE(
			"start", `{"id":"r-2","model":"toy-1"}`,
			"text", "2 + 3 = 5",
			"done", "stop")},
	}, providertest.WithSequence())
	defer srv.Close()
	mod := engine.NewNative("toy", toy.Adapter{})
	defer mod.Close(context.Background())

	tools, err := host.NewToolRegistry(host.Tool{
		Name:        "add",
		Description: "Adds two integers.",
		Parameters:  json.RawMessage(`{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"}},"required":["a","b"]}`),
		Handler: func(ctx context.Context, args json.RawMessage) (string, error) {
			var in struct{ A, B int }
			if err := json.Unmarshal(args, &in); err != nil {
				return "", err
			}
			return fmt.Sprint(in.A + in.B), nil
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	loop := &host.ToolLoop{
		Client:   host.NewClient(),
		Provider: host.Provider{Module: mod, BaseURL: srv.URL, Credentials: host.StaticKey("sk-demo")},
		Tools:    tools,
		Gate:     func(ctx context.Context, call host.ToolCall) error { return nil }, // consent/policy hook
	}
	s := host.NewSession("session-1", "trace-1")
	s.AddUser("What is 2 + 3?")
	resp, err := loop.Run(context.Background(), s, &abi.Request{Model: "toy-1", Stream: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.Text)
	for _, m := range s.Messages() {
		for _, part := range m.Content {
			switch part.Type {
			case abi.PartToolCall:
				fmt.Printf("%s called %s(%s)\n", m.Role, part.Name, part.Arguments)
			case abi.PartToolResult:
				fmt.Printf("%s result for %s: %s\n", m.Role, part.ToolCallID, part.Content)
			}
		}
	}
	// Output:
	// 2 + 3 = 5
	// assistant called add({"a":2,"b":3})
	// tool result for call-1: 5
}
