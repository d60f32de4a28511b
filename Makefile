# wasmadapt — build, test and benchmark.
#
#   make          build bin/wasmrun and every adapter to bin/adapters/<name>.wasm
#   make demo     build, then run one chat against the built-in recorded provider (no API key)
#   make demo-gateway  start bin/wasmadapt-gateway on loopback against the recorded provider; prints its URL and key
#   make test     vet, race tests, every adapter's golden cases through wasmrun, short fuzz runs, test-wasmtime
#   make bench    benchmarks; rewrites BENCHMARKS.md (needs cgo for the wasmtime columns)
#   make test-wasmtime  the engine tests and every golden case on the wasmtime backend (cgo)

GO       ?= go
ADAPTERS := $(sort $(notdir $(patsubst %/module/,%,$(dir $(wildcard adapters-wasm/*/module/main.go)))))
WASMS    := $(ADAPTERS:%=bin/adapters/%.wasm)
FUZZTIME ?= 4s

.PHONY: all adapters wasmrun gateway demo demo-gateway test generate vet unit conformance fuzz bench test-wasmtime clean FORCE hostile

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

gateway: bin/wasmadapt-gateway

bin/wasmadapt-gateway: FORCE
	@mkdir -p bin
	$(GO) build -o $@ ./cmd/wasmadapt-gateway

demo-gateway: all
	bin/wasmadapt-gateway -demo

test: vet unit conformance fuzz test-wasmtime

# The native adapter set of the tests (internal/adapterset), derived from
# adapters-wasm/*/module: adding an adapter directory needs no list edited.
generate:
	$(GO) generate ./internal/adapterset

vet: generate
	$(GO) vet ./...
	GOOS=wasip1 GOARCH=wasm $(GO) vet ./abi/... ./guest/... ./adapters-wasm/...

unit: all hostile generate
	$(GO) test -race -count=1 ./...

# The hostile-module corpus (testdata/hostile/<name>/, see its README.md),
# built to bin/hostile/<name>.wasm for internal/sandboxtest: module.wat with
# wabt's wat2wasm (installed from Debian's registry when missing), a package
# named in `source` ("<dir> [tags]") or main.go with go build.
hostile:
	@mkdir -p bin/hostile
	@command -v wat2wasm >/dev/null || { echo "== installing wabt (wat2wasm)"; apt-get install -y wabt || { apt-get update && apt-get install -y wabt; }; }
	@set -e; for d in testdata/hostile/*/; do n=$$(basename $$d); \
		if [ -f $$d/module.wat ]; then wat2wasm $$(cat $$d/wat2wasm-flags 2>/dev/null) $$d/module.wat -o bin/hostile/$$n.wasm; \
		elif [ -f $$d/source ]; then read pkg tags < $$d/source; \
			GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -trimpath -tags "$$tags" -o bin/hostile/$$n.wasm $$pkg; \
		elif [ -f $$d/main.go ]; then GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -trimpath -o bin/hostile/$$n.wasm ./$$d; fi; \
	done

# Every adapter's golden cases, through the real module and the host's framing.
conformance: all
	@set -e; for a in $(ADAPTERS); do \
		if [ -d testdata/$$a ]; then echo "== wasmrun test $$a"; bin/wasmrun test bin/adapters/$$a.wasm testdata/$$a; fi; \
	done

# Each fuzz target briefly (FUZZTIME each); the seed corpora also run in `unit`.
# 35 targets: about 35 x (FUZZTIME + 1.3 s) on 2 cores, 3 min at 4s (measured;
# 10s would take 6-7 min of the 15-minute CI budget).
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz' || true); do \
			echo "== fuzz $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done

# Runs internal/bench (every backend: -tags wasmtime, cgo) with -benchmem
# -count $(BENCHCOUNT), saves the raw output to bench/raw.txt (benchstat
# format) and regenerates BENCHMARKS.md from it; about 10 minutes on 2 cores.
BENCHCOUNT ?= 5
bench: all
	CGO_ENABLED=1 $(GO) run ./internal/benchreport -run -count $(BENCHCOUNT) -raw bench/raw.txt -o BENCHMARKS.md

clean:
	rm -rf bin

# The wasmtime backend (cgo, -tags wasmtime) through the same engine tests
# and golden cases as wazero; WASMADAPT_BACKEND selects it in engine.New.
# Part of `test` (about 1.5 minutes on 2 loaded cores; needs a C compiler),
# plus the hostile corpus and the sandbox caps (internal/sandboxtest's
# TestHostileCorpus and TestSandboxCapsRepeated, about 2.5 minutes more;
# without -race, whose slowdown the caps' generous bounds do not need).
test-wasmtime: adapters hostile
	@mkdir -p bin
	CGO_ENABLED=1 $(GO) vet -tags wasmtime ./engine/... ./internal/bench/...
	CGO_ENABLED=1 $(GO) build -tags wasmtime -o bin/wasmrun-wasmtime ./cmd/wasmrun
	WASMADAPT_BACKEND=wasmtime CGO_ENABLED=1 $(GO) test -race -tags wasmtime -count=1 ./engine/...
	WASMADAPT_BACKEND=wasmtime CGO_ENABLED=1 $(GO) test -tags wasmtime -count=1 -run 'TestHostileCorpus|TestSandboxCapsRepeated|TestReplayHostile' ./internal/sandboxtest ./cmd/wasmrun
	@set -e; for a in $(ADAPTERS); do \
		if [ -d testdata/$$a ]; then echo "== wasmrun test $$a (wasmtime)"; WASMADAPT_BACKEND=wasmtime bin/wasmrun-wasmtime test bin/adapters/$$a.wasm testdata/$$a; fi; \
	done
