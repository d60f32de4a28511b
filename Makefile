# wasmadapt — build, test and benchmark.
#
#   make          build bin/wasmrun and every adapter to bin/adapters/<name>.wasm
#   make demo     build, then run one chat against the built-in recorded provider (no API key)
#   make demo-gateway  start bin/wasmadapt-gateway on loopback against the recorded provider; prints its URL and key
#   make test     the whole suite CI runs (see README, "Tests"): check, race tests, every adapter's golden
#                 cases through wasmrun, short fuzz runs, test-wasmtime; ends with "N passed, N failed, N skipped"
#   make sdk-tests  the gateway driven by the official OpenAI, Anthropic and Vercel AI SDKs (Go and Node)
#   make check    the hygiene gate: gofmt, go mod tidy -diff, go vet (native and wasip1), staticcheck
#   make bench    benchmarks; rewrites BENCHMARKS.md (needs cgo for the wasmtime columns); GWLOAD=1 adds bench-load
#   make bench-load  the gateway under a sustained open-loop load (internal/cmd/gwload) against a direct host.Client
#   make test-wasmtime  the engine tests and every golden case on the wasmtime backend (cgo)
#   make test-scaleout  three gateway processes behind nginx sharing Redis limits; one killed mid-load
#   make image    the gateway's container image (the Dockerfile's) as an OCI layout in bin/image/oci, without a
#                 container engine; IMAGE=HOST/REPO:TAG pushes it and reads it back (IMAGE_PLAIN_HTTP=1: loopback)

GO       ?= go
ADAPTERS := $(sort $(notdir $(patsubst %/module/,%,$(dir $(wildcard adapters-wasm/*/module/main.go)))))
WASMS    := $(ADAPTERS:%=bin/adapters/%.wasm)
FUZZTIME ?= 2s
# staticcheck at this version (2026.1.x, which knows Go 1.26), installed by
# `go install` into bin/tools (the wasip1 pass must run a native binary).
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
# The bound on one package's test binary (go test's default is 10m, which
# the engine package's race run exceeded on a loaded 2-core machine): a
# hang fails with its goroutines dumped instead of running on.
TESTTIMEOUT ?= 15m

# go test runs through internal/testrun, which keeps every test's outcome in
# $(RESULTS) for the summary that ends `make test`.
RESULTS := bin/test/results.jsonl
TESTRUN  = $(GO) run ./internal/testrun -results $(RESULTS) --

# Tests find the modules this Makefile builds: a test that would skip for
# lack of one fails instead (internal/testenv).
export WASMADAPT_REQUIRE_MODULES := 1
# One compilation cache for every test package of a run: a module several
# packages load is compiled once (keyed by its bytes, so keeping it across
# runs is safe). wazero names a test binary's entries "dev" whatever its
# release, so the directory carries the wazero version go.mod requires: an
# upgrade never loads code an older wazero compiled.
WAZERO_VERSION := $(shell $(GO) list -m -f '{{.Version}}' github.com/tetratelabs/wazero 2>/dev/null)
export WASMADAPT_TEST_CACHE := $(CURDIR)/bin/test/cache/wazero-$(WAZERO_VERSION)

.PHONY: all adapters wasmrun gateway image demo demo-gateway test test-steps test-scaleout sdk-tests check generate deps vet testcache unit conformance fuzz bench bench-instr bench-load test-wasmtime clean FORCE hostile

all: wasmrun gateway adapters

wasmrun: bin/wasmrun

bin/wasmrun: FORCE
	@mkdir -p bin
	$(GO) build -o $@ ./cmd/wasmrun

adapters: $(WASMS)

# go build is incremental: FORCE only asks it to check. -buildvcs=false:
# the same bytes as `wasmrun build NAME` (package modules) for a digest.
bin/adapters/%.wasm: FORCE
	@mkdir -p bin/adapters
	GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -trimpath -buildvcs=false -o $@ ./adapters-wasm/$*/module

demo: all
	bin/wasmrun demo

# Every step runs even when an earlier one failed (make -k), then the
# summary of all go test runs: skips with their reasons, the slowest tests,
# failures, and last the line "N passed, N failed, N skipped".
# The steps run TESTJOBS at a time (their shared prerequisites, such as
# the adapters' build, once): a step alone leaves a core idle for minutes
# (the tail of the race tests, npm's downloads, the fuzz targets' starts),
# and no verdict depends on the machine's speed or load. Each step's
# output appears whole when it ends (--output-sync).
TESTJOBS ?= 3
test:
	@mkdir -p bin/test && rm -f $(RESULTS)
	@echo "== make test: steps $(TEST_STEPS), $(TESTJOBS) at a time; each step's output appears when it ends"
	@start=$$(date +%s); status=0; \
	$(MAKE) --no-print-directory -k -j$(TESTJOBS) --output-sync=target test-steps || status=$$?; \
	echo; echo "== make test took $$(( $$(date +%s) - start ))s"; \
	$(GO) run ./internal/testrun -results $(RESULTS) -summary -status $$status

TEST_STEPS := check unit conformance fuzz test-wasmtime test-scaleout sdk-tests
test-steps: $(TEST_STEPS)

# The test runner as a binary, for the modules of their own (bench/,
# gateway/sdktest/) whose go test runs in their directory.
bin/tools/testrun: FORCE
	@mkdir -p bin/tools
	$(GO) build -o $@ ./internal/testrun

# The hygiene gate: fails on any finding.
check: vet
	@echo "== gofmt -l"; out=$$(gofmt -l .); \
	if [ -n "$$out" ]; then echo "these files need gofmt -w:"; echo "$$out"; exit 1; fi
	@echo "== go mod tidy -diff"; $(GO) mod tidy -diff
	@echo "== staticcheck"; GOBIN=$(CURDIR)/bin/tools $(GO) install $(STATICCHECK)
	CGO_ENABLED=1 bin/tools/staticcheck -tags wasmtime ./...
	@# U1000 (unused) does not know //go:wasmexport: off in the wasip1 pass
	@# only (the native pass still finds unused code).
	GOOS=wasip1 GOARCH=wasm bin/tools/staticcheck -checks 'inherit,-U1000' ./abi/... ./guest/... ./adapters-wasm/...

# The Debian packages the tests use (wabt, postgresql, docker-registry,
# redis-server, nginx), installed when missing and root.
deps:
	@scripts/install-test-deps

gateway: bin/wasmadapt-gateway

bin/wasmadapt-gateway: FORCE
	@mkdir -p bin
	$(GO) build -o $@ ./cmd/wasmadapt-gateway

# The gateway's container image without a container engine (deploy/image,
# a module of its own so that the main module does not depend on
# go-containerregistry): the Dockerfile's image, from static binaries built
# here, written as an OCI image layout; with IMAGE it is pushed and read
# back (manifest, config, files).
image: bin/adapters/openai.wasm
	@mkdir -p bin/image
	CGO_ENABLED=0 $(GO) build -trimpath -buildvcs=false -o bin/image/wasmadapt-gateway ./cmd/wasmadapt-gateway
	CGO_ENABLED=0 $(GO) build -trimpath -buildvcs=false -o bin/image/wasmrun ./cmd/wasmrun
	cd deploy/image && $(GO) run . -arch $$($(GO) env GOARCH) -gateway ../../bin/image/wasmadapt-gateway -wasmrun ../../bin/image/wasmrun \
		-demo-module ../../bin/adapters/openai.wasm -demo-cases ../../cmd/wasmrun/testdata/demo -layout ../../bin/image/oci \
		$(if $(IMAGE),-push $(IMAGE)) $(if $(IMAGE_PLAIN_HTTP),-plain-http)

demo-gateway: all
	bin/wasmadapt-gateway -demo


# The native adapter set of the tests (internal/adapterset), derived from
# adapters-wasm/*/module: adding an adapter directory needs no list edited.
generate:
	$(GO) generate ./internal/adapterset

vet: generate
	@echo "== go vet"
	$(GO) vet ./...
	GOOS=wasip1 GOARCH=wasm $(GO) vet ./abi/... ./guest/... ./adapters-wasm/...

# The race detector slows wazero's compiler about seven times: every module
# the race-mode tests load is first compiled without it into the run's
# shared cache (this step; unit and test-wasmtime wait for it), and every
# package shares that cache, so that no module is compiled under -race.
testcache: all hostile bin/tools/testrun
	@mkdir -p bin/test
	@echo "== filling the compilation cache without -race (internal/testcache)"
	$(TESTRUN) -count=1 -tags testcachefill -timeout $(TESTTIMEOUT) ./internal/testcache/...

# cmd/wasmrun's tests drive the CLI one command at a time, each loading a
# module: under -race five times slower (minutes on 2 cores) for code whose
# concurrency (engine, registry, host) the race run covers in those
# packages. They run without -race; those about concurrency (watching and
# swapping under load: WASMRUN_RACE) also run under it.
WASMRUN_RACE := ^(TestSwapThroughHost|TestWatch.*)$$

# The race tests of every package (cmd/wasmrun as above), then bench/'s.
# The compile-heavy tests of internal/sandboxtest and host load fewer
# modules under -race (raceEnabled).
# With PostgreSQL installed (scripts/install-test-deps), the tests run
# beside a throwaway server (scripts/with-postgres), so the SQL session
# store is tested against it; without it that test skips and says so.
unit: testcache generate bin/tools/testrun
	@pkgs=$$($(GO) list ./... | grep -v '/cmd/wasmrun$$'); \
	if ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then \
		echo "scripts/with-postgres $(TESTRUN) -race -count=1 -timeout $(TESTTIMEOUT) ./... (but cmd/wasmrun)"; \
		scripts/with-postgres $(TESTRUN) -race -count=1 -timeout $(TESTTIMEOUT) $$pkgs; \
	else echo "$(TESTRUN) -race -count=1 -timeout $(TESTTIMEOUT) ./... (but cmd/wasmrun)"; \
		$(TESTRUN) -race -count=1 -timeout $(TESTTIMEOUT) $$pkgs; fi
	$(TESTRUN) -race -count=1 -timeout $(TESTTIMEOUT) -run '$(WASMRUN_RACE)' ./cmd/wasmrun
	$(TESTRUN) -count=1 -timeout $(TESTTIMEOUT) ./cmd/wasmrun
	@# bench/ is a module of its own (the peer SDKs): its bodies match their
	@# generator and every runner, ours and the peers', agrees on them.
	cd bench && $(GO) vet . && ../bin/tools/testrun -results ../$(RESULTS) -- -count=1 -timeout $(TESTTIMEOUT) .
	@# deploy/image is a module of its own (go-containerregistry).
	cd deploy/image && $(GO) vet . && ../../bin/tools/testrun -results ../../$(RESULTS) -- -count=1 -timeout $(TESTTIMEOUT) .

# The hostile-module corpus (testdata/hostile/<name>/, see its README.md),
# built to bin/hostile/<name>.wasm for internal/sandboxtest: module.wat with
# wabt's wat2wasm (installed from Debian's registry when missing), a package
# named in `source` ("<dir> [tags]") or main.go with go build.
hostile: deps
	@mkdir -p bin/hostile
	@set -e; for d in testdata/hostile/*/; do n=$$(basename $$d); \
		if [ -f $$d/module.wat ]; then wat2wasm $$(cat $$d/wat2wasm-flags 2>/dev/null) $$d/module.wat -o bin/hostile/$$n.wasm; \
		elif [ -f $$d/source ]; then read pkg tags < $$d/source; \
			GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -trimpath -buildvcs=false -tags "$$tags" -o bin/hostile/$$n.wasm $$pkg; \
		elif [ -f $$d/main.go ]; then GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -trimpath -buildvcs=false -o bin/hostile/$$n.wasm ./$$d; fi; \
	done

# The gateway driven by official SDK clients, against the recorded loopback
# provider: openai-go and anthropic-sdk-go in gateway/sdktest, a module of
# its own (the main go.mod gains no dependency), its go test run through
# internal/testrun like the others; then the Node SDKs (openai,
# @anthropic-ai/sdk, the Vercel AI SDK) through scripts/sdk-tests-node,
# which skips without node unless CI=true. Without -race: the race
# detector would rebuild the SDKs (openai-go alone is a large package, many
# minutes on a loaded 2-core machine) and the gateway's own race coverage
# is in `unit`.
sdk-tests: bin/tools/testrun
	@mkdir -p bin/test
	cd gateway/sdktest && $(GO) vet ./... && ../../bin/tools/testrun -results ../../$(RESULTS) -- -count=1 -timeout $(TESTTIMEOUT) ./...
	GO=$(GO) RESULTS=$(CURDIR)/$(RESULTS) scripts/sdk-tests-node

# Every adapter's golden cases, through the real module and the host's
# framing (scripts/conformance: two adapters at a time, no call deadline
# that a slow machine could hit).
conformance: all
	scripts/conformance bin/wasmrun

# Each fuzz target briefly (FUZZTIME each, scripts/fuzz, which says how a
# failure is told from Go 1.26's -fuzztime boundary race); the seed corpora
# also run in `unit`. 42 targets: about 42 x (FUZZTIME + 2-3 s), 3-4 min at
# 2s on 2 cores: a smoke run that finds shallow crashes in what changed;
# long campaigns are `make fuzz FUZZTIME=10m`.
fuzz:
	FUZZTIME=$(FUZZTIME) scripts/fuzz $(GO)

# Runs internal/bench (every backend: -tags wasmtime, cgo) with -benchmem
# -count $(BENCHCOUNT), saves the raw output to bench/raw.txt (benchstat
# format) and regenerates BENCHMARKS.md from it; about 10 minutes on 2 cores.
# GWLOAD=1 adds bench-load's open-loop step after them.
BENCHCOUNT ?= 5
bench: all
	CGO_ENABLED=1 $(GO) run ./internal/benchreport -run -count $(BENCHCOUNT) -raw bench/raw.txt -o BENCHMARKS.md
	$(if $(GWLOAD),$(MAKE) --no-print-directory bench-load)

# The gateway under a sustained open-loop load (internal/cmd/gwload): the
# recorded provider on loopback, the gateway in a child process, native
# and wazero, whole and streamed answers, each rate of GWLOAD_RATES for
# GWLOAD_DURATION after a warm-up, against the same load through a direct
# host.Client; its results replace the previous ones in bench/raw.txt,
# then BENCHMARKS.md is regenerated. About 2 x 2 x 2 x 12 s a rate, plus
# the modules' compilation. It fails by no speed: a rate the machine
# cannot hold is reported as not sustained.
GWLOAD_RATES ?= 5000,1000
GWLOAD_DURATION ?= 10s
bench-load: all
	$(GO) build -o bin/gwload ./internal/cmd/gwload
	bin/gwload -rates $(GWLOAD_RATES) -duration $(GWLOAD_DURATION) -raw bench/raw.txt
	$(GO) run ./internal/benchreport -raw bench/raw.txt -o BENCHMARKS.md

# Instruction counts per request (callgrind) for the peer comparison in
# bench/: the benchmark's timed loop of 100 requests (LOOP=1), appended to
# the raw file, then BENCHMARKS.md regenerated. Slow: a valgrind run of a
# minute or more per runner and body (36 runs, two at a time).
bench-instr: adapters
	LOOP=1 N=100 scripts/instr-peers >> bench/raw.txt
	$(GO) run ./internal/benchreport -raw bench/raw.txt -o BENCHMARKS.md

clean:
	rm -rf bin

# The gateway's scale-out test (cmd/wasmadapt-gateway TestScaleOut): three
# gateway processes behind Debian's nginx on loopback ports, their tenant
# limits shared through a throwaway redis-server, a load of concurrent
# streamed requests and one replica killed mid-load. Part of `test`; nginx
# and redis-server come from scripts/install-test-deps (without them the
# test skips and says so). About 40 s on 2 loaded cores, most of it three
# processes compiling the module.
test-scaleout: deps bin/adapters/openai.wasm
	@mkdir -p bin/test
	WASMADAPT_SCALEOUT=1 $(TESTRUN) -count=1 -timeout $(TESTTIMEOUT) -run '^TestScaleOut$$' ./cmd/wasmadapt-gateway

# The wasmtime backend (cgo, -tags wasmtime) through the same engine tests
# and golden cases as wazero; WASMADAPT_BACKEND selects it in engine.New.
# Part of `test` (about 1.5 minutes on 2 loaded cores; needs a C compiler),
# plus the hostile corpus and the sandbox caps (internal/sandboxtest's
# TestHostileCorpus and TestSandboxCapsRepeated, about 2.5 minutes more;
# without -race, whose slowdown the caps' generous bounds do not need).
test-wasmtime: adapters hostile testcache
	@mkdir -p bin
	CGO_ENABLED=1 $(GO) vet -tags wasmtime ./engine/... ./internal/bench/...
	CGO_ENABLED=1 $(GO) build -tags wasmtime -o bin/wasmrun-wasmtime ./cmd/wasmrun
	@mkdir -p bin/test
	WASMADAPT_BACKEND=wasmtime CGO_ENABLED=1 $(TESTRUN) -race -tags wasmtime -count=1 -timeout $(TESTTIMEOUT) ./engine
	@# The packages on the engine's public API (registry, rollout, cache)
	@# hold no backend code: their race run is unit's, on wazero.
	WASMADAPT_BACKEND=wasmtime CGO_ENABLED=1 $(TESTRUN) -tags wasmtime -count=1 -timeout $(TESTTIMEOUT) $$($(GO) list ./engine/... | grep -v '/engine$$')
	WASMADAPT_BACKEND=wasmtime CGO_ENABLED=1 $(TESTRUN) -tags wasmtime -count=1 -timeout $(TESTTIMEOUT) -run 'TestHostileCorpus|TestSandboxCapsRepeated|TestReplayHostile' ./internal/sandboxtest ./cmd/wasmrun
	WASMADAPT_BACKEND=wasmtime scripts/conformance bin/wasmrun-wasmtime wasmtime
