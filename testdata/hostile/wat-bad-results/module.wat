;; Every export returns a result that breaks the result encoding: a length past the output cap (capabilities), a range outside linear memory (project), a status byte that is neither OK nor ERROR (transform), an empty result (parse_response), an ERROR whose object is not JSON (map_error).
(module
  ;; Generated skeleton: a minimal module written against abi/README.md
  ;; directly. Only the function(s) marked HOSTILE misbehave.
  (import "wasi_snapshot_preview1" "sched_yield" (func $sched_yield (result i32)))
  (memory (export "memory") 1 1)
  ;; 0..4095: input buffer; 4096: OK result (status 0); 4104: OK transform
  ;; result (status 0, empty state, no events).
  (data (i32.const 4096) "\00")
  (data (i32.const 4104) "\00\00\00\00\00")
  (data (i32.const 4300) "\07")
  (data (i32.const 4310) "\01{not json")
  (func (export "wasmadapt_abi_version") (result i32) (i32.const 0x010000))
  (func (export "wasmadapt_alloc") (param i32) (result i32) (i32.const 0))
  ;; HOSTILE: claims 0x7fffffff bytes (past the output cap).
  (func (export "wasmadapt_capabilities") (param i32 i32) (result i64) (i64.const 0x000010007fffffff))
  ;; HOSTILE: 16 bytes at 0xfffffff0, outside its 64 KiB memory.
  (func (export "wasmadapt_project") (param i32 i32) (result i64) (i64.const 0xfffffff000000010))
  ;; HOSTILE: status byte 7.
  (func (export "wasmadapt_transform") (param i32 i32) (result i64) (i64.const 0x000010cc00000001))
  ;; HOSTILE: an empty result (no status byte).
  (func (export "wasmadapt_parse_response") (param i32 i32) (result i64) (i64.const 0x0000100000000000))
  ;; HOSTILE: ERROR status followed by bytes that are not JSON.
  (func (export "wasmadapt_map_error") (param i32 i32) (result i64) (i64.const 0x000010d60000000b))
)
