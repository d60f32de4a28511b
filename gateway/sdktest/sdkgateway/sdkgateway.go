// Package sdkgateway starts the gateway the official-SDK tests talk to:
// the demo model ("demo-weather", two parallel weather tool calls, then
// the answer from their results) served from the recorded loopback
// provider, and the model "limited", whose provider answers every request
// with a rate limit, so that a client sees an upstream error; and the
// ABI 1.3 operations: EmbedModel (embeddings, the openai module) and
// CountModel (token counting, the anthropic module) against a fake
// provider (opsHandler); and ReasoningModel and RefusalModel, whose
// providers replay the repository's golden cases (testdata/anthropic/
// stream-thinking-parallel-tools, testdata/openai-responses/
// stream-refusal); and ApprovalModel, whose provider (the
// openai-responses module) replays testdata/openai-responses/
// stream-mcp-approval-request and then stream-hosted-tools, one request
// each. The adapters run natively (engine.NewNative), so no module needs
// building.
package sdkgateway

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"

	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/gateway"
	"github.com/wasmadapt/wasmadapt/gateway/config"
	"github.com/wasmadapt/wasmadapt/gateway/demoprovider"
	"github.com/wasmadapt/wasmadapt/host"
	"github.com/wasmadapt/wasmadapt/host/providertest"
	"github.com/wasmadapt/wasmadapt/internal/adapterset"
)

// Key is the gateway key of the fixture (allowed every model).
const Key = "wag-sdk-test-key"

// Model is the public model of the recorded weather exchange.
const Model = demoprovider.Model

// LimitedModel is the public model whose provider always answers 429.
const LimitedModel = "limited"

// ReasoningModel is the public model whose provider (the anthropic
// module) answers with a thinking block, "Two cities, two calls.", then
// text and two tool calls.
const ReasoningModel = "thinking"

// ReasoningText is ReasoningModel's reasoning.
const ReasoningText = "Two cities, two calls."

// RefusalModel is the public model whose provider (the openai-responses
// module) refuses with RefusalText.
const RefusalModel = "refusing"

// RefusalText is RefusalModel's refusal.
const RefusalText = "I can't help with that."

// ApprovalModel is the public model whose provider (the openai-responses
// module) asks approval for the MCP call ask_question of server deepwiki
// (an mcp_approval_request item, id "mcpr_12") at the first request, and
// answers ApprovalReply at the second, whatever they hold.
const ApprovalModel = "approving"

// ApprovalReply is ApprovalModel's second answer.
const ApprovalReply = "Sales total 240; leave is 25 days."

// Gateway is a running fixture. Close stops it.
type Gateway struct {
	// URL is the gateway's base URL (no trailing slash, no /v1).
	URL string
	// Server is the gateway handler, for its metrics and reloads.
	Server *gateway.Server

	closers []func()
}

// Close stops the gateway and its providers.
func (g *Gateway) Close() {
	for i := len(g.closers) - 1; i >= 0; i-- {
		g.closers[i]()
	}
}

// Start serves the fixture on loopback. casesDir is the demo's recorded
// cases (cmd/wasmrun/testdata/demo in the repository, whose testdata/
// directory the golden cases are read from); logs go to log (nil:
// discarded).
func Start(ctx context.Context, casesDir string, log *slog.Logger) (*Gateway, error) {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	g := &Gateway{}
	h, err := demoprovider.Handler(casesDir)
	if err != nil {
		return nil, err
	}
	demo := httptest.NewServer(h)
	g.closers = append(g.closers, demo.Close)
	limited := providertest.NewServer(nil, providertest.WithFailures(repeat(providertest.RateLimited("1"), 1000)...))
	g.closers = append(g.closers, limited.Close)

	cfg := demoprovider.Config(demoprovider.Module, demo.URL, config.HashKey(Key))
	lim := cfg.Models[0]
	lim.Name = LimitedModel
	lim.Targets = append([]config.Target(nil), lim.Targets...)
	lim.Targets[0].BaseURL = limited.URL
	cfg.Models = append(cfg.Models, lim)
	ops := httptest.NewServer(opsHandler())
	g.closers = append(g.closers, ops.Close)
	opTarget := func(module, model string) []config.Target {
		t := lim.Targets[0]
		t.Module, t.Model, t.BaseURL = module, model, ops.URL
		return []config.Target{t}
	}
	cfg.Models = append(cfg.Models,
		config.Model{Name: EmbedModel, Line: 1, Targets: opTarget("openai", "text-embedding-3-small")},
		config.Model{Name: CountModel, Line: 1, Targets: opTarget("anthropic", "claude-sonnet-4-5")})
	testdata := filepath.Join(casesDir, "..", "..", "..", "..", "testdata")
	for _, m := range []struct {
		name, module, model string
		golden              []string
	}{
		{ReasoningModel, "anthropic", "claude-sonnet-4-5", []string{"stream-thinking-parallel-tools"}},
		{RefusalModel, "openai-responses", "gpt-4.1-mini", []string{"stream-refusal"}},
		{ApprovalModel, "openai-responses", "gpt-4.1", []string{"stream-mcp-approval-request", "stream-hosted-tools"}},
	} {
		var cases []providertest.Case
		for _, golden := range m.golden {
			c, err := providertest.LoadCase(filepath.Join(testdata, m.module, golden))
			if err != nil {
				g.Close()
				return nil, fmt.Errorf("sdkgateway: the golden case of model %q: %w", m.name, err)
			}
			cases = append(cases, c)
		}
		var opts []providertest.Option
		if len(cases) > 1 {
			opts = append(opts, providertest.WithSequence())
		}
		p := httptest.NewServer(providertest.NewHandler(cases, opts...))
		g.closers = append(g.closers, p.Close)
		t := opTarget(m.module, m.model)
		t[0].BaseURL = p.URL
		cfg.Models = append(cfg.Models, config.Model{Name: m.name, Line: 1, Targets: t})
	}

	gw, err := gateway.New(ctx, cfg, gateway.Options{
		Loader: nativeLoader,
		Client: host.NewClient(host.WithLogger(log), host.WithRetry(host.RetryPolicy{MaxRetries: -1})),
		Logger: log,
		Getenv: demoprovider.Getenv(func(string) string { return "" }),
	})
	if err != nil {
		g.Close()
		return nil, err
	}
	srv := httptest.NewServer(gw)
	g.closers = append(g.closers, srv.Close)
	g.URL, g.Server = srv.URL, gw
	return g, nil
}

func repeat(f providertest.Failure, n int) []providertest.Failure {
	out := make([]providertest.Failure, n)
	for i := range out {
		out[i] = f
	}
	return out
}

// nativeLoader runs the repository's adapters natively: the same
// dispatch, pooling and event validation as a Wasm module.
func nativeLoader(_ context.Context, ref string) (engine.Module, error) {
	a := adapterset.New(ref)
	if a == nil {
		return nil, fmt.Errorf("sdkgateway: no adapter %q", ref)
	}
	return engine.NewNative(ref, a), nil
}
