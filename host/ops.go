package host

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/api"
	"github.com/wasmadapt/wasmadapt/framing"
)

// This file serves the operations of ABI 1.3 beyond chat: the provider's
// model list (Models), embeddings (Embed) and token counting
// (CountTokens). Each is one or more provider requests that a module
// projects (wasmadapt_project_op) and reads back (wasmadapt_parse_op); the
// host sends them with the provider's credentials and retries like a chat
// request's whole (non-streamed) response.

// Bounds of Client.Models.
const (
	// MaxModelPages is the most pages Models follows.
	MaxModelPages = 100
	// MaxModelDetails is the most per-model follow-up requests Models
	// sends for entries the list marks incomplete.
	MaxModelDetails = 1000
	// DefaultDiscoveryTTL is how long discovered capabilities take
	// precedence over a module's table (WithDiscoveryTTL).
	DefaultDiscoveryTTL = time.Hour
)

// WithDiscoveryTTL sets how long the capabilities Models discovers are
// used by Capabilities and the capability gate instead of the module's
// own table (default DefaultDiscoveryTTL; zero or less: not cached).
func WithDiscoveryTTL(d time.Duration) Option {
	return func(c *Client) { c.discovered.ttl = d; c.discovered.set = true }
}

// discoveredCache holds the capabilities Models discovered, per module
// name and model, until they expire.
type discoveredCache struct {
	mu  sync.Mutex
	ttl time.Duration
	set bool
	m   map[[2]string]discoveredEntry
}

type discoveredEntry struct {
	f       abi.Features
	d       *abi.ModelDetails
	expires time.Time
}

func (dc *discoveredCache) ttlOrDefault() time.Duration {
	if !dc.set {
		return DefaultDiscoveryTTL
	}
	return dc.ttl
}

func (dc *discoveredCache) put(module string, infos []abi.ModelInfo, now time.Time) {
	ttl := dc.ttlOrDefault()
	if ttl <= 0 {
		return
	}
	dc.mu.Lock()
	defer dc.mu.Unlock()
	if dc.m == nil {
		dc.m = map[[2]string]discoveredEntry{}
	}
	for k, e := range dc.m {
		if !now.Before(e.expires) {
			delete(dc.m, k)
		}
	}
	for _, in := range infos {
		if in.Capabilities == nil || in.Incomplete {
			continue
		}
		dc.m[[2]string{module, in.ID}] = discoveredEntry{f: in.Capabilities.Features, d: in.Capabilities.Details, expires: now.Add(ttl)}
	}
}

// overlay replaces the features and details of caps (the module's own, for
// model) with discovered ones that have not expired, marked
// SourceDiscovered. It returns caps itself when there are none.
func (dc *discoveredCache) overlay(module, model string, caps *abi.Capabilities, now time.Time) *abi.Capabilities {
	if model == "" {
		return caps
	}
	dc.mu.Lock()
	e, ok := dc.m[[2]string{module, model}]
	dc.mu.Unlock()
	if !ok || !now.Before(e.expires) {
		return caps
	}
	out := *caps
	out.Features = e.f
	out.Features.Source = abi.SourceDiscovered
	out.Details = e.d
	return &out
}

// opTarget is a provider's module, pinned, with the capabilities that
// name its operations.
type opTarget struct {
	p       Provider
	opr     api.Operator
	caps    *abi.Capabilities
	release func()
}

// target pins p's module and checks that it serves op: the operation is
// listed in its capabilities and the module runs operations. Anything
// else is capability_unsupported naming the module and the operation:
// there is no fallback.
func (c *Client) target(ctx context.Context, p Provider, op string) (*opTarget, error) {
	if p.Module == nil {
		return nil, abi.Errorf(abi.CodeInvalidRequest, "host.Provider has no Module: load an adapter module and set Provider.Module")
	}
	t := &opTarget{p: p, release: func() {}}
	if pn, ok := p.Module.(api.Pinner); ok {
		t.p.Module, t.release = pn.Pin()
	}
	caps, err := c.Capabilities(ctx, t.p.Module, "")
	if err != nil {
		t.release()
		return nil, err
	}
	opr, ok := t.p.Module.(api.Operator)
	if !caps.HasOp(op) || !ok {
		t.release()
		return nil, abi.Errorf(abi.CodeCapabilityUnsupported, "module %s does not serve the %s operation (its capabilities list operations %v): use a module that does", t.p.Module.Name(), op, caps.Operations)
	}
	t.opr, t.caps = opr, caps
	return t, nil
}

// run sends one operation call, with the retry policy of a chat request.
func (c *Client) runOp(ctx context.Context, t *opTarget, call *abi.OpCall) (*abi.OpResult, error) {
	preq, err := t.opr.ProjectOp(ctx, call)
	if err != nil {
		return nil, err
	}
	base := t.p.BaseURL
	if base == "" {
		base = t.caps.DefaultBaseURL
	}
	if base == "" {
		return nil, abi.Errorf(abi.CodeInvalidRequest, "module %s declares no default base URL: set Provider.BaseURL", t.caps.Name)
	}
	x := &exchange{c: c, p: t.p, caps: t.caps, preq: preq, base: base}
	for attempt := 0; ; attempt++ {
		res, retryAfter, err := c.opAttempt(ctx, x, t.opr, call)
		if err == nil {
			return res, nil
		}
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		var ae *abi.Error
		if attempt >= c.retry.MaxRetries || !errors.As(err, &ae) || !ae.Retryable {
			return nil, err
		}
		wait := c.retry.backoff(attempt, c.rnd)
		if retryAfter > 0 {
			if retryAfter > c.retry.MaxRetryAfter {
				return nil, err
			}
			wait = retryAfter
		}
		c.log.WarnContext(ctx, "host: retrying operation", slog.String("op", call.Op), slog.String("code", string(ae.Code)),
			slog.Int("attempt", attempt+1), slog.Duration("delay", wait), slog.String("module", t.caps.Name))
		if err := c.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// opAttempt is one HTTP exchange of an operation: the whole body, bounded
// like a chat response's, is given to the module's parse_op.
func (c *Client) opAttempt(ctx context.Context, x *exchange, opr api.Operator, call *abi.OpCall) (*abi.OpResult, time.Duration, error) {
	hreq, err := x.build(ctx)
	if err != nil {
		return nil, 0, err
	}
	resp, err := c.hc.Do(hreq)
	if err != nil {
		if ctx.Err() != nil {
			return nil, 0, context.Cause(ctx)
		}
		return nil, 0, netError(redactURLError(err), hreq.URL)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		return nil, 0, redirectError(resp.StatusCode, resp.Header)
	}
	ok := resp.StatusCode >= 200 && resp.StatusCode <= 299
	if ok {
		if err := notAnAPIAnswer(resp); err != nil {
			return nil, 0, err
		}
	}
	dec, err := framing.Decompress(resp.Body, resp.Header.Get("Content-Encoding"), c.maxBody)
	if err != nil {
		return nil, 0, err
	}
	if closer, ok := dec.(io.Closer); ok {
		defer closer.Close()
	}
	if !ok {
		dec = io.LimitReader(dec, c.maxErrBody)
	}
	data, err := io.ReadAll(dec)
	if err != nil {
		return nil, 0, x.readErr(ctx, ctx, err)
	}
	headers := responseHeaders(resp.Header)
	for _, h := range headers {
		if echoed(x.secrets, h[1]) {
			return nil, 0, echoError(resp.StatusCode)
		}
	}
	if echoed(x.secrets, data) {
		return nil, 0, echoError(resp.StatusCode)
	}
	res, err := opr.ParseOp(ctx, call, &abi.ResponseInput{Status: uint32(resp.StatusCode), Headers: headers, Body: data})
	if err != nil {
		var ae *abi.Error
		if !ok && errors.As(err, &ae) && ae.Status == 0 {
			ae.Status = resp.StatusCode
		}
		var ra time.Duration
		if !ok {
			ra, _ = ParseRetryAfter(resp.Header, c.now())
			ra = x.reportCredential(resp.StatusCode, ra)
		}
		return nil, ra, err
	}
	return res, 0, nil
}

// Models returns the provider's models: every page of its list (at most
// MaxModelPages), with the details of entries the list gives incompletely
// asked for one model at a time (at most MaxModelDetails). The
// capabilities found are used for the module's models, with source
// "discovered", by Capabilities and the capability gate until they expire
// (WithDiscoveryTTL). A module that does not list the "models" operation
// is capability_unsupported.
func (c *Client) Models(ctx context.Context, p Provider) ([]abi.ModelInfo, error) {
	t, err := c.target(ctx, p, abi.OpModels)
	if err != nil {
		return nil, err
	}
	defer t.release()
	var all []abi.ModelInfo
	page := ""
	for n := 0; ; n++ {
		if n == MaxModelPages {
			return nil, abi.Errorf(abi.CodeServerError, "module %s: the model list has more than %d pages (host.MaxModelPages); the provider keeps returning a next page", t.caps.Name, MaxModelPages)
		}
		res, err := c.models(ctx, t, &abi.ModelsRequest{Page: page})
		if err != nil {
			return nil, err
		}
		all = append(all, res.Models...)
		if res.NextPage == "" || res.NextPage == page {
			break
		}
		page = res.NextPage
	}
	details := 0
	for i := range all {
		if !all[i].Incomplete {
			continue
		}
		if details == MaxModelDetails {
			return nil, abi.Errorf(abi.CodeServerError, "module %s: more than %d models need a per-model request (host.MaxModelDetails)", t.caps.Name, MaxModelDetails)
		}
		details++
		res, err := c.models(ctx, t, &abi.ModelsRequest{Model: all[i].ID})
		if err != nil {
			return nil, err
		}
		if len(res.Models) != 1 || res.Models[0].ID != all[i].ID || res.Models[0].Incomplete {
			return nil, abi.Errorf(abi.CodeAdapterBadOutput, "module %s: the details of model %s came back as %d entries, not one complete entry of that model", t.caps.Name, all[i].ID, len(res.Models))
		}
		all[i] = res.Models[0]
	}
	c.discovered.put(p.Module.Name(), all, c.now())
	return all, nil
}

func (c *Client) models(ctx context.Context, t *opTarget, req *abi.ModelsRequest) (*abi.ModelsResult, error) {
	call, err := abi.NewOpCall(abi.OpModels, req)
	if err != nil {
		return nil, err
	}
	res, err := c.runOp(ctx, t, call)
	if err != nil {
		return nil, err
	}
	return res.Models, nil
}

// Embed computes the embeddings of req.Inputs, one vector per input in
// input order. Inputs beyond the batch size (Capabilities.EmbedMaxBatch of
// the model, else of the module, else abi.MaxEmbedBatch) are sent in several
// requests, and their usage is summed. req.Encoding chooses what the
// provider is asked to send ("float" or "base64"); the result always holds
// numbers. A module that does not list the "embed" operation is
// capability_unsupported.
func (c *Client) Embed(ctx context.Context, p Provider, req *abi.EmbedRequest) (*abi.EmbedResult, error) {
	if req == nil || req.Model == "" {
		return nil, abi.Errorf(abi.CodeInvalidRequest, "embed request has no model: set EmbedRequest.Model")
	}
	if len(req.Inputs) == 0 {
		return nil, abi.Errorf(abi.CodeInvalidRequest, "embed request has no inputs: set EmbedRequest.Inputs")
	}
	switch req.Encoding {
	case "", abi.EncodingFloat, abi.EncodingBase64:
	default:
		return nil, abi.Errorf(abi.CodeInvalidRequest, "embed encoding %q: want float or base64", req.Encoding)
	}
	if req.Dimensions < 0 || req.Dimensions > abi.MaxEmbedDimensions {
		return nil, abi.Errorf(abi.CodeInvalidRequest, "embed dimensions %d: want 1 to %d, or 0 for the model's", req.Dimensions, abi.MaxEmbedDimensions)
	}
	t, err := c.target(ctx, p, abi.OpEmbed)
	if err != nil {
		return nil, err
	}
	defer t.release()
	// The batch size is the model's (a provider's embedding models
	// differ), else the module's.
	batch := t.caps.EmbedMaxBatch
	if mc, err := c.Capabilities(ctx, t.p.Module, req.Model); err == nil && mc.EmbedMaxBatch > 0 {
		batch = mc.EmbedMaxBatch
	}
	if batch <= 0 {
		batch = abi.MaxEmbedBatch
	}
	out := &abi.EmbedResult{Embeddings: make([]abi.Vector, 0, len(req.Inputs))}
	for i := 0; i < len(req.Inputs); i += batch {
		part := *req
		part.Inputs = req.Inputs[i:min(i+batch, len(req.Inputs))]
		call, err := abi.NewOpCall(abi.OpEmbed, &part)
		if err != nil {
			return nil, err
		}
		res, err := c.runOp(ctx, t, call)
		if err != nil {
			return nil, err
		}
		if len(out.Embeddings) > 0 && len(res.Embed.Embeddings[0]) != len(out.Embeddings[0]) {
			return nil, abi.Errorf(abi.CodeAdapterBadOutput, "module %s: batch at input %d returned vectors of %d numbers, the first batch %d", t.caps.Name, i, len(res.Embed.Embeddings[0]), len(out.Embeddings[0]))
		}
		out.Embeddings = append(out.Embeddings, res.Embed.Embeddings...)
		out.Usage.InputTokens += res.Embed.Usage.InputTokens
	}
	return out, nil
}

// CountTokens returns how many input tokens req would take, as the
// provider counts them. A module that does not list the "count_tokens"
// operation is capability_unsupported.
func (c *Client) CountTokens(ctx context.Context, p Provider, req *abi.Request) (int, error) {
	if req == nil || req.Model == "" {
		return 0, abi.Errorf(abi.CodeInvalidRequest, "count_tokens request has no model: set Request.Model")
	}
	t, err := c.target(ctx, p, abi.OpCountTokens)
	if err != nil {
		return 0, err
	}
	defer t.release()
	call, err := abi.NewOpCall(abi.OpCountTokens, req)
	if err != nil {
		return 0, err
	}
	res, err := c.runOp(ctx, t, call)
	if err != nil {
		return 0, err
	}
	return res.CountTokens.InputTokens, nil
}
