package host

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

func ptr[T any](v T) *T { return &v }

// contextRequests are stream contexts of every shape: each field set and
// unset, strings encoding/json escapes, and contexts that do not encode.
func contextRequests() map[string]*abi.Request {
	tools := []abi.ToolDefinition{
		{Name: "get_weather", Description: "Weather <now> & later", Parameters: json.RawMessage(`{ "type": "object",
			"properties": {"city": {"type": "string", "description": "a <b>city</b>\u2028"}}}`)},
		{Type: abi.ToolProvider, Name: abi.ProviderToolWebSearch, Options: json.RawMessage(`{"max_uses": 3}`), Strict: true, Cache: &abi.Cache{TTL: abi.CacheTTL1h}},
		{Name: "noop", Cache: &abi.Cache{}},
	}
	return map[string]*abi.Request{
		"model only":        {Model: "m"},
		"empty":             {},
		"ids":               {SessionID: "s-1", TraceID: "t-1", Model: "m", Stream: true},
		"session only":      {SessionID: "s<&>\u2028\xff\b\f", Model: "m"},
		"trace only":        {TraceID: "t\"\\\n", Model: "m"},
		"messages kept out": {Model: "m", Messages: []abi.Message{{Role: abi.RoleUser, Content: abi.Text("hi")}}},
		"tools":             {SessionID: "s", Model: "m", Tools: tools, ToolChoice: &abi.ToolChoice{Mode: abi.ToolChoiceAuto}},
		"tool choice tool":  {Model: "m", Tools: tools[:1], ToolChoice: &abi.ToolChoice{Tool: "get_weather"}},
		"everything": {SessionID: "s", TraceID: "t", Model: "m", Tools: tools,
			ResponseFormat: &abi.ResponseFormat{Type: "json_schema", Name: "out", Schema: json.RawMessage(` {"type" : "object"} `), Strict: true},
			Stream:         true, MaxOutputTokens: ptr(1024), Temperature: ptr(0.7), TopP: ptr(math.Copysign(0, -1)), Stop: []string{"\n\n", "END"},
			Reasoning:       &abi.Reasoning{Effort: "high", BudgetTokens: ptr(2048)},
			ProviderOptions: map[string]json.RawMessage{"b": json.RawMessage(`[1, 2]`), "a": json.RawMessage(`"x"`), "n": nil}},
		"empty stop and options": {Model: "m", Stop: []string{}, ProviderOptions: map[string]json.RawMessage{}},
		"reasoning effort":       {Model: "m", Reasoning: &abi.Reasoning{Effort: "low"}},
		"temperature zero":       {Model: "m", Temperature: ptr(0.0)},
		"bad schema":             {Model: "m", Tools: []abi.ToolDefinition{{Name: "t", Parameters: json.RawMessage(`{"type":`)}}},
		"empty option":           {Model: "m", ProviderOptions: map[string]json.RawMessage{"a": {}}},
		"NaN":                    {Model: "m", Temperature: ptr(nanValue())},
	}
}

func nanValue() float64 { z := 0.0; return z / z }

// TestContextJSON checks that the cached stream context encodes exactly
// as json.Marshal(req.Context()) does, from the cache (a second time, and
// with other ids) as on a miss, errors included, and that a change to any
// part of a cached context is not served from the cache.
func TestContextJSON(t *testing.T) {
	var cc contextCache
	check := func(t *testing.T, r *abi.Request) {
		t.Helper()
		want, werr := json.Marshal(r.Context())
		for range 2 {
			got, err := cc.json(r)
			if (err != nil) != (werr != nil) || string(got) != string(want) {
				t.Fatalf("got %s (%v)\nwant %s (%v)", got, err, want, werr)
			}
		}
	}
	for name, r := range contextRequests() {
		t.Run(name, func(t *testing.T) {
			check(t, r)
			c := *r
			c.SessionID, c.TraceID = "other-session", "<other trace>"
			check(t, &c)
		})
	}
	// Every variation of a cached context misses the cache.
	base := contextRequests()["everything"]
	for name, change := range map[string]func(r *abi.Request){
		"model":          func(r *abi.Request) { r.Model = "m2" },
		"tool name":      func(r *abi.Request) { r.Tools[0].Name = "get_time" },
		"tool schema":    func(r *abi.Request) { r.Tools[0].Parameters = json.RawMessage(`{"type":"string"}`) },
		"tool options":   func(r *abi.Request) { r.Tools[1].Options = nil },
		"tool strict":    func(r *abi.Request) { r.Tools[0].Strict = true },
		"tool cache":     func(r *abi.Request) { r.Tools[2].Cache = nil },
		"tool cache ttl": func(r *abi.Request) { r.Tools[2].Cache = &abi.Cache{TTL: abi.CacheTTL5m} },
		"tool type":      func(r *abi.Request) { r.Tools[0].Type = abi.ToolFunction },
		"description":    func(r *abi.Request) { r.Tools[0].Description = "" },
		"fewer tools":    func(r *abi.Request) { r.Tools = r.Tools[:2] },
		"tool choice":    func(r *abi.Request) { r.ToolChoice = &abi.ToolChoice{Mode: abi.ToolChoiceNone} },
		"format":         func(r *abi.Request) { r.ResponseFormat = nil },
		"format strict":  func(r *abi.Request) { r.ResponseFormat.Strict = false },
		"stream":         func(r *abi.Request) { r.Stream = false },
		"max tokens":     func(r *abi.Request) { r.MaxOutputTokens = ptr(1025) },
		"temperature":    func(r *abi.Request) { r.Temperature = nil },
		"top_p":          func(r *abi.Request) { r.TopP = ptr(0.0) },
		"stop":           func(r *abi.Request) { r.Stop = []string{"\n\n", "EN", "D"} },
		"budget":         func(r *abi.Request) { r.Reasoning.BudgetTokens = nil },
		"effort":         func(r *abi.Request) { r.Reasoning.Effort = "low" },
		"option value":   func(r *abi.Request) { r.ProviderOptions["n"] = json.RawMessage(`null`) },
		"option empty":   func(r *abi.Request) { r.ProviderOptions["n"] = json.RawMessage{} },
		"option key":     func(r *abi.Request) { r.ProviderOptions["c"] = r.ProviderOptions["b"]; delete(r.ProviderOptions, "b") },
	} {
		t.Run("changed "+name, func(t *testing.T) {
			check(t, base)
			r := *base
			r.Tools = slices.Clone(base.Tools)
			rf, rs := *base.ResponseFormat, *base.Reasoning
			r.ResponseFormat, r.Reasoning = &rf, &rs
			r.ProviderOptions = map[string]json.RawMessage{}
			for k, v := range base.ProviderOptions {
				r.ProviderOptions[k] = v
			}
			change(&r)
			check(t, &r)
		})
	}
}

// TestContextKeyCoversRequest fails when abi.Request, or a type of its
// stream context, gains or loses a field: contextKey must then be
// updated, or two contexts that encode differently would share a cache
// entry.
func TestContextKeyCoversRequest(t *testing.T) {
	known := map[reflect.Type][]string{
		reflect.TypeFor[abi.Request](): {"SessionID", "TraceID", "Model", "Messages", "Tools", "ToolChoice", "ResponseFormat", "Stream",
			"MaxOutputTokens", "Temperature", "TopP", "Stop", "Reasoning", "ProviderOptions"},
		reflect.TypeFor[abi.ToolDefinition](): {"Type", "Name", "Description", "Parameters", "Strict", "Options", "Cache"},
		reflect.TypeFor[abi.Cache]():          {"TTL"},
		reflect.TypeFor[abi.ToolChoice]():     {"Mode", "Tool"},
		reflect.TypeFor[abi.ResponseFormat](): {"Type", "Name", "Schema", "Strict"},
		reflect.TypeFor[abi.Reasoning]():      {"Effort", "BudgetTokens"},
	}
	for typ, want := range known {
		var got []string
		for f := range typ.Fields() {
			got = append(got, f.Name)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%v has the fields %v; contextKey knows %v: update contextKey (host/ctxjson.go) and this list", typ, got, want)
		}
	}
}

// TestContextJSONAllocs: a context already cached costs one allocation
// (the result), where json.Marshal allocates per tool and validates every
// schema byte again.
func TestContextJSONAllocs(t *testing.T) {
	var cc contextCache
	r := contextRequests()["tools"]
	if _, err := cc.json(r); err != nil {
		t.Fatal(err)
	}
	if a := testing.AllocsPerRun(100, func() { cc.json(r) }); a > 1 {
		t.Errorf("%v allocations for a cached context, want 1", a)
	}
}

// BenchmarkContextJSON encodes the stream context of bench/'s request
// (system prompt, user turn, three tools with small schemas) with
// json.Marshal and through the context cache (every call a hit).
func BenchmarkContextJSON(b *testing.B) {
	r := &abi.Request{SessionID: "s-1", TraceID: "t-1", Model: "gpt-4.1-mini", Stream: true, MaxOutputTokens: ptr(1024),
		Messages: []abi.Message{{Role: abi.RoleSystem, Content: abi.Text("You are a travel assistant.")}, {Role: abi.RoleUser, Content: abi.Text("Weather in Paris?")}},
		Tools: []abi.ToolDefinition{
			{Name: "get_weather", Description: "Current weather for a city", Parameters: json.RawMessage(`{"properties":{"city":{"description":"City name","type":"string"},"unit":{"enum":["celsius","fahrenheit"],"type":"string"}},"required":["city"],"type":"object"}`)},
			{Name: "get_time", Description: "Local time in a time zone", Parameters: json.RawMessage(`{"properties":{"tz":{"description":"IANA zone","type":"string"}},"required":["tz"],"type":"object"}`)},
			{Name: "search_docs", Description: "Search the documentation", Parameters: json.RawMessage(`{"properties":{"limit":{"maximum":20,"minimum":1,"type":"integer"},"query":{"type":"string"}},"required":["query"],"type":"object"}`)},
		}}
	b.Run("json.Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(r.Context()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		var cc contextCache
		b.ReportAllocs()
		for b.Loop() {
			if _, err := cc.json(r); err != nil {
				b.Fatal(err)
			}
		}
	})
}
