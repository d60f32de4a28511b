package rollout_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/api"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/engine/registry"
	"github.com/wasmadapt/wasmadapt/engine/rollout"
	"github.com/wasmadapt/wasmadapt/host"
	"github.com/wasmadapt/wasmadapt/internal/registrytest"
	"github.com/wasmadapt/wasmadapt/internal/testenv"
	"github.com/wasmadapt/wasmadapt/modules/oci"
)

// swapGuest builds the named test guest of testenv.Guests (the swap
// guest at a version and mode) into dir.
func swapGuest(t *testing.T, dir, name string) []byte {
	t.Helper()
	out := filepath.Join(dir, name+".wasm")
	if err := testenv.Guests[name].Build(out); err != nil {
		t.Fatalf("building the swap guest: %v", err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Through an OCI tag watch: the first version goes live, a regressed
// second one (it passes its self-tests but fails real streams) is
// canaried and rolled back automatically; the first keeps serving.
func TestCanaryThroughTagWatch(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		testenv.SkipMissing(t, "the go tool builds the swap guests: %v", err)
	}
	host_, _ := registrytest.Start(t)
	dir := t.TempDir()
	v1, v2 := swapGuest(t, dir, "swap-v1"), swapGuest(t, dir, "swap-regress")
	ctx := context.Background()
	eng, err := engine.New(ctx, engine.Config{CacheDir: testenv.CacheDirOr(filepath.Join(dir, "cache")), CallTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close(ctx)
	reg := registry.New(eng, registry.Options{})
	defer reg.Close(ctx)
	decisions := make(chan rollout.Decision, 1)
	mgr := rollout.NewManager(reg, eng, "chat", rollout.Options{Fraction: 0.5, MinRequests: 10, Window: time.Minute,
		OnDecision: func(d rollout.Decision) { decisions <- d }})
	ref := "oci://" + host_ + "/fleet/chat:stable"
	caps := &abi.Capabilities{Name: "chat"}
	if _, err := oci.Push(ctx, ref, v1, oci.PushOptions{Capabilities: caps}); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go oci.WatchTag(wctx, ref, reg, oci.WatchOptions{Interval: 50 * time.Millisecond,
		Load:    func(ctx context.Context, _ string, a *oci.Artifact) error { return mgr.Offer(ctx, a.Wasm, a.Signature) },
		OnError: func(err error) { t.Log(err) }})
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(testenv.PollBound); !ok(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no %s", what)
			}
		}
	}
	waitFor("active version", func() bool { return mgr.Module().Digest() == registry.Digest(v1) })
	if got, want := api.InstanceStats(mgr.Module()), api.InstanceStats(reg.Module("chat")); got != want || got.Idle == 0 {
		t.Errorf("InstanceStats(manager's module) = %+v, the registry handle reports %+v (want idle instances: the pool is prewarmed)", got, want)
	}
	if _, err := oci.Push(ctx, ref, v2, oci.PushOptions{Capabilities: caps}); err != nil {
		t.Fatal(err)
	}
	waitFor("canary", func() bool { return mgr.Canary() != nil })

	failed := streams(t, host.Provider{Module: mgr.Module()}, 40)
	var d rollout.Decision
	select {
	case d = <-decisions:
	case <-time.After(time.Minute):
		t.Fatal("no decision")
	}
	if d.Promoted || d.CandStats.Requests != 10 || d.CandStats.Failed != 10 || d.CandStats.Codes[abi.CodeServerError] != 10 || d.Stable.Failed != 0 || failed != 10 {
		t.Errorf("decision %s; %d request(s) failed", d, failed)
	}
	if !strings.Contains(d.Reason, "server_error×10") {
		t.Errorf("reason %q", d.Reason)
	}
	if got := mgr.Module().Digest(); got != registry.Digest(v1) || mgr.Canary() != nil {
		t.Errorf("after the rollback the active digest is %s (want v1's), canary %v", got, mgr.Canary())
	}
	t.Log(d)
}
