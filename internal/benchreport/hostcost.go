package main

// hostCostSection holds the measurements of the host's fixed cost per
// request ("Host fixed cost per request"):
// numbers measured by hand, not in the raw file, so the section is fixed
// text that a regeneration keeps (writeReport writes it after the build
// flags).
const hostCostSection = "## Host fixed cost per request (measured 2026-12-07)\n\n" +
	"Measured by hand on 2026-12-07 (not in `bench/raw.txt`) on the shared 2-core machine (load average 5-20 while it\n" +
	"ran), before (4beba31) and after (fb27210) the changes below, with the same openai and anthropic modules (built\n" +
	"once, loaded through `WASMADAPT_BENCH_MODULES`). Each number is bench/'s `BenchmarkPeers` on a short tool-call\n" +
	"body, mem transport: one whole request through `host.Client.Stream` (capabilities, projection, HTTP, SSE framing,\n" +
	"transform, validation, tool-call assembly), natively and on wazero.\n\n" +
	"**How it was counted.** `scripts/instr-peers` (the difference of whole-process runs of 1 and 1+N requests) could\n" +
	"not resolve these changes: the start-up of the same binary (module loading and what the runtime does meanwhile)\n" +
	"varied from 1,198M to 1,289M instructions between runs, with the collector off as with it on: 450K per request\n" +
	"at N=200. The counts below are of the timed loop alone: valgrind `--tool=callgrind\n" +
	"--zero-before='testing.(*B).ResetTimer' --dump-before='testing.(*B).StopTimer'`, `-test.benchtime 200x`, the\n" +
	"dump of the 200-request loop divided by 200 (what `LOOP=1 scripts/instr-peers` now counts): every thread (the\n" +
	"garbage collector's workers included), none of the start-up. Two runs of the same binary agreed within about\n" +
	"2% (openai native before: 912K and 893K; after: 626K and 628K). With `GOGC=off` the count is the requests' own\n" +
	"work; with the default GOGC it also holds the collections that fell inside the 200 requests, which come a few\n" +
	"per thousand requests, so that column moves by one collection (about 30-37M instructions) from run to run. The\n" +
	"collections per 1,000 requests are counted with `GODEBUG=gctrace=1` over 5,000 requests (less the 9 of the\n" +
	"start-up). Allocations and bytes are the benchmark's `-benchmem` (3,000 requests).\n\n" +
	"| body, runner | instr/request, GOGC=off, before → after | default GOGC, before → after | GC cycles per 1,000 requests | allocs/request | bytes/request |\n" +
	"|---|---:|---:|---:|---:|---:|\n" +
	"| openai-short-tool, native | 727K → 629K (-13%) | 912K → 626K (-31%) | 4.8 → 1.6 | 277 → 220 | 76.6 KB → 25.1 KB |\n" +
	"| openai-short-tool, wazero | 2.60M → 2.51M (-4%) | 2.75M → 2.67M (-3%) | 3.6 → 1.0 | 195 → 138 | 75.6 KB → 24.1 KB |\n" +
	"| anthropic-short-tool, native | 669K → 580K (-13%) | 861K → 577K (-33%) | 4.6 → 1.8 | 287 → 230 | 74.7 KB → 27.0 KB |\n" +
	"| anthropic-short-tool, wazero | 2.70M → 2.61M (-3%) | 3.04M → 2.77M (-9%) | 3.2 → 1.0 | 203 → 146 | 72.3 KB → 24.6 KB |\n\n" +
	"The host's own work fell by 88-98K instructions per request on both runners (the GOGC=off column), and the\n" +
	"bytes it allocates per request by two thirds, so the collector runs about three times less often: at the\n" +
	"30-37M instructions a collection of this heap costs (the difference of the two columns before, where one\n" +
	"collection fell in each window), that is about 120K instructions per request less natively (4.8 → 1.6 cycles per\n" +
	"1,000) and 80K on wazero (3.6 → 1.0, about 30M per collection), beyond the 88-98K of direct work.\n\n" +
	"**Where the 900K instructions of a native short request went** (callgrind inclusive costs before the changes,\n" +
	"openai-short-tool): about 185K were the host process's garbage collections (76.6 KB allocated per request, a\n" +
	"collection every 200 requests); about 290K the module calls (engine and adapter: the projection 174K, of which\n" +
	"the engine's `json.Marshal` of the request and `json.Unmarshal` of the provider request about 100K, and the\n" +
	"transform with the engine's event validation 118K); and of the host's own work on the calling goroutine, the\n" +
	"stream context's `json.Marshal` (46K: `BenchmarkContextJSON`, mostly validating and compacting the tool\n" +
	"schemas), the batcher's hand-off to and from the framing goroutine (57K with that goroutine's framing), the\n" +
	"OpenTelemetry span and metric attributes and the observer's copy of the response (38K, with no tracer, meter\n" +
	"or observer configured), the HTTP request's building (12K), event delivery and order check (12K), the\n" +
	"capabilities cache (6K) and the credential echo checks (5K). The framer's fresh 32 KiB read buffer was 43% of\n" +
	"the bytes.\n\n" +
	"What each change bought, in commit order (allocations and bytes per request, openai-short-tool native / wazero;\n" +
	"the anthropic body moved alike):\n\n" +
	"| change | allocs | bytes |\n" +
	"|---|---:|---:|\n" +
	"| before (4beba31) | 277 / 195 | 76.6 / 75.6 KB |\n" +
	"| 1. framing: read buffer and SSE data scratch from a `sync.Pool`, given back when the iteration ends (fe3fcf5) | 274 / 192 | 43.3 / 42.3 KB |\n" +
	"| 2. telemetry: span attributes only for a recording span, metric attribute sets only for enabled instruments, the whole response kept only for an observer, server attributes cached per base URL (4009e5c) | 238 / 156 | 34.7 / 33.7 KB |\n" +
	"| 3. batcher (queue, arena, free buffers) from a `sync.Pool` (e733b26) | 227 / 145 | 25.4 / 24.4 KB |\n" +
	"| 4. a streamed response's headers checked for the credential where they are, their module form built only for MapError and ParseResponse (79685ec) | 221 / 139 | 25.2 / 24.2 KB |\n" +
	"| 5. the stream context's JSON cached per client, keyed by its exact contents (fb27210) | 220 / 138 | 25.1 / 24.1 KB |\n\n" +
	"Change 5 saves instructions rather than allocations: `BenchmarkContextJSON` (package host, callgrind, 1,000\n" +
	"encodings differenced against 1) takes 46.4K instructions per context through `json.Marshal` and 2.6K from the\n" +
	"cache. Changes 1-3 save mostly collector work (the bytes); change 2 also the attribute sets' sorting and hashing\n" +
	"and the response copy, about 35K instructions on the calling goroutine by the profile before. No behaviour\n" +
	"changed: spans, metrics and observed responses are the same when a tracer, meter or observer is configured\n" +
	"(`TestTelemetrySkippedWhenDisabled`, `TestObserverGetsWholeResponse`), the cached context is byte-identical to\n" +
	"`json.Marshal` (`TestContextJSON`), and the pooled buffers never serve two streams at once\n" +
	"(`TestPooledBuffersNotShared`, `TestBatcherReused`).\n\n" +
	"**Against the targets**, counted the same way (the timed loop alone, N=200, after the changes): openai-go 1.46M\n" +
	"instructions per request with GOGC=off and 2.13M with the default GOGC, anthropic-sdk-go 829K and 1.04M. The native\n" +
	"path is now under both SDKs (629K and 580K, GOGC=off). wazero is still 1.72x openai-go (2.51M) and 3.15x\n" +
	"anthropic-sdk-go (2.61M) with GOGC=off, 1.26x and 2.68x with the default GOGC: the speed target, wazero at or\n" +
	"below the best Go SDK on every body, is **not met**. The rest of the gap is the module calls on wazero (wazero\n" +
	"minus native: 1.9-2.0M instructions of guest projection and transform, the Wasm side). What is left of the\n" +
	"host's own fixed cost: the engine's `json.Marshal` of the request and `json.Unmarshal` of the provider request\n" +
	"(about 100K, package engine); the hand-off to the framing goroutine (one goroutine and a few wake-ups per\n" +
	"stream; a synchronous framer would need the framers to tell an event already buffered from one that needs a read,\n" +
	"without losing the read that runs alongside a slow transform); the HTTP request's building (the base URL parsed,\n" +
	"the path resolved and parsed, the URL parsed again by `http.NewRequestWithContext`: about 25 allocations); and\n" +
	"the no-op tracer's non-recording span (2 allocations).\n\n"
