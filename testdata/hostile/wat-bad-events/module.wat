;; Well-encoded results whose contents break the contract: every export
;; returns an OK result with a payload the host must refuse.
(module
  (import "wasi_snapshot_preview1" "sched_yield" (func $sched_yield (result i32)))
  (memory (export "memory") 1 1)
  (data (i32.const 4096) "\00[]")
  (data (i32.const 4128) "\00{\22method\22:\22POST\22,\22path\22:\22/\22,\22stream_framing\22:\22carrier-pigeon\22}")
  (data (i32.const 4208) "\00\00\00\00\00{\22type\22:\22text-delta\22,\22text\22:5}\0a")
  (data (i32.const 4272) "\00{\22type\22:\22text-delta\22,\22text\22:\22\ff\fe\22}\0a")
  (data (i32.const 4336) "\00{\22type\22:\22finish\22,\22reason\22:\22sleepy\22,\22raw_reason\22:\22zzz\22}\0a")
  (func (export "wasmadapt_abi_version") (result i32) (i32.const 0x010000))
  (func (export "wasmadapt_alloc") (param i32) (result i32) (i32.const 0))
  ;; HOSTILE: capabilities that are a JSON array, not an object.
  (func (export "wasmadapt_capabilities") (param i32 i32) (result i64) (i64.const 0x0000100000000003))
  ;; HOSTILE: a provider request with an unknown stream framing.
  (func (export "wasmadapt_project") (param i32 i32) (result i64) (i64.const 0x000010200000003f))
  ;; HOSTILE: a text-delta whose text is a number.
  (func (export "wasmadapt_transform") (param i32 i32) (result i64) (i64.const 0x0000107000000024))
  ;; HOSTILE: a text-delta whose text is not UTF-8.
  (func (export "wasmadapt_parse_response") (param i32 i32) (result i64) (i64.const 0x000010b000000023))
  ;; HOSTILE: a finish event with an unknown reason.
  (func (export "wasmadapt_map_error") (param i32 i32) (result i64) (i64.const 0x000010f000000038))
)
