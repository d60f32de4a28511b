//go:build wasmtime

package engine

// The hot path of the wasmtime backend, in C: wasmtime-go's Func.Call
// looks the function's type up, boxes every argument and sets finalizers
// on every call (about half the cost of a small call, measured with
// BenchmarkTypicalChunkWasmtime). Calls into the guest and views of its
// memory instead go straight to wasmtime's C API, one cgo transition each,
// through the few declarations below (the symbols come from the static
// library wasmtime-go links; the layouts are those of wasmtime v39's
// headers, checked in wasmtime_test.go).

/*
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

typedef struct wasmtime_context wasmtime_context_t;
typedef struct wasmtime_error wasmtime_error_t;
typedef struct wasm_trap_t wasm_trap_t;
typedef struct wa_func { uint64_t store_id; void *private_; } wa_func_t;
typedef struct wa_memory { struct { uint64_t store_id; uint32_t private1; } inner; uint32_t private2; } wa_memory_t;
typedef union wa_val_raw { int32_t i32; int64_t i64; uint8_t v128[16]; } wa_val_raw_t;
typedef struct wa_byte_vec { size_t size; char *data; } wa_byte_vec_t;

extern wasmtime_error_t *wasmtime_func_call_unchecked(wasmtime_context_t *store, const wa_func_t *func, wa_val_raw_t *args_and_results, size_t len, wasm_trap_t **trap);
extern void wasmtime_context_set_epoch_deadline(wasmtime_context_t *context, uint64_t ticks_beyond_current);
extern bool wasmtime_trap_code(const wasm_trap_t *, uint8_t *code);
extern void wasm_trap_message(const wasm_trap_t *, wa_byte_vec_t *out);
extern void wasm_trap_delete(wasm_trap_t *);
extern void wasmtime_error_message(const wasmtime_error_t *, wa_byte_vec_t *out);
extern bool wasmtime_error_exit_status(const wasmtime_error_t *, int *status);
extern void wasmtime_error_delete(wasmtime_error_t *);
extern void wasm_byte_vec_delete(wa_byte_vec_t *);
extern uint8_t *wasmtime_memory_data(const wasmtime_context_t *store, const wa_memory_t *memory);
extern size_t wasmtime_memory_data_size(const wasmtime_context_t *store, const wa_memory_t *memory);

// wa_call sets the epoch deadline and calls f. It returns 0 on success,
// 1 on a trap (*code is its code, 255 when it has none; *msg its message),
// 2 on an error (*status its WASI exit status or -1; *msg its message).
static int wa_call(wasmtime_context_t *ctx, const wa_func_t *f, wa_val_raw_t *vals, size_t n, uint64_t deadline,
		uint8_t *code, int *status, wa_byte_vec_t *msg) {
	wasm_trap_t *trap = 0;
	wasmtime_context_set_epoch_deadline(ctx, deadline);
	wasmtime_error_t *err = wasmtime_func_call_unchecked(ctx, f, vals, n, &trap);
	if (err) {
		if (!wasmtime_error_exit_status(err, status)) *status = -1;
		wasmtime_error_message(err, msg);
		wasmtime_error_delete(err);
		return 2;
	}
	if (trap) {
		if (!wasmtime_trap_code(trap, code)) *code = 255;
		wasm_trap_message(trap, msg);
		wasm_trap_delete(trap);
		return 1;
	}
	return 0;
}

// wa_mem returns the memory's base and sets *size to its length.
static uint8_t *wa_mem(const wasmtime_context_t *ctx, const wa_memory_t *m, size_t *size) {
	*size = wasmtime_memory_data_size(ctx, m);
	return wasmtime_memory_data(ctx, m);
}
*/
import "C"

import (
	"strings"
	"unsafe"

	"github.com/bytecodealliance/wasmtime-go/v39"
)

// wasmtimeTrapInterrupt is WASMTIME_TRAP_CODE_INTERRUPT.
const wasmtimeTrapInterrupt = uint8(wasmtime.Interrupt)

// rawCall is a function resolved for wa_call.
type rawCall struct {
	fn C.wa_func_t
	ok bool
}

// rawState is what the C hot path needs of an instance, in memory the
// garbage collector does not scan for C: the store context, the memory,
// the argument slots and the outputs.
type rawState struct {
	ctx    *C.wasmtime_context_t
	mem    C.wa_memory_t
	fns    [numExports]rawCall
	vals   [2]C.wa_val_raw_t
	code   C.uint8_t
	status C.int
	msg    C.wa_byte_vec_t
	size   C.size_t
}

// newRawState resolves the context, the memory and the exports. A
// wasmtime_extern_t is a kind byte, then the item's union aligned to 8.
func newRawState(store *wasmtime.Store, mem *wasmtime.Memory, fns *[numExports]*wasmtime.Func) *rawState {
	r := &rawState{ctx: (*C.wasmtime_context_t)(unsafe.Pointer(store.Context()))}
	mext := mem.AsExtern()
	r.mem = *(*C.wa_memory_t)(unsafe.Add(unsafe.Pointer(&mext), 8))
	for i, f := range fns {
		if f == nil {
			continue
		}
		fext := f.AsExtern()
		r.fns[i] = rawCall{fn: *(*C.wa_func_t)(unsafe.Add(unsafe.Pointer(&fext), 8)), ok: true}
	}
	return r
}

// call runs export fn with up to two i32 arguments under an epoch deadline
// of ticks and returns its result, or the trap or error.
func (r *rawState) call(fn exportID, ticks uint64, args []uint64) (uint64, *rawFailure) {
	for i := range r.vals {
		r.vals[i] = C.wa_val_raw_t{}
	}
	for i, a := range args {
		*(*int32)(unsafe.Pointer(&r.vals[i])) = int32(uint32(a))
	}
	switch C.wa_call(r.ctx, &r.fns[fn].fn, &r.vals[0], C.size_t(len(r.vals)), C.uint64_t(ticks), &r.code, &r.status, &r.msg) {
	case 0:
		return uint64(*(*uint64)(unsafe.Pointer(&r.vals[0]))), nil
	case 1:
		f := &rawFailure{trap: true, code: uint8(r.code)}
		f.msg = trapText(f.code, r.takeMsg())
		return 0, f
	default:
		return 0, &rawFailure{status: int(r.status), msg: trapText(255, r.takeMsg())}
	}
}

func (r *rawState) takeMsg() string {
	s := C.GoStringN(r.msg.data, C.int(r.msg.size))
	C.wasm_byte_vec_delete(&r.msg)
	r.msg = C.wa_byte_vec_t{}
	return strings.TrimRight(s, "\x00")
}

// memory is the guest's linear memory, valid until the next call.
func (r *rawState) memory() []byte {
	p := C.wa_mem(r.ctx, &r.mem, &r.size)
	if p == nil || r.size == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(p)), int(r.size))
}

// rawFailure is a failed wa_call.
type rawFailure struct {
	trap   bool
	code   uint8
	status int
	msg    string
}

func (f *rawFailure) Error() string { return f.msg }
