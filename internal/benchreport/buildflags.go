package main

import "io"

// writeBuildFlags writes the measurements of guest build flags and runtime
// settings ("Build flags and runtime settings"):
// numbers measured by hand, not in the raw file, so the section is fixed
// text that a regeneration keeps.
func writeBuildFlags(w io.Writer) {
	io.WriteString(w, "\n"+buildFlagsSection)
}

const buildFlagsSection = "## Build flags and runtime settings (measured 2026-12-07)\n\n" +
	"Measured by hand on 2026-12-07 (not in `bench/raw.txt`). Each setting was built into the openai and anthropic\n" +
	"modules alone, against the same baseline (the Makefile's build), and loaded by bench/'s `BenchmarkPeers` through\n" +
	"`WASMADAPT_BENCH_MODULES`. Instructions per request are callgrind's whole-process count, the difference of\n" +
	"runs of 1 and 1+N requests as `scripts/instr-peers` computes it, on the wazero runner (mem transport), with\n" +
	"one change: the host process ran with `GOGC=off`. The host's own garbage collector made the full count of one\n" +
	"module vary by 10% from run to run (2.87M and 3.13M for the same bytes, N=300), which would hide every effect\n" +
	"measured here; with it off the spread of repeated baseline runs was about 3% (2.47M-2.60M, N=300 and N=1000).\n" +
	"The guest's own collector is untouched by that variable: the engine gives guests no environment. The counts\n" +
	"are therefore lower than the peer table's, which counts the host's collector too; only the differences between\n" +
	"rows matter.\n\n" +
	"| setting | openai-short-tool | anthropic-short-tool | openai-text | linear memory per pooled instance after 1,000 requests |\n" +
	"|---|---:|---:|---:|---:|\n" +
	"| baseline (Makefile build, guest GOGC 100) | 2.60M | 2.82M | 10.13M (N=100) | 8.50-8.75 MiB (openai), 8.88-8.94 MiB (anthropic) |\n" +
	"| `GOWASM=satconv,signext` | same code | same code | same code | same |\n" +
	"| guest `debug.SetGCPercent(200)` | 2.42M (-2%, N=300, against 2.47M) | 2.59M (-2%, N=300, against 2.65M) | 10.24M (+1%, N=100) | 12.50-12.75 MiB |\n" +
	"| guest GC off, `debug.SetMemoryLimit(16 MiB)` | 2.54M (-2%) | 2.70M (-4%) | — | 13.0-15.0 MiB |\n" +
	"| guest `debug.SetGCPercent(400)` | — | — | — | 13.0-15.0 MiB |\n" +
	"| `go build -pgo` with a native CPU profile | not measured | not measured | — | same as baseline |\n" +
	"\n" +
	"N = 1000 unless the cell says otherwise; a cell with its own baseline was measured in a round of its own.\n" +
	"Memory is `engine.InstanceStats` of the one pooled instance after one module load and 1,001 whole requests of\n" +
	"one body through `host.Client` (the range over the four bodies of each provider); Wasm memory never shrinks, so\n" +
	"it is the instance's peak. Whole requests (projection included) take an instance to about 8.5-9 MiB, more than\n" +
	"the 4 MiB of the chunk-only replays under *Compile, instantiate, memory per pooled instance*.\n\n" +
	"What each bought, and what was kept:\n\n" +
	"- **`GOWASM=satconv,signext`: nothing to gain, not set.** Go 1.26 always emits both (internal/buildcfg ignores\n" +
	"  the two values: \"legacy features, now always enabled\"): the baseline openai module already holds 37\n" +
	"  saturating truncations and 409 sign-extension instructions. Built with the variable, its instruction stream\n" +
	"  is identical (wasm-objdump, constants aside); only the data segment differs, by the 32 bytes of build info that\n" +
	"  record the setting, which shifts data addresses. wazero (CoreFeaturesV2, its default) and the engine's\n" +
	"  instrumentation (engine/instrument.go: opcodes 0xc0-0xc4 and 0xfc 0-7) accept both, as every shipped module shows.\n" +
	"- **Guest GC settings: not kept.** A guest request allocates little, so a higher GC percent or no collection\n" +
	"  up to a memory limit saves 2-4% of the request's instructions, inside the 3% spread of repeated baseline\n" +
	"  runs, and costs 4-6 MiB more linear memory per pooled instance (x PoolSize x modules), which never shrinks.\n" +
	"- **PGO for guests: not measured, not kept.** A CPU profile of bench/'s native runner on every body (the same adapter\n" +
	"  and guest functions by name) built into the modules with `-pgo=` grows their code section by 4-5% (openai\n" +
	"  2.83 to 2.98 MB, anthropic 3.02 to 3.15 MB: more inlining) and leaves the instance's memory as it was. Its\n" +
	"  instruction counts did not finish: on the shared machine (load average 10-14 then) the niced valgrind runs got\n" +
	"  12 s of CPU in 12 minutes and were stopped. Keeping it would also need a profile kept in step with the\n" +
	"  adapters, and `modules.Build` to pass the same flag so that its digests still match `make`'s." +
	"\n" +
	"- **wazero options: nothing to change.** engine/wazero.go already uses the optimizing compiler, leaves\n" +
	"  `WithCloseOnContextDone` off in the instrumented deadline mode (no termination check at each loop header),\n" +
	"  and calls exports with `CallWithStack` (no allocation per call). The remaining options do not change the\n" +
	"  code a call runs: `WithDebugInfoEnabled(false)` only drops the DWARF line tables used to describe a trap,\n" +
	"  `experimental.WithCompilationWorkers` only parallelizes compilation, and `WithMemoryCapacityFromMax` would\n" +
	"  commit the full memory cap (64 MiB) to every instance up front to save a growth copy that a pooled instance\n" +
	"  makes only while it warms up. None was kept; the deadline instrumentation and memory caps are unchanged.\n\n" +
	"**Bytes per pooled instance after these changes: unchanged, 8.50-8.94 MiB of linear memory after 1,000 whole\n" +
	"requests** (openai 8.50-8.75 MiB, anthropic 8.88-8.94 MiB), plus the compiled code, shared by the pool.\n"
