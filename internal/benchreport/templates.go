package main

// anthropicTemplatesSection holds the before/after measurements of the
// anthropic module's text-delta templates (ABI 1.6): numbers measured by
// hand, not in the raw file, so the section is fixed text that a
// regeneration keeps (writeReport writes it after the ABI 1.4 section).
const anthropicTemplatesSection = "## ABI 1.6: text-delta templates for the Anthropic stream (measured 2026-12-08)\n\n" +
	"Measured by hand on 2026-12-08 (not in `bench/raw.txt`) on the shared 2-core machine (load average 8-14 while it\n" +
	"ran), before (74c2c9a) and after (76f617e), the anthropic module built with the Makefile's flags in each tree.\n" +
	"The anthropic module (and vertex-anthropic, which wraps it) declares one template per content-block index 0-15:\n" +
	"a `content_block_delta` with a `text_delta` and nothing else, in the state of one open text block that has given\n" +
	"text. Its state could not be named byte for byte with the 1.4 templates (message_start's token usage is in it and\n" +
	"differs from stream to stream) nor its chunk told apart (what it means rests on its `type` strings), so ABI 1.6\n" +
	"adds prefix templates (`state_prefix`; the module's state now ends with the usage) and the `string` shape. The\n" +
	"first text_delta of a block still goes to the module (it sets the text flag); the rest are the host's.\n\n" +
	"**Instructions per request** (bench/'s `BenchmarkPeers`, mem transport, wazero and native, callgrind of the timed\n" +
	"loop only as `LOOP=1 scripts/instr-peers` counts it, N=100 requests, the host's garbage collector counted):\n\n" +
	"| body | runner | before | after | change |\n" +
	"|---|---|---:|---:|---:|\n" +
	"| anthropic-text (306 chunks; the host serves 299) | wazero | 19.09 M | 7.41 M | -61% |\n" +
	"| anthropic-text | native | 4.25 M | 3.99 M | -6% |\n" +
	"| anthropic-short-tool (11 chunks, no text) | wazero | 2.15 M | 1.81 M | noise (below) |\n" +
	"| anthropic-short-tool | native | 0.497 M | 0.497 M | 0% |\n\n" +
	"anthropic-text on wazero went from 4.5x native to 1.9x. The short tool call has no text chunk, so no template\n" +
	"serves any of it: with `GOGC=off` (the host's collector left out) it counts 1.81 M before and after (the 2.15 M\n" +
	"above is the collector's run-to-run noise), and anthropic-text on wazero 18.36 M before, 6.96 M after (-62%).\n\n" +
	"**CPU time per request** (`BenchmarkPeers`, mem transport, wazero, `cpu-ns/op`, 100 requests a run, the two\n" +
	"trees' runs interleaved, median of 3): anthropic-text 1.94 ms before (runs 1.85-1.97), 0.81 ms after (0.80-0.92);\n" +
	"anthropic-short-tool 0.43 ms before (0.39-0.45), 0.41 ms after (0.37-0.44), the same within the noise.\n" +
	"Host allocations per anthropic-text request went from 742 (205 KB) to 1,964 (328 KB), about 4 more per chunk\n" +
	"the host serves: the template matcher copied each key it saw. With it allocation-free (99d1a1d) they are 531\n" +
	"(307 KB); the 100 KB that remain above the module's path are not profiled yet (the engine's event slice and\n" +
	"state copy per served chunk are the likely ones). At 99d1a1d, anthropic-text on wazero counts 6.72 M instructions with `GOGC=off` (7.49 M\n" +
	"counted with the collector), and a second interleaved CPU run at a load average of 1-3 gave 3.03 ms before,\n" +
	"1.38 ms after (median of 3; native 0.60 and 0.54 ms): CPU time moves with the machine from run to run, the\n" +
	"ratio (0.42-0.46) does not.\n\n" +
	"**Per chunk** (`BenchmarkChunk/anthropic`, the short `stream-text-cache-usage` case, a chunk per call,\n" +
	"`cpu-ns/chunk`, median of 3 interleaved runs of 3,000 streams): wazero 8.6 µs before, 8.8 µs after; native\n" +
	"1.4 µs before, 1.5 µs after, the same within the noise (single runs spanned 8.1-14.1 µs), as they should be:\n" +
	"of its 8 chunks, 2 are text_delta, the block's first (which goes to the module) and one with `\\u` escapes\n" +
	"(which the templates leave to the module), so the host serves none of them. The templates pay off on streams\n" +
	"of many text chunks, as anthropic-text shows.\n\n" +
	"Events are identical with and without templates (the anthropic and vertex-anthropic golden cases pass with\n" +
	"`wasmrun test` and `-templates=false`; TestTextTemplatesSameEvents and FuzzTextTemplates, which now starts from\n" +
	"a prefix template's state with any suffix the module loads). Bedrock declares none: its state holds the model ID\n" +
	"and the Nova thinking splitter's state ahead of the blocks, and Converse text may be post-processed.\n"
