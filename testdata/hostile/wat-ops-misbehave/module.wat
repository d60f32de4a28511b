;; An ABI 1.3 module whose optional operation exports misbehave: project_op
;; spins forever, and parse_op returns a result outside its memory.
(module
  ;; Generated skeleton: a minimal module written against abi/README.md
  ;; directly. Only the function(s) marked HOSTILE misbehave.
  (import "wasi_snapshot_preview1" "sched_yield" (func $sched_yield (result i32)))
  (memory (export "memory") 1 1)
  ;; 0..4095: input buffer; 4096: OK result (status 0); 4104: OK transform
  ;; result (status 0, empty state, no events).
  (data (i32.const 4096) "\00")
  (data (i32.const 4104) "\00\00\00\00\00")
  (func (export "wasmadapt_abi_version") (result i32) (i32.const 0x010300))
  (func (export "wasmadapt_alloc") (param i32) (result i32) (i32.const 0))
  (func (export "wasmadapt_capabilities") (param i32 i32) (result i64) (i64.const 0x0000100000000001))
  (func (export "wasmadapt_project") (param i32 i32) (result i64) (i64.const 0x0000100000000001))
  (func (export "wasmadapt_transform") (param i32 i32) (result i64) (i64.const 0x0000100800000005))
  (func (export "wasmadapt_parse_response") (param i32 i32) (result i64) (i64.const 0x0000100000000001))
  (func (export "wasmadapt_map_error") (param i32 i32) (result i64) (i64.const 0x0000100000000001))
  ;; HOSTILE: spins forever.
  (func (export "wasmadapt_project_op") (param i32 i32) (result i64) (loop $spin (br $spin)) (i64.const 0))
  ;; HOSTILE: a result of 16 bytes at 0xFFFF0000, far past the one page.
  (func (export "wasmadapt_parse_op") (param i32 i32) (result i64) (i64.const 0xFFFF000000000010))
)
