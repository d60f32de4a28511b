package engine

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/api"
)

// opsWAT is a minimal module of ABI version v; with ops it exports the
// operation functions, which answer a fixed provider request and a fixed
// count_tokens result.
func opsWAT(v uint32, ops bool) string { return stubWAT(v, ops, nil, "") }

// stubWAT is a minimal module of ABI version v whose transform returns an
// empty state and the event lines events; with ops it exports the
// operation functions, which answer a fixed provider request and a fixed
// count_tokens result; with templates, it exports
// wasmadapt_text_templates_v1 returning them.
func stubWAT(v uint32, ops bool, events []byte, templates string) string {
	return stubWATState(v, ops, nil, events, templates)
}

// stubWATState is stubWAT whose transform returns state instead of an
// empty state.
func stubWATState(v uint32, ops bool, state, events []byte, templates string) string {
	pr := `{"method":"POST","path":"/count","stream_framing":"none"}`
	count := `{"input_tokens":7}`
	exports := ""
	if ops {
		exports = fmt.Sprintf(`
  (func (export "wasmadapt_project_op") (param i32 i32) (result i64) (i64.const 0x%08x%08x))
  (func (export "wasmadapt_parse_op") (param i32 i32) (result i64) (i64.const 0x%08x%08x))`,
			8192, len(pr)+1, 12288, len(count)+1)
	}
	if templates != "" {
		exports += fmt.Sprintf(`
  (data (i32.const 16384) "\00%s")
  (func (export "wasmadapt_text_templates_v1") (result i64) (i64.const 0x00004000%08x))`,
			strings.ReplaceAll(templates, `"`, `\"`), len(templates)+1)
	}
	var res strings.Builder
	head := binary.LittleEndian.AppendUint32([]byte{0}, uint32(len(state)))
	for _, c := range append(append(head, state...), events...) {
		fmt.Fprintf(&res, `\%02x`, c) // status OK, the state, the events
	}
	return fmt.Sprintf(`(module
  (import "wasi_snapshot_preview1" "sched_yield" (func $sched_yield (result i32)))
  (memory (export "memory") 1 1)
  (data (i32.const 4096) "\00")
  (data (i32.const 4104) "%s")
  (data (i32.const 8192) "\00%s")
  (data (i32.const 12288) "\00%s")
  (func (export "wasmadapt_abi_version") (result i32) (i32.const 0x%06x))
  (func (export "wasmadapt_alloc") (param i32) (result i32) (i32.const 0))
  (func (export "wasmadapt_capabilities") (param i32 i32) (result i64) (i64.const 0x0000100000000001))
  (func (export "wasmadapt_project") (param i32 i32) (result i64) (i64.const 0x0000100000000001))
  (func (export "wasmadapt_transform") (param i32 i32) (result i64) (i64.const 0x00001008%08x))
  (func (export "wasmadapt_parse_response") (param i32 i32) (result i64) (i64.const 0x0000100000000001))
  (func (export "wasmadapt_map_error") (param i32 i32) (result i64) (i64.const 0x0000100000000001))%s
)`, res.String(), strings.ReplaceAll(pr, `"`, `\"`), strings.ReplaceAll(count, `"`, `\"`), v, 5+len(state)+len(events), exports)
}

// TestOpsByVersion: modules of ABI 1.1 and 1.2 keep loading; operations
// are served only by a 1.3 module that exports them, and refused with
// capability_unsupported naming the module and the operation otherwise.
func TestOpsByVersion(t *testing.T) {
	ctx := context.Background()
	e, err := New(ctx, Config{PoolSize: 1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close(ctx) })
	tests := []struct {
		name  string
		v     uint32
		ops   bool
		serve bool
	}{
		{"1.1 module", abi.PackVersion(1, 1, 0), false, false},
		{"1.2 module with the exports", abi.PackVersion(1, 2, 0), true, false},
		{"1.3 module without the exports", abi.PackVersion(1, 3, 0), false, false},
		{"1.3 module with the exports", abi.PackVersion(1, 3, 0), true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := e.Load(ctx, "opsmod", watModule(t, opsWAT(tt.v, tt.ops)))
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			defer m.Close(ctx)
			opr := m.(api.Operator)
			call := &abi.OpCall{Op: abi.OpCountTokens, Request: []byte(`{"model":"m"}`)}
			pr, err := opr.ProjectOp(ctx, call)
			if !tt.serve {
				if abi.CodeOf(err) != abi.CodeCapabilityUnsupported || !strings.Contains(err.Error(), "opsmod") || !strings.Contains(err.Error(), "count_tokens") {
					t.Fatalf("ProjectOp: %v, want capability_unsupported naming the module and the operation", err)
				}
				return
			}
			if err != nil || pr.Path != "/count" {
				t.Fatalf("ProjectOp = %+v, %v", pr, err)
			}
			res, err := opr.ParseOp(ctx, call, &abi.ResponseInput{Status: 200, Body: []byte(`{}`)})
			if err != nil || res.CountTokens == nil || res.CountTokens.InputTokens != 7 {
				t.Fatalf("ParseOp = %+v, %v", res, err)
			}
			// An OK result for an error status breaks the contract.
			if _, err := opr.ParseOp(ctx, call, &abi.ResponseInput{Status: 500, Body: []byte(`{}`)}); abi.CodeOf(err) != abi.CodeAdapterBadOutput {
				t.Fatalf("ParseOp of HTTP 500 answered OK: %v, want adapter_bad_output", err)
			}
		})
	}
}
