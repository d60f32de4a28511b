package host_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/api/cases"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/host"
	"github.com/wasmadapt/wasmadapt/host/providertest"
	"github.com/wasmadapt/wasmadapt/internal/testenv"
)

// TestBuiltModulesThroughHost replays every adapter's recorded cases
// (testdata/<name>/*/ with a body) through the whole host path: the
// loopback provider, HTTP cut at random byte boundaries, decompression,
// framing, the Wasm module bin/adapters/<name>.wasm. The events, and the
// error the host returns as an error event, must equal the case's
// events.jsonl. Modules not built (`make`) are skipped.
func TestBuiltModulesThroughHost(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles every built module; skipped with -short")
	}
	root := filepath.Join("..", "testdata")
	dirs, err := os.ReadDir(root)
	if err != nil {
		t.Skip("no testdata")
	}
	ctx := context.Background()
	var eng *engine.Engine
	ran := 0
	for _, d := range dirs {
		if raceEnabled && ran > 0 {
			break // one module is enough to race-check the host path
		}
		wasm, err := os.ReadFile(filepath.Join("..", "bin", "adapters", d.Name()+".wasm"))
		if !d.IsDir() || err != nil {
			continue
		}
		cases, err := providertest.LoadCases(filepath.Join(root, d.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if eng == nil {
			eng = testEngine(t)
		}
		mod, err := eng.Load(ctx, d.Name(), wasm)
		if err != nil {
			t.Errorf("%s: load: %v", d.Name(), err)
			continue
		}
		t.Run(d.Name(), func(t *testing.T) {
			for _, c := range cases {
				if c.Body == nil || c.Events == nil || c.ExpectError != "" {
					continue
				}
				ran++
				t.Run(c.Name, func(t *testing.T) { replayCase(t, mod, c) })
			}
		})
	}
	if ran == 0 {
		testenv.SkipMissing(t, "no built adapter module with recorded cases (run make)")
	}
}

// assumeAll assumes every feature for a model the module does not know.
var assumeAll = abi.Features{Streaming: true, ToolCalling: abi.SupportNative, ParallelToolCalls: true,
	StructuredOutput: abi.SupportNative, MultiTurn: true, Reasoning: true, Vision: true}

func replayCase(t *testing.T, mod engine.Module, c providertest.Case) {
	ctx := context.Background()
	req := &abi.Request{Model: "test-model", Stream: c.Framing != "none" && c.Framing != "",
		Messages: []abi.Message{{Role: abi.RoleUser, Content: abi.Text("hi")}}}
	if len(c.Request) > 0 {
		req = &abi.Request{}
		if err := json.Unmarshal(c.Request, req); err != nil {
			t.Fatal(err)
		}
	}
	creds := host.CredentialFunc(func(context.Context) (host.Credential, error) {
		return host.Credential{Key: testKey, AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}, nil
	})
	want := strings.TrimSpace(string(c.Events))
	if len(c.Request) == 0 {
		// The recorded events were made without a stream context; the
		// host always sends one, so compare with the module's own output
		// for this request, replayed directly a chunk per call.
		want = reference(t, mod, c, req)
	}
	for seed := uint64(0); seed < 3; seed++ {
		var opts []providertest.Option
		if seed > 0 {
			opts = append(opts, providertest.WithCuts(seed, int(seed*5)))
		}
		if seed == 2 {
			opts = append(opts, providertest.WithGzip())
		}
		srv := providertest.NewServer([]providertest.Case{c}, opts...)
		p := host.Provider{Module: mod, BaseURL: srv.URL, Credentials: creds, Region: "us-east-1"}
		cl := host.NewClient(host.WithRetry(host.RetryPolicy{MaxRetries: -1}))
		var got bytes.Buffer
		// A case's model may be one the module does not know (a local
		// server's): the cases test the module, not that policy.
		for ev, err := range cl.Stream(ctx, p, req, host.AllowDowngrade(host.StreamToGenerate), host.AssumeCapabilities(assumeAll)) {
			if err != nil {
				ee, ok := host.ErrorEvent(err)
				if !ok {
					t.Fatalf("seed %d: %v", seed, err)
				}
				ev = ee
			}
			got.WriteString(ev.String())
			got.WriteByte('\n')
		}
		srv.Close()
		if g := strings.TrimSpace(got.String()); g != want {
			t.Fatalf("seed %d: events differ\n got:\n%s\nwant:\n%s", seed, g, want)
		}
	}
}

func reference(t *testing.T, mod engine.Module, c providertest.Case, req *abi.Request) string {
	ctx := context.Background()
	r := req.Context()
	sctx, err := json.Marshal(&r)
	if err != nil {
		t.Fatal(err)
	}
	var evs []abi.Event
	switch {
	case c.Status >= 400:
		ev, err := mod.MapError(ctx, &abi.ResponseInput{Status: uint32(c.Status), Context: sctx, Body: c.Body})
		if err != nil {
			t.Fatal(err)
		}
		evs = []abi.Event{ev}
	case c.Framing == "none":
		if evs, err = mod.ParseResponse(ctx, &abi.ResponseInput{Status: 200, Context: sctx, Body: c.Body}); err != nil {
			t.Fatal(err)
		}
	default:
		if evs, err = cases.Replay(ctx, mod, bytes.NewReader(c.Body), c.Framing, sctx, 1); err != nil {
			t.Fatal(err)
		}
	}
	return strings.TrimSpace(string(cases.AppendLines(nil, evs)))
}
