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

// weatherModel is a loopback provider that calls get_weather, then answers.
func weatherModel() *providertest.Server {
	return providertest.NewServer([]providertest.Case{
		{Name: "1", Framing: "sse", Body: providertest.SSE("call", `{"id":"call-1","name":"get_weather","args":"{\"city\":\"Paris\"}"}`, "done", "tool_calls")},
		{Name: "2", Framing: "sse", Body: providertest.SSE("text", "Sunny, ", "text", "21°C in Paris.", "done", "stop")},
	}, providertest.WithSequence())
}

type WeatherArgs struct {
	City string `json:"city" jsonschema:"description=City name"`
}

type Weather struct {
	City  string `json:"city"`
	TempC int    `json:"temp_c"`
	Sky   string `json:"sky"`
}

// A typed tool, a streamed tool loop: the live events of this loop only.
func ExampleToolLoop_Stream() {
	srv := weatherModel()
	defer srv.Close()
	mod := engine.NewNative("toy", toy.Adapter{})
	defer mod.Close(context.Background())

	tools, err := host.NewToolRegistry(host.NewTool("get_weather", "Current weather for a city.",
		func(ctx context.Context, call host.ToolCall, in WeatherArgs) (Weather, error) {
			return Weather{City: in.City, TempC: 21, Sky: "sunny"}, nil
		}))
	if err != nil {
		fmt.Println(err)
		return
	}
	loop := &host.ToolLoop{
		Client:   host.NewClient(),
		Provider: host.Provider{Module: mod, BaseURL: srv.URL, Credentials: host.StaticKey("sk-demo")},
		Tools:    tools,
	}
	s := host.NewSession("session-1", "")
	s.AddUser("Weather in Paris?")
	for ev, err := range loop.Stream(context.Background(), s, &abi.Request{Model: "toy-1", Stream: true}) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		switch ev.Kind {
		case host.KindToolCall:
			fmt.Printf("step %d: %s(%s)\n", ev.Step, ev.ToolCall.Name, ev.ToolCall.Arguments)
		case host.KindToolResult:
			fmt.Printf("step %d: result %s\n", ev.Step, ev.Result.Content)
		case host.KindEvent:
			if ev.Event.Type == abi.EventTextDelta {
				fmt.Printf("step %d: text %q\n", ev.Step, ev.Event.Text)
			}
		}
	}
	// Output:
	// step 1: get_weather({"city":"Paris"})
	// step 1: result {"city":"Paris","temp_c":21,"sky":"sunny"}
	// step 2: text "Sunny, "
	// step 2: text "21°C in Paris."
}

// A gate that asks a human: the loop pauses, the session is saved as
// JSON, and a later process resumes it with the human's decision.
func ExampleToolLoop_Resume() {
	srv := weatherModel()
	defer srv.Close()
	mod := engine.NewNative("toy", toy.Adapter{})
	defer mod.Close(context.Background())
	tools, _ := host.NewToolRegistry(host.NewTool("get_weather", "Current weather for a city.",
		func(ctx context.Context, call host.ToolCall, in WeatherArgs) (string, error) {
			return "sunny in " + in.City, nil
		}))
	loop := &host.ToolLoop{
		Client:   host.NewClient(),
		Provider: host.Provider{Module: mod, BaseURL: srv.URL, Credentials: host.StaticKey("sk-demo")},
		Tools:    tools,
		Gate:     func(ctx context.Context, call host.ToolCall) error { return host.ErrPending }, // ask a human
	}
	s := host.NewSession("session-1", "trace-1")
	s.AddUser("Weather in Paris?")
	_, err := loop.Run(context.Background(), s, &abi.Request{Model: "toy-1", Stream: true})
	fmt.Println("paused:", errors.Is(err, host.ErrPending))
	saved, _ := json.Marshal(s) // to a database, a queue, a file...

	restored := &host.Session{}
	if err := json.Unmarshal(saved, restored); err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range restored.Pending().Awaiting() {
		fmt.Printf("approve %s(%s)? yes\n", c.Name, c.Arguments)
	}
	resp, err := loop.Resume(context.Background(), restored, host.Approve("call-1"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.Text)
	// Output:
	// paused: true
	// approve get_weather({"city":"Paris"})? yes
	// Sunny, 21°C in Paris.
}

// A route falls back from a provider answering 503 to a working one.
func ExampleClient_GenerateRoute() {
	down := providertest.NewServer(nil, providertest.WithFailures(providertest.Failure{Status: 503,
		Body: []byte(`{"error":{"type":"overloaded_error","message":"overloaded"}}`)}))
	defer down.Close()
	up := providertest.NewServer([]providertest.Case{{Name: "ok", Framing: "sse",
		Body: providertest.SSE("text", "Hello from the backup.", "done", "stop")}})
	defer up.Close()
	mod := engine.NewNative("toy", toy.Adapter{})
	defer mod.Close(context.Background())

	route := &host.Route{Targets: []host.Target{
		{Name: "primary", Provider: host.Provider{Module: mod, BaseURL: down.URL, Credentials: host.StaticKey("sk-a")}},
		{Name: "backup", Provider: host.Provider{Module: mod, BaseURL: up.URL, Credentials: host.NewKeyPool("sk-b1", "sk-b2")}, Model: "toy-2"},
	}}
	req := &abi.Request{Model: "toy-1", Stream: true, Messages: []abi.Message{{Role: abi.RoleUser, Content: abi.Text("Hi")}}}
	// No retries on one target: fall over at once.
	resp, err := host.NewClient().GenerateRoute(context.Background(), route, req, host.WithCallRetry(host.RetryPolicy{MaxRetries: -1}))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.Text)
	fmt.Println("served by", resp.Served)
	for _, a := range resp.Route {
		fmt.Println(a.Target, abi.CodeOf(a.Err))
	}
	// Output:
	// Hello from the backup.
	// served by backup
	// primary server_error
	// backup
}
