package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"

	"go.opentelemetry.io/otel/attribute"

	"github.com/wasmadapt/wasmadapt/abi"
)

// Span attributes of the capability checks.
const (
	// AttrCapabilitiesSource is the source of the model's capabilities
	// (abi.Source*), when the module says.
	AttrCapabilitiesSource = "wasmadapt.capabilities.source"
	// AttrCapabilitiesAssumed is true when the call ran with capabilities
	// the caller assumed for a model its module does not know
	// (AssumeCapabilities, WithAssumedCapabilities).
	AttrCapabilitiesAssumed = "wasmadapt.capabilities.assumed"
	// AttrDowngrades lists the downgrades applied to the call.
	AttrDowngrades = "wasmadapt.downgrades"
)

// AssumeCapabilities opts this call in to capabilities f for a model whose
// module does not know it (capabilities source "unknown"). Without it, or
// the client default WithAssumedCapabilities, the capability check refuses any feature
// beyond plain text for such a model (tools, structured output, images,
// reasoning) with capability_unsupported. The assumption is logged and
// recorded on the call's span; it has no effect for a known model.
func AssumeCapabilities(f abi.Features) CallOption {
	return func(c *callConfig) { c.assume = &f }
}

// WithAssumedCapabilities is the client-wide default of AssumeCapabilities:
// every call to a model its module does not know is checked against f
// instead of refused beyond plain text. A call's AssumeCapabilities takes
// precedence.
func WithAssumedCapabilities(f abi.Features) Option {
	return func(c *Client) { c.assume = &f }
}

// unknownModel checks req against the plain-text policy for a model whose
// module does not know it: it returns capability_unsupported for the first
// feature beyond plain text the request asks for, or nil. Tools pass when
// the module emulates them: emulation is plain text on the wire.
func unknownModel(caps *abi.Capabilities, req *abi.Request) error {
	emulated := caps.Features.ToolCalling == abi.SupportEmulated
	why := "is not known to the module (capabilities source \"unknown\"), so only plain text is sent to it"
	fix := "choose a model the module knows (wasmrun inspect lists its source), or opt in with host.AssumeCapabilities (per call) or host.WithAssumedCapabilities (client default)"
	if !emulated && (len(req.Tools) > 0 || (req.ToolChoice != nil && req.ToolChoice.Mode != abi.ToolChoiceNone)) {
		return unsupported(caps, req.Model, "tool calling ("+itoa(len(req.Tools))+" tools)", why, fix)
	}
	if rf := req.ResponseFormat; rf != nil && rf.Type != "" && rf.Type != "text" {
		return unsupported(caps, req.Model, "a "+rf.Type+" response format", why, fix)
	}
	if r := req.Reasoning; r != nil && (r.Effort != "" || r.BudgetTokens != nil) {
		return unsupported(caps, req.Model, "a reasoning configuration", why, fix)
	}
	for i, m := range req.Messages {
		for j, p := range m.Content {
			switch p.Type {
			case abi.PartText:
			case abi.PartToolCall, abi.PartToolResult:
				if emulated {
					continue
				}
				return unsupported(caps, req.Model, "tool calling (a "+string(p.Type)+" part at /messages/"+itoa(i)+"/content/"+itoa(j)+")", why, fix)
			case abi.PartReasoning, abi.PartServerToolCall, abi.PartServerToolResult, abi.PartApprovalRequest, abi.PartApprovalResponse:
				// Reasoning and server-tool parts of an earlier answer
				// are history the module may drop; they ask for nothing.
			default:
				return unsupported(caps, req.Model, "a "+string(p.Type)+" part (at /messages/"+itoa(i)+"/content/"+itoa(j)+")", why, fix)
			}
		}
	}
	return nil
}

// noteCapabilities records on the span where the model's capabilities come
// from and, when the caller assumed capabilities for an unknown model,
// logs the assumption and records it on the span.
func (c *Client) noteCapabilities(ctx context.Context, op *operation, caps *abi.Capabilities, req *abi.Request, cc *callConfig) {
	src := caps.Features.Source
	if src != "" && op.recording() {
		op.span.SetAttributes(attribute.String(AttrCapabilitiesSource, src))
	}
	if src != abi.SourceUnknown || cc.assume == nil {
		return
	}
	a := cc.assume
	c.log.WarnContext(ctx, "host: assuming capabilities for a model the module does not know",
		slog.String("module", caps.Name), slog.String("model", req.Model),
		slog.String("tool_calling", a.ToolCalling), slog.String("structured_output", a.StructuredOutput),
		slog.Bool("reasoning", a.Reasoning), slog.Bool("vision", a.Vision))
	op.span.SetAttributes(attribute.Bool(AttrCapabilitiesAssumed, true))
}

// downgraded reports one applied downgrade, once: logged, sent to the
// observer and recorded on the span (with those applied before it, in
// *all).
func (c *Client) downgraded(ctx context.Context, op *operation, obs *observer, module, model string, d Downgrade, all *[]Downgrade) {
	if slices.Contains(*all, d) {
		return
	}
	c.log.InfoContext(ctx, "host: downgrade applied", slog.String("downgrade", d.String()),
		slog.String("module", module), slog.String("model", model))
	obs.emit(StepEvent{Kind: KindDowngrade, Downgrade: d})
	*all = append(*all, d)
	names := make([]string, len(*all))
	for i, d := range *all {
		names[i] = d.String()
	}
	op.span.SetAttributes(attribute.StringSlice(AttrDowngrades, names))
}

// maxSamplingDrops bounds the projections of one request under
// DropRefusedSampling: one per droppable parameter, and one more.
const maxSamplingDrops = 4

// project asks the module to project req. With DropRefusedSampling allowed,
// a capability_unsupported refusal whose pointer names a sampling parameter
// (temperature, top_p, top_k) drops that parameter and projects again; it
// returns the request projected, which is req or a modified copy.
func project(ctx context.Context, project func(context.Context, *abi.Request) (*abi.ProviderRequest, error), req *abi.Request, cc *callConfig, dropped func()) (*abi.ProviderRequest, *abi.Request, error) {
	first := true
	for i := 0; ; i++ {
		preq, err := project(ctx, req)
		if err == nil || !cc.downgrades[DropRefusedSampling] || i == maxSamplingDrops {
			return preq, req, err
		}
		var ae *abi.Error
		if !errors.As(err, &ae) || ae.Code != abi.CodeCapabilityUnsupported {
			return nil, req, err
		}
		next, ok := dropSampling(req, ae.Pointer)
		if !ok {
			return nil, req, err
		}
		req = next
		if first {
			first = false
			dropped()
		}
	}
}

// dropSampling returns a copy of req without the sampling parameter at
// pointer, or false when pointer names no sampling parameter req sets.
func dropSampling(req *abi.Request, pointer string) (*abi.Request, bool) {
	c := *req
	switch pointer {
	case "/temperature":
		if c.Temperature == nil {
			return nil, false
		}
		c.Temperature = nil
	case "/top_p":
		if c.TopP == nil {
			return nil, false
		}
		c.TopP = nil
	default:
		key, ok := strings.CutPrefix(pointer, "/provider_options/")
		if !ok || (key != "top_k" && key != "topK" && key != "seed") {
			return nil, false
		}
		if _, set := c.ProviderOptions[key]; !set {
			return nil, false
		}
		c.ProviderOptions = maps.Clone(c.ProviderOptions)
		delete(c.ProviderOptions, key)
	}
	return &c, true
}

// downgradeRecorder is an Observer that keeps the downgrades applied to a
// call, for its Response.
type downgradeRecorder []Downgrade

// Observe implements Observer.
func (r *downgradeRecorder) Observe(_ context.Context, e StepEvent) {
	if e.Kind == KindDowngrade {
		*r = append(*r, e.Downgrade)
	}
}

// precheck runs the capability check as a call with opts would, the
// client's default assumption included, without sending anything.
func (c *Client) precheck(caps *abi.Capabilities, req *abi.Request, opts []CallOption) error {
	cc := callConfigOf(opts)
	if cc.assume == nil {
		cc.assume = c.assume
	}
	_, _, err := checkRequest(caps, req, &cc)
	return err
}

// ParseDowngrade returns the downgrade named name (as Downgrade.String
// writes it).
func ParseDowngrade(name string) (Downgrade, error) {
	for d := StreamToGenerate; d <= DropRefusedSampling; d++ {
		if d.String() == name {
			return d, nil
		}
	}
	return 0, fmt.Errorf("host: no downgrade named %q (StreamToGenerate, DropReasoning, DropRefusedSampling)", name)
}

// checkDetails checks req against the model's details, when the module
// gives them: max_output_tokens above the model's limit, a sampling
// parameter the model does not accept (dropped instead, reporting true,
// with DropRefusedSampling allowed), an input modality it lacks, and a
// reasoning setting outside its controls. It returns req or a modified
// copy.
func checkDetails(caps *abi.Capabilities, req *abi.Request, cc *callConfig) (*abi.Request, bool, error) {
	d := caps.Details
	if d == nil {
		return req, false, nil
	}
	if n := req.MaxOutputTokens; n != nil && d.MaxOutputTokens > 0 && *n > d.MaxOutputTokens {
		return nil, false, unsupported(caps, req.Model, "max_output_tokens "+itoa(*n), "produces at most "+itoa(d.MaxOutputTokens)+" output tokens",
			"set max_output_tokens to "+itoa(d.MaxOutputTokens)+" or less")
	}
	dropped := false
	if d.Sampling != nil {
		for _, s := range samplingSet(req) {
			if slices.Contains(d.Sampling, s.name) {
				continue
			}
			if !cc.downgrades[DropRefusedSampling] {
				err := unsupported(caps, req.Model, s.name+" (at "+s.pointer+")", "does not take "+s.name+" (it accepts: "+strings.Join(d.Sampling, ", ")+")",
					"remove "+s.name+", or opt in with host.AllowDowngrade(host.DropRefusedSampling)")
				err.(*abi.Error).Pointer = s.pointer
				return nil, false, err
			}
			next, ok := dropSampling(req, s.pointer)
			if !ok {
				return nil, false, unsupported(caps, req.Model, s.name+" (at "+s.pointer+")", "does not take "+s.name, "remove "+s.name)
			}
			req, dropped = next, true
		}
	}
	if len(d.InputModalities) > 0 {
		for i, m := range req.Messages {
			for j, p := range m.Content {
				if p.Type == abi.PartImage && !slices.Contains(d.InputModalities, abi.ModalityImage) {
					return nil, false, unsupported(caps, req.Model, "an image part (at /messages/"+itoa(i)+"/content/"+itoa(j)+")",
						"reads no images (input modalities: "+strings.Join(d.InputModalities, ", ")+")", "remove the images or choose a vision model")
				}
				// A PDF document and audio need their modality too (a
				// file of another or unstated type is the module's to
				// judge at projection).
				if need, what := partModality(p); need != "" && !slices.Contains(d.InputModalities, need) {
					return nil, false, unsupported(caps, req.Model, "a "+what+" part (at /messages/"+itoa(i)+"/content/"+itoa(j)+")",
						"reads no "+need+" (input modalities: "+strings.Join(d.InputModalities, ", ")+")", "remove it or choose a model that reads "+need)
				}
			}
		}
	}
	if rc, r := d.Reasoning, req.Reasoning; rc != nil && r != nil {
		if r.Effort != "" && len(rc.Efforts) > 0 && !slices.Contains(rc.Efforts, r.Effort) {
			return nil, false, unsupported(caps, req.Model, "reasoning effort "+r.Effort, "takes the reasoning efforts "+strings.Join(rc.Efforts, ", "), "use one of them")
		}
		if b := r.BudgetTokens; b != nil {
			switch {
			case !rc.Budget:
				return nil, false, unsupported(caps, req.Model, "a reasoning budget", "takes no reasoning budget", "remove reasoning.budget_tokens (set an effort instead)")
			case rc.BudgetMin > 0 && *b < rc.BudgetMin, rc.BudgetMax > 0 && *b > rc.BudgetMax:
				return nil, false, unsupported(caps, req.Model, "reasoning.budget_tokens "+itoa(*b), "takes a reasoning budget of "+itoa(rc.BudgetMin)+" to "+budgetMax(rc.BudgetMax)+" tokens", "set a budget in that range")
			}
		}
	}
	return req, dropped, nil
}

// partModality returns the input modality a file or audio part needs
// (abi.ModalityPDF for a PDF document, abi.ModalityAudio for audio) and
// what to call the part, or "" when the host cannot tell.
func partModality(p abi.Part) (modality, what string) {
	switch {
	case p.Type == abi.PartAudio:
		return abi.ModalityAudio, "audio"
	case p.Type == abi.PartFile && strings.EqualFold(p.MediaType, "application/pdf"):
		return abi.ModalityPDF, "PDF"
	}
	return "", ""
}

func budgetMax(n int) string {
	if n == 0 {
		return "any number of"
	}
	return itoa(n)
}

// samplingParam is a sampling parameter a request sets, with its pointer.
type samplingParam struct{ name, pointer string }

// samplingSet lists the sampling parameters req sets.
func samplingSet(req *abi.Request) []samplingParam {
	var out []samplingParam
	if req.Temperature != nil {
		out = append(out, samplingParam{abi.SamplingTemperature, "/temperature"})
	}
	if req.TopP != nil {
		out = append(out, samplingParam{abi.SamplingTopP, "/top_p"})
	}
	if len(req.Stop) > 0 {
		out = append(out, samplingParam{abi.SamplingStop, "/stop"})
	}
	for _, k := range []string{abi.SamplingTopK, abi.SamplingSeed} {
		if _, ok := req.ProviderOptions[k]; ok {
			out = append(out, samplingParam{k, "/provider_options/" + k})
		}
	}
	return out
}
