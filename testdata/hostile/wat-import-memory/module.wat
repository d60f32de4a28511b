;; Imports its linear memory from the host instead of defining it.
(module
  (import "wasi_snapshot_preview1" "sched_yield" (func $sched_yield (result i32)))
  (import "env" "memory" (memory 1))
  (export "memory" (memory 0))
  (func (export "wasmadapt_abi_version") (result i32) (i32.const 0x010000))
  (func (export "wasmadapt_alloc") (param i32) (result i32) (i32.const 0))
  (func (export "wasmadapt_capabilities") (param i32 i32) (result i64) (i64.const 0))
  (func (export "wasmadapt_project") (param i32 i32) (result i64) (i64.const 0))
  (func (export "wasmadapt_transform") (param i32 i32) (result i64) (i64.const 0))
  (func (export "wasmadapt_parse_response") (param i32 i32) (result i64) (i64.const 0))
  (func (export "wasmadapt_map_error") (param i32 i32) (result i64) (i64.const 0))
)
