package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/api/cases"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/framing"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/internal/adapterset"
	"github.com/wasmadapt/wasmadapt/internal/testenv"
)

// typicalStream names an adapter's typical stream where the first
// streamed case of testdata/<adapter>/ is not it: a text (or reasoning plus
// text) response with usage.
var typicalStream = map[string]string{
	"openai":           "stream-text-usage",
	"azure-openai":     "stream-content-filter-finish",
	"deepseek":         "stream-keepalive-reasoning",
	"groq":             "stream-usage-x-groq-only",
	"mistral":          "stream-model-length",
	"openrouter":       "stream-processing-comments-reasoning",
	"xai":              "stream-reasoning-usage-excludes-reasoning",
	"anthropic":        "stream-text-cache-usage",
	"bedrock":          "stream-text-cache-usage",
	"gemini":           "stream-thinking-text",
	"ollama":           "stream-thinking-text",
	"openai-responses": "stream-text-usage",
}

// adapterStream is an adapter, its native constructor and its typical
// stream.
type adapterStream struct {
	name    string
	adapter func() guest.Adapter
	stream  string
}

// streams is every adapter of internal/adapterset with its typical stream
// (typicalStream, else the first case of testdata/<adapter>/ whose name
// begins with "stream-"); an adapter without one is not benchmarked.
var streams = func() []adapterStream {
	var out []adapterStream
	all := adapterset.Constructors()
	for _, name := range adapterset.Names() {
		stream := typicalStream[name]
		if stream == "" {
			entries, _ := os.ReadDir(filepath.Join(root, "testdata", name))
			for _, e := range entries {
				if e.IsDir() && strings.HasPrefix(e.Name(), "stream-") {
					stream = e.Name()
					break
				}
			}
		}
		if stream != "" {
			out = append(out, adapterStream{name, all[name], stream})
		}
	}
	return out
}()

// root is the repository root (this package is internal/bench).
const root = "../.."

// recorded is one framed stream: its chunks and its stream context.
type recorded struct {
	sctx   []byte
	chunks []abi.Chunk
}

func loadStream(b *testing.B, adapter, name string) recorded {
	b.Helper()
	c, err := cases.LoadCase(filepath.Join(root, "testdata", adapter, name))
	if err != nil || c == nil || c.Body == nil {
		b.Fatalf("case testdata/%s/%s: %v (no body?)", adapter, name, err)
	}
	var r recorded
	if c.Request != nil {
		var req abi.Request
		if err := json.Unmarshal(c.Request, &req); err != nil {
			b.Fatal(err)
		}
		sc := req.Context()
		if r.sctx, err = json.Marshal(&sc); err != nil {
			b.Fatal(err)
		}
	}
	fr := c.Meta.Framing
	if fr == "" {
		fr = abi.FramingSSE
		var p abi.ProviderRequest
		if c.Projection != nil && json.Unmarshal(c.Projection, &p) == nil && p.StreamFraming != "" {
			fr = p.StreamFraming
		}
	}
	chunks, err := framing.Chunks(c.Body, fr, framing.Options{})
	if err != nil {
		b.Fatalf("framing %s: %v", name, err)
	}
	r.chunks = chunks
	if len(r.chunks) == 0 {
		b.Fatalf("%s: no chunks", name)
	}
	return r
}

var (
	buildMu  sync.Mutex
	buildDir string
	built    = map[string][]byte{}
)

// wasmOf builds the adapter's module (with extra build tags) once per
// process and returns its bytes.
func wasmOf(b testing.TB, adapter, tags string) []byte {
	b.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	key := adapter + "|" + tags
	if w, ok := built[key]; ok {
		return w
	}
	if buildDir == "" {
		d, err := os.MkdirTemp("", "wasmadapt-bench-")
		if err != nil {
			b.Fatal(err)
		}
		buildDir = d
	}
	out := filepath.Join(buildDir, adapter+"-"+tags+".wasm")
	if err := (testenv.Guest{Pkg: "adapters-wasm/" + adapter + "/module", Tags: tags}).Build(out); err != nil {
		b.Fatalf("building %s: %v", adapter, err)
	}
	w, err := os.ReadFile(out)
	if err != nil {
		b.Fatal(err)
	}
	built[key] = w
	return w
}

func loadWasm(b testing.TB, adapter, tags string) engine.Module {
	b.Helper()
	ctx := context.Background()
	e, err := engine.New(ctx, engine.Config{PoolSize: 1, CacheDir: sharedCache(b), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { e.Close(ctx) })
	m, err := e.Load(ctx, adapter, wasmOf(b, adapter, tags))
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// replay runs the whole stream through m, batch chunks per call (0: all
// in one call), the last call with FlagEnd, and returns the event count.
func replay(b *testing.B, m engine.Module, r recorded, batch int, in *abi.TransformInput) int {
	ctx := context.Background()
	if batch == 0 {
		batch = len(r.chunks)
	}
	n := 0
	in.State = nil
	for i := 0; i < len(r.chunks); i += batch {
		in.Chunks = r.chunks[i:min(i+batch, len(r.chunks))]
		in.Flags, in.Context = 0, nil
		if len(in.State) == 0 {
			in.Context = r.sctx
		}
		if i+batch >= len(r.chunks) {
			in.Flags = abi.FlagEnd
		}
		st, evs, err := m.Transform(ctx, in)
		if err != nil {
			b.Fatal(err)
		}
		in.State = st
		n += len(evs)
	}
	return n
}

func benchStream(b *testing.B, m engine.Module, r recorded, batch int) {
	var in abi.TransformInput
	want := replay(b, m, r, batch, &in)
	if want == 0 {
		b.Fatal("the stream gave no events")
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := CPUNanos()
	for b.Loop() {
		if n := replay(b, m, r, batch, &in); n != want {
			b.Fatalf("%d events, want %d", n, want)
		}
	}
	report(b, cpu, len(r.chunks))
}

// report adds ns/chunk (wall time) and cpu-ns/chunk (process CPU time,
// which on a shared machine is the steadier of the two) for chunks chunks
// per iteration; cpu0 is CPUNanos at the start of the loop.
func report(b *testing.B, cpu0 int64, chunks int) {
	cpu := CPUNanos() - cpu0
	n := float64(b.N * chunks)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/chunk")
	b.ReportMetric(float64(cpu)/n, "cpu-ns/chunk")
}

// usesTape reports whether the adapter's module opts in to tapes.
func usesTape(b *testing.B, adapter string) bool {
	cmd := exec.Command("go", "list", "-deps", "./adapters-wasm/"+adapter+"/module")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	out, err := cmd.Output()
	if err != nil {
		b.Fatal(err)
	}
	return bytes.Contains(out, []byte("guest/jsonx/usetape\n"))
}

// BenchmarkChunk is the per-chunk transform benchmark: per adapter,
// its typical recorded stream replayed one chunk per call natively
// (native, the floor: the same adapter code through engine.NewNative) and
// in wazero with the shipped deadline mechanism on (wazero). For adapters
// that opt in to tapes, wazero-notape is the same module built without
// the opt-in (plain chunk bytes), and wazero-batch passes the whole
// stream in one call. ns/chunk is the metric to compare; ns/op and
// allocs/op are per stream.
func BenchmarkChunk(b *testing.B) {
	for _, s := range streams {
		b.Run(s.name, func(b *testing.B) {
			r := loadStream(b, s.name, s.stream)
			b.Run("native", func(b *testing.B) {
				benchStream(b, engine.NewNativeWithConfig(s.name, s.adapter(), engine.NativeConfig{PoolSize: 1}), r, 1)
			})
			b.Run("wazero", func(b *testing.B) {
				benchStream(b, loadWasm(b, s.name, ""), r, 1)
			})
			if usesTape(b, s.name) {
				b.Run("wazero-notape", func(b *testing.B) {
					benchStream(b, loadWasm(b, s.name, "wasmadapt_notape"), r, 1)
				})
			}
			b.Run("wazero-batch", func(b *testing.B) {
				benchStream(b, loadWasm(b, s.name, ""), r, 0)
			})
		})
	}
}

// typicalChunk is one text-delta chunk as OpenAI streams it (315 bytes).
const typicalChunk = `{"id":"chatcmpl-Wa7xQ2mZ9rT4uV1bN8cL3pK6hG0sD","object":"chat.completion.chunk","created":1764000000,"model":"gpt-4.1-mini-2025-04-14","service_tier":"default","system_fingerprint":"fp_6f2eabb9a5","choices":[{"index":0,"delta":{"content":" world"},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"k3Jd"}`

// BenchmarkTypicalChunk is the per-chunk target's measurement: one typical
// OpenAI text chunk per transform call, state in and out, through the
// engine (pool, envelope, deadline, event validation): natively, in
// wazero with tapes, and in wazero with plain bytes. The batch variants
// carry 8 such chunks per call; ns/chunk divides by the chunk count.
func BenchmarkTypicalChunk(b *testing.B) {
	run := typicalChunkRun
	for _, per := range []int{1, 8} {
		suffix := ""
		if per > 1 {
			suffix = "-batch8"
		}
		b.Run("native"+suffix, func(b *testing.B) {
			run(b, engine.NewNativeWithConfig("openai", adapterset.New("openai"), engine.NativeConfig{PoolSize: 1}), per)
		})
		b.Run("wazero"+suffix, func(b *testing.B) { run(b, loadWasm(b, "openai", ""), per) })
		b.Run("wazero-notape"+suffix, func(b *testing.B) { run(b, loadWasm(b, "openai", "wasmadapt_notape"), per) })
	}
}
