package engine

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"github.com/wasmadapt/wasmadapt/abi"
)

// eventsModule returns a module whose transform returns n copies (n a
// power of two) of one 33-byte text-delta event, built in linear memory by
// doubling copies.
func eventsModule(t *testing.T, n int) []byte {
	const event = `{"type":"text-delta","text":"x"}`
	line := strings.ReplaceAll(event, `"`, `\"`) + `\0a` // as a WAT string
	lineLen := len(event) + 1
	doublings := 0
	for 1<<doublings < n {
		doublings++
	}
	return watModule(t, fmt.Sprintf(`(module `+yieldImport+`
		(memory (export "memory") 64)
		(data (i32.const 4104) "\00\00\00\00\00%s")
		(func (export "wasmadapt_abi_version") (result i32) (i32.const 0x010000))
		(func (export "wasmadapt_alloc") (param i32) (result i32) (i32.const 0))
		(func (export "wasmadapt_capabilities") (param i32 i32) (result i64) (i64.const 0))
		(func (export "wasmadapt_project") (param i32 i32) (result i64) (i64.const 0))
		(func (export "wasmadapt_transform") (param i32 i32) (result i64)
			(local $len i32) (local $i i32)
			(local.set $len (i32.const %d))
			(block $done (loop $double
				(br_if $done (i32.ge_u (local.get $i) (i32.const %d)))
				(memory.copy (i32.add (i32.const 4109) (local.get $len)) (i32.const 4109) (local.get $len))
				(local.set $len (i32.shl (local.get $len) (i32.const 1)))
				(local.set $i (i32.add (local.get $i) (i32.const 1)))
				(br $double)))
			(i64.or (i64.const 0x0000100800000000) (i64.extend_i32_u (i32.add (local.get $len) (i32.const 5)))))
		(func (export "wasmadapt_parse_response") (param i32 i32) (result i64) (i64.const 0))
		(func (export "wasmadapt_map_error") (param i32 i32) (result i64) (i64.const 0)))`, line, lineLen, doublings))
}

// TestEventCapBoundsHostMemory: a call returning exactly
// MaxEventsPerCall events is decoded, allocating about the events'
// slice and strings and no more (no reallocation); one event more is
// adapter_bad_output before anything is decoded.
func TestEventCapBoundsHostMemory(t *testing.T) {
	const n = 1 << 14
	ctx := context.Background()
	in := &abi.TransformInput{Chunks: []abi.Chunk{{Data: []byte("x")}}}
	for _, tc := range []struct {
		cap  int
		code abi.Code
	}{{n, ""}, {n - 1, abi.CodeAdapterBadOutput}} {
		e := newEngine(t, Config{PoolSize: 1, MaxEventsPerCall: tc.cap})
		m, err := e.Load(ctx, "events", eventsModule(t, n))
		if err != nil {
			t.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, evs, err := m.Transform(ctx, in)
		runtime.ReadMemStats(&after)
		if got := abi.CodeOf(err); got != tc.code {
			t.Fatalf("cap %d: %v, want code %q", tc.cap, err, tc.code)
		}
		if tc.code != "" {
			continue
		}
		if len(evs) != n {
			t.Fatalf("%d events, want %d", len(evs), n)
		}
		alloc := after.TotalAlloc - before.TotalAlloc
		bound := uint64(n)*uint64(unsafe.Sizeof(abi.Event{})) + uint64(n)*64
		t.Logf("%d events: %d bytes allocated (an abi.Event is %d bytes)", n, alloc, unsafe.Sizeof(abi.Event{}))
		if alloc > bound {
			t.Errorf("decoding %d events allocated %d bytes, want at most %d", n, alloc, bound)
		}
	}
}
