;; Imports a global and a table from the host (module "env"): only WASI
;; functions may be imported.
(module
  (import "wasi_snapshot_preview1" "sched_yield" (func $sched_yield (result i32)))
  (import "env" "secret" (global $secret i32))
  (import "env" "table" (table 1 funcref))
  (memory (export "memory") 1 1)
  (data (i32.const 4096) "\00")
  (data (i32.const 4104) "\00\00\00\00\00")
  (func (export "wasmadapt_abi_version") (result i32) (i32.const 0x010000))
  (func (export "wasmadapt_alloc") (param i32) (result i32) (i32.const 0))
  (func (export "wasmadapt_capabilities") (param i32 i32) (result i64) (i64.const 0x0000100000000001))
  (func (export "wasmadapt_project") (param i32 i32) (result i64) (i64.const 0x0000100000000001))
  (func (export "wasmadapt_transform") (param i32 i32) (result i64) (i64.const 0x0000100800000005))
  (func (export "wasmadapt_parse_response") (param i32 i32) (result i64) (i64.const 0x0000100000000001))
  (func (export "wasmadapt_map_error") (param i32 i32) (result i64) (i64.const 0x0000100000000001))
)
