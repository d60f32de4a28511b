;; Transform makes one fd_write of 65536 iovecs, each over 8 MiB of newlines (512 GiB of lines), then repeats it forever: one call reads at most 1 MiB, and the deadline stops the loop.
(module
  ;; A minimal module written against abi/README.md directly. Only the
  ;; function(s) marked HOSTILE misbehave.
  (import "wasi_snapshot_preview1" "sched_yield" (func $sched_yield (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 497)
  ;; 0..4095: input buffer; 4096: OK result (status 0); 4104: OK transform
  ;; result (status 0, empty state, no events).
  (data (i32.const 4096) "\00")
  (data (i32.const 4104) "\00\00\00\00\00")
  (func (export "wasmadapt_abi_version") (result i32) (i32.const 0x010000))
  (func (export "wasmadapt_alloc") (param i32) (result i32) (i32.const 0))
  (func (export "wasmadapt_capabilities") (param i32 i32) (result i64) (i64.const 0x0000100000000001))
  (func (export "wasmadapt_project") (param i32 i32) (result i64) (i64.const 0x0000100000000001))
  ;; HOSTILE
  (func (export "wasmadapt_transform") (param i32 i32) (result i64)
    (local $i i32)
    ;; 8 MiB of newlines at 1 MiB; 65536 iovecs {1 MiB, 8 MiB} at 16 MiB.
    (memory.fill (i32.const 0x100000) (i32.const 10) (i32.const 0x800000))
    (loop $fill
      (i32.store (i32.add (i32.const 0x1000000) (i32.shl (local.get $i) (i32.const 3))) (i32.const 0x100000))
      (i32.store (i32.add (i32.const 0x1000004) (i32.shl (local.get $i) (i32.const 3))) (i32.const 0x800000))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.const 65536))))
    (loop $l
      (drop (call $fd_write (i32.const 1) (i32.const 0x1000000) (i32.const 65536) (i32.const 8)))
      (br $l))
    unreachable)
  (func (export "wasmadapt_parse_response") (param i32 i32) (result i64) (i64.const 0x0000100000000001))
  (func (export "wasmadapt_map_error") (param i32 i32) (result i64) (i64.const 0x0000100000000001))
)
