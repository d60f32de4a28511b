package sandboxtest

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/host"
	"github.com/wasmadapt/wasmadapt/host/providertest"
)

// report is what testdata/hostile/sdk-spy observes of its environment.
type report struct {
	WallUnixNS  int64    `json:"wall_unix_ns"`
	MonotonicNS int64    `json:"monotonic_ns"`
	CryptoRand  string   `json:"crypto_rand"`
	CryptoErr   string   `json:"crypto_err"`
	MathRand    string   `json:"math_rand"`
	Environ     []string `json:"environ"`
	Args        []string `json:"args"`
	FD3Read     string   `json:"fd3_read"`
	StdinBytes  int      `json:"stdin_bytes"`
	StdinErr    string   `json:"stdin_err"`
	Home        string   `json:"home_variable"`
}

func observe(t *testing.T, m engine.Module) (report, string) {
	t.Helper()
	_, evs, err := m.Transform(context.Background(), &abi.TransformInput{Chunks: []abi.Chunk{{Data: []byte("observe")}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if raw, ok := strings.CutPrefix(e.Text, "observe:"); ok {
			var r report
			dec := json.NewDecoder(strings.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&r); err != nil {
				t.Fatalf("report %s: %v", raw, err)
			}
			return r, raw
		}
	}
	t.Fatalf("no observe event in %v", evs)
	return report{}, ""
}

// splitmix64 returns the first n bytes of the splitmix64 stream from seed,
// little-endian, as engine.RandomSeed's documentation specifies the
// guests' random source.
func splitmix64(seed uint64, n int) []byte {
	out := make([]byte, 0, n+8)
	x := seed
	for len(out) < n {
		x += 0x9e3779b97f4a7c15
		z := x
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		z ^= z >> 31
		out = binary.LittleEndian.AppendUint64(out, z)
	}
	return out[:n]
}

// TestDeterministicStubs: a module reading the clock, randomness, the
// environment, its arguments, stdin or a descriptor it was not given gets
// the host's fixed stubs and nothing else, the same in every instance and
// every engine.
func TestDeterministicStubs(t *testing.T) {
	t.Setenv("HOME", "/root/should-not-leak")
	ctx := context.Background()
	cfg := corpusConfig()
	wasm := corpusWasm(t, "sdk-spy")
	var first string
	for i := range 2 {
		e, err := engine.New(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		m, err := e.Load(ctx, "sdk-spy", wasm)
		if err != nil {
			t.Fatal(err)
		}
		r, raw := observe(t, m)
		if r.WallUnixNS != engine.FixedWalltime*1e9 {
			t.Errorf("wall clock %d, want the fixed %d s", r.WallUnixNS, engine.FixedWalltime)
		}
		if r.MonotonicNS != 0 {
			t.Errorf("the monotonic clock advanced by %d ns", r.MonotonicNS)
		}
		if want := hex.EncodeToString(splitmix64(engine.RandomSeed, 16)); r.CryptoRand != want || r.CryptoErr != "" {
			t.Errorf("crypto/rand gave %s (%q), want the seeded stream %s", r.CryptoRand, r.CryptoErr, want)
		}
		if len(r.Environ) != 0 || r.Home != "" || len(r.Args) != 0 {
			t.Errorf("environment %q, HOME %q, args %q: want none", r.Environ, r.Home, r.Args)
		}
		if r.StdinBytes != 0 || r.StdinErr != "" {
			t.Errorf("stdin gave %d bytes (%q), want an empty stream", r.StdinBytes, r.StdinErr)
		}
		if r.FD3Read == "" {
			t.Error("reading descriptor 3 succeeded: no descriptor but stdio may exist")
		}
		if i == 0 {
			first = raw
		} else if raw != first {
			t.Errorf("a second engine's guest saw\n%s\nthe first saw\n%s", raw, first)
		}
		// A fresh instance (the first one is recycled) sees the same.
		m.Close(ctx)
		e.Close(ctx)
	}
}

// recordingModule records every input the host passes to a module.
type recordingModule struct {
	engine.Module
	mu     sync.Mutex
	inputs []string
}

func (r *recordingModule) add(b []byte) {
	r.mu.Lock()
	r.inputs = append(r.inputs, string(b))
	r.mu.Unlock()
}

func (r *recordingModule) Capabilities(ctx context.Context, model string) (*abi.Capabilities, error) {
	r.add([]byte(model))
	return r.Module.Capabilities(ctx, model)
}

func (r *recordingModule) Project(ctx context.Context, req *abi.Request) (*abi.ProviderRequest, error) {
	b, _ := json.Marshal(req)
	r.add(b)
	return r.Module.Project(ctx, req)
}

func (r *recordingModule) Transform(ctx context.Context, in *abi.TransformInput) ([]byte, []abi.Event, error) {
	r.add(abi.AppendTransformInput(nil, in))
	return r.Module.Transform(ctx, in)
}

func (r *recordingModule) ParseResponse(ctx context.Context, in *abi.ResponseInput) ([]abi.Event, error) {
	r.add(abi.AppendResponseInput(nil, in))
	return r.Module.ParseResponse(ctx, in)
}

func (r *recordingModule) MapError(ctx context.Context, in *abi.ResponseInput) (abi.Event, error) {
	r.add(abi.AppendResponseInput(nil, in))
	return r.Module.MapError(ctx, in)
}

// TestCredentialNeverReachesModule sends requests with a credential (and a
// secret extra header) through host.Client to a loopback provider, with a
// module that echoes everything every export receives: a stream
// (transform), a whole response (parse_response) and an error response
// (map_error). The provider must get the credential; nothing the module
// got, returned or projected may contain it.
func TestCredentialNeverReachesModule(t *testing.T) {
	const key = "sk-sandboxtest-SECRET-7f3a9c"
	const orgHeader = "org-SECRET-header-51d2"
	ctx := context.Background()
	spy := loadCorpusModule(t, newEngine(t, corpusConfig()), "sdk-spy", "sdk-spy")
	rec := &recordingModule{Module: spy}
	body := providertest.SSE("", "hello", "", "world")
	srv := providertest.NewServer([]providertest.Case{{Name: "stream", Framing: abi.FramingSSE, Body: body}},
		providertest.WithFailures(providertest.Unauthorized()))
	defer srv.Close()
	client := host.NewClient(host.WithRetry(host.RetryPolicy{MaxRetries: -1}))
	p := host.Provider{Module: rec, BaseURL: srv.URL, Credentials: host.StaticKey(key),
		Header: http.Header{"X-Org": {orgHeader}}}
	req := func(stream bool) *abi.Request {
		return &abi.Request{Model: "spy-model", Stream: stream,
			Messages: []abi.Message{{Role: abi.RoleUser, Content: abi.Text("what is my key?")}}}
	}
	var seen []string // everything the module returned, as the caller saw it
	// 1: the canned 401 (map_error); 2: a stream; 3: a whole response.
	_, err := client.Generate(ctx, p, req(false))
	var ae *abi.Error
	if !errors.As(err, &ae) || ae.Code != abi.CodeServerError || !strings.HasPrefix(ae.Message, "map_error:") {
		t.Fatalf("the 401 went through map_error as %v, want the spy's server_error", err)
	}
	seen = append(seen, err.Error())
	for ev, err := range client.Stream(ctx, p, req(true)) {
		if err != nil {
			t.Fatalf("stream: %v", err)
		}
		seen = append(seen, ev.String())
	}
	resp, err := client.Generate(ctx, p, req(false))
	if err != nil {
		t.Fatalf("whole response: %v", err)
	}
	seen = append(seen, resp.Text)

	all := strings.Join(seen, "\n")
	for _, want := range []string{"map_error:", "transform:", "parse_response:", "hello", "world"} {
		if !strings.Contains(all, want) {
			t.Fatalf("the spy's echo lacks %q: the test would not see a leak\n%s", want, all)
		}
	}
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("provider got %d requests, want 3", len(reqs))
	}
	for _, r := range reqs {
		if got := r.Header.Get("Authorization"); got != "Bearer "+key {
			t.Fatalf("the provider got Authorization %q: the credential must be sent", got)
		}
		if r.Header.Get("X-Org") != orgHeader {
			t.Fatal("the provider did not get Provider.Header")
		}
		if !strings.Contains(string(r.Body), "what is my key?") {
			t.Fatalf("projected body %s lacks the echoed request", r.Body)
		}
		seen = append(seen, string(r.Body), r.Path, r.RawQuery)
	}
	rec.mu.Lock()
	inputs := append([]string(nil), rec.inputs...)
	rec.mu.Unlock()
	if len(inputs) < 6 {
		t.Fatalf("only %d module calls recorded", len(inputs))
	}
	for _, secret := range []string{key, orgHeader} {
		for _, s := range append(inputs, seen...) {
			if strings.Contains(s, secret) {
				t.Fatalf("%q reached the module or came back from it: %q", secret, s)
			}
		}
	}
}
