package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/anthropic"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/openai"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/guest"
)

// realisticRequest is the projection workload of the benchmarks: a conversation of 20
// messages (a system prompt, user turns, assistant turns with tool calls,
// tool results) and 10 tools whose parameters are nested JSON Schemas
// (objects in objects, arrays of objects, enums, required lists).
func realisticRequest() *abi.Request {
	maxTokens := 1024
	temp := 0.2
	req := &abi.Request{Model: "gpt-4.1-mini", Stream: true, MaxOutputTokens: &maxTokens, Temperature: &temp}
	req.Messages = append(req.Messages, abi.Message{Role: abi.RoleSystem, Content: abi.Text(
		"You are an operations assistant for a logistics company. Use the tools to look up shipments, " +
			"warehouses and carriers; answer in short paragraphs and cite the shipment ids you used.")})
	for turn := 0; len(req.Messages) < 20; turn++ {
		req.Messages = append(req.Messages, abi.Message{Role: abi.RoleUser, Content: abi.Text(fmt.Sprintf(
			"Turn %d: where is shipment SHP-%04d now, and will it reach the Rotterdam warehouse before Friday? "+
				"Also list any customs holds on its pallets.", turn, 1000+turn))})
		id := fmt.Sprintf("call_%02d", turn)
		args := fmt.Sprintf(`{"shipment_id":"SHP-%04d","include":{"events":true,"pallets":{"limit":20,"fields":["id","weight_kg","customs"]}}}`, 1000+turn)
		req.Messages = append(req.Messages,
			abi.Message{Role: abi.RoleAssistant, Content: []abi.Part{
				{Type: abi.PartText, Text: "Let me look that shipment up."},
				{Type: abi.PartToolCall, ID: id, Name: "get_shipment", Arguments: args},
			}},
			abi.Message{Role: abi.RoleTool, Content: []abi.Part{{Type: abi.PartToolResult, ToolCallID: id, Content: fmt.Sprintf(
				`{"id":"SHP-%04d","status":"in_transit","position":{"lat":51.92,"lon":4.47},"eta":"2026-11-27T14:00:00Z","pallets":[{"id":"P1","weight_kg":412.5,"customs":"cleared"},{"id":"P2","weight_kg":380,"customs":"hold"}]}`, 1000+turn)}}},
			abi.Message{Role: abi.RoleAssistant, Content: abi.Text(fmt.Sprintf(
				"Shipment SHP-%04d is in transit near Rotterdam (ETA Thursday 14:00 UTC). Pallet P2 is on customs hold.", 1000+turn))},
		)
	}
	req.Messages = req.Messages[:20]
	for i := range 10 {
		schema := fmt.Sprintf(`{"type":"object","properties":{
			"shipment_id":{"type":"string","description":"Shipment id, SHP-nnnn","pattern":"^SHP-[0-9]{4}$"},
			"filter%d":{"type":"object","properties":{
				"status":{"type":"array","items":{"type":"string","enum":["created","in_transit","delivered","held"]}},
				"window":{"type":"object","properties":{"from":{"type":"string","format":"date-time"},"to":{"type":"string","format":"date-time"}},"required":["from","to"]},
				"location":{"type":"object","properties":{"lat":{"type":"number"},"lon":{"type":"number"},"radius_km":{"type":"number","minimum":0}}}
			}},
			"include":{"type":"object","properties":{
				"events":{"type":"boolean"},
				"pallets":{"type":"object","properties":{"limit":{"type":"integer","minimum":1,"maximum":100},"fields":{"type":"array","items":{"type":"string"}}}}
			}},
			"items":{"type":"array","items":{"type":"object","properties":{"sku":{"type":"string"},"qty":{"type":"integer"},"dims":{"type":"object","properties":{"w":{"type":"number"},"h":{"type":"number"},"d":{"type":"number"}}}},"required":["sku"]}}
		},"required":["shipment_id"]}`, i)
		name := "get_shipment"
		if i > 0 {
			name = fmt.Sprintf("tool_%d", i)
		}
		req.Tools = append(req.Tools, abi.ToolDefinition{Name: name, Description: fmt.Sprintf("Tool %d of the logistics API: looks up and filters shipments.", i), Parameters: json.RawMessage(schema)})
	}
	return req
}

func benchProject(b *testing.B, m engine.Module, req *abi.Request) {
	ctx := context.Background()
	pr, err := m.Project(ctx, req)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(pr.Body)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := CPUNanos()
	for b.Loop() {
		if _, err := m.Project(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportCPUPerOp(b, cpu)
}

// BenchmarkProject is the projection of realisticRequest by the openai
// and anthropic adapters: natively (the floor) and on every backend
// compiled in. The request is encoded (encoding/json, host side) and
// projected on every iteration, as the host does per request.
func BenchmarkProject(b *testing.B) {
	for _, a := range []struct {
		name    string
		adapter func() guest.Adapter
		model   string
	}{
		{"openai", func() guest.Adapter { return openai.New() }, "gpt-4.1-mini"},
		{"anthropic", func() guest.Adapter { return anthropic.New() }, "claude-sonnet-4-5"},
	} {
		b.Run(a.name, func(b *testing.B) {
			req := realisticRequest()
			req.Model = a.model
			b.Run("native", func(b *testing.B) {
				benchProject(b, engine.NewNativeWithConfig(a.name, a.adapter(), engine.NativeConfig{PoolSize: 1}), req)
			})
			for _, be := range wasmBackends {
				b.Run(be, func(b *testing.B) { benchProject(b, loadOn(b, be, a.name, 1), req) })
			}
		})
	}
}
