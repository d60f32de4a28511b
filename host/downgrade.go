package host

import (
	"slices"
	"strconv"

	"github.com/wasmadapt/wasmadapt/abi"
)

// Downgrade names one explicit, opt-in relaxation of the capability check.
// Without it the capability check refuses, with capability_unsupported, any request the
// model cannot serve as asked: the host never falls back silently.
type Downgrade int

const (
	// StreamToGenerate serves a streaming request to a model without
	// streaming with one non-streamed call: the events arrive all at once
	// at the end (whole texts in single deltas).
	StreamToGenerate Downgrade = iota + 1
	// DropReasoning sends a request with a reasoning configuration to a
	// model without reasoning with the configuration removed.
	DropReasoning
	// DropRefusedSampling sends a request whose temperature, top_p, top_k
	// or seed the model does not take (not in the module's
	// Details.Sampling, or refused by its projection with
	// capability_unsupported and a pointer to the parameter, as for models
	// that take only the default sampling) with those parameters removed:
	// the model samples with its defaults.
	DropRefusedSampling
	// DropCacheMarkers sends a request with prompt-cache markers to a
	// model whose module places no breakpoints (caching "automatic",
	// "none" or not declared) with the markers removed.
	DropCacheMarkers
)

// String returns the downgrade's name.
func (d Downgrade) String() string {
	switch d {
	case StreamToGenerate:
		return "StreamToGenerate"
	case DropReasoning:
		return "DropReasoning"
	case DropRefusedSampling:
		return "DropRefusedSampling"
	case DropCacheMarkers:
		return "DropCacheMarkers"
	}
	return "Downgrade(?)"
}

// CallOption configures one Stream or Generate call (and every request of
// a tool loop that is given it).
type CallOption func(*callConfig)

type callConfig struct {
	downgrades map[Downgrade]bool
	// assume holds the capabilities assumed for a model the module does
	// not know (capcheck.go).
	assume     *abi.Features
	callExtras // callopt.go
}

// AllowDowngrade opts in to the named downgrades for this call. Each one
// the capability check applies is logged and reported to the observer.
func AllowDowngrade(ds ...Downgrade) CallOption {
	return func(c *callConfig) {
		if c.downgrades == nil {
			c.downgrades = map[Downgrade]bool{}
		}
		for _, d := range ds {
			c.downgrades[d] = true
		}
	}
}

// CheckCapabilities is the capability check every call passes through
// before anything is sent: it checks req against the model's capabilities.
// For a model the module does not know (source "unknown") it refuses every
// feature beyond plain text unless AssumeCapabilities gives capabilities to
// check against instead. It returns the request to send (req itself, or a modified copy
// when an allowed downgrade applies) and the downgrades applied, or an
// *abi.Error with code capability_unsupported that names the feature and
// the reason.
func CheckCapabilities(caps *abi.Capabilities, req *abi.Request, opts ...CallOption) (*abi.Request, []Downgrade, error) {
	var cc callConfig
	for _, o := range opts {
		o(&cc)
	}
	return checkRequest(caps, req, &cc)
}

func unsupported(caps *abi.Capabilities, model, what, why, fix string) error {
	m := model
	if m == "" {
		m = "(default)"
	}
	msg := "model " + m + " of module " + caps.Name + " " + why + "; the request asks for " + what
	if fix != "" {
		msg += ": " + fix
	}
	return &abi.Error{Code: abi.CodeCapabilityUnsupported, Message: msg}
}

func checkRequest(caps *abi.Capabilities, req *abi.Request, cc *callConfig) (*abi.Request, []Downgrade, error) {
	f := caps.Features
	if f.Source == abi.SourceUnknown {
		if cc.assume == nil {
			if err := unknownModel(caps, req); err != nil {
				return nil, nil, err
			}
		} else {
			f = *cc.assume
			f.Source = abi.SourceUnknown
		}
	}
	out := req
	var applied []Downgrade
	clone := func() {
		if out == req {
			c := *req
			out = &c
		}
	}
	// downgrade applies d with apply when the caller opted in to it, and
	// otherwise refuses the request (what and why as for unsupported; fix
	// says what to send instead of opting in).
	downgrade := func(d Downgrade, what, why, fix string, apply func()) error {
		if !cc.downgrades[d] {
			return unsupported(caps, req.Model, what, why, fix+", or opt in with host.AllowDowngrade(host."+d.String()+")")
		}
		apply()
		applied = append(applied, d)
		return nil
	}
	if req.Stream && !f.Streaming {
		if err := downgrade(StreamToGenerate, "streaming (stream: true)", "does not stream", "send stream: false",
			func() { clone(); out.Stream = false }); err != nil {
			return nil, nil, err
		}
	}
	if len(req.Tools) > 0 || (req.ToolChoice != nil && req.ToolChoice.Mode != abi.ToolChoiceNone) {
		if f.ToolCalling != abi.SupportNative && f.ToolCalling != abi.SupportEmulated {
			what := "tool calling (" + itoa(len(req.Tools)) + " tools)"
			return nil, nil, unsupported(caps, req.Model, what, "has no tool calling, native or emulated", "remove the tools or choose a model that calls tools")
		}
	}
	for i := range req.Tools {
		if t := &req.Tools[i]; t.IsProvider() && !slices.Contains(caps.ProviderTools, t.Name) {
			return nil, nil, unsupported(caps, req.Model, "the provider tool "+strconv.Quote(t.Name)+" (at /tools/"+itoa(i)+")",
				"runs no such provider tool", "remove it or choose a module and model that list it in provider_tools")
		}
	}
	out = withoutForeignServerTools(caps, out)
	if rf := req.ResponseFormat; rf != nil && rf.Type == "json_schema" {
		// "json_mode" passes: the module declared how it serves a schema
		// (JSON mode, an emulation), and refuses what it cannot project
		// with schema_unsupported.
		if f.StructuredOutput != abi.SupportNative && f.StructuredOutput != abi.SupportJSONMode {
			return nil, nil, unsupported(caps, req.Model, "a json_schema response format", "has no structured output", "remove response_format or choose a model with structured output")
		}
	}
	if r := req.Reasoning; r != nil && (r.Effort != "" || r.BudgetTokens != nil) && !f.Reasoning {
		if err := downgrade(DropReasoning, "a reasoning configuration", "is not a reasoning model", "remove reasoning",
			func() { clone(); out.Reasoning = nil }); err != nil {
			return nil, nil, err
		}
	}
	if bps := req.CacheBreakpoints(); len(bps) > 0 {
		what := itoa(len(bps)) + " cache breakpoint(s)"
		switch {
		case f.Caching != abi.CachingExplicit:
			kind := f.Caching
			if kind == "" {
				kind = "not declared"
			}
			if err := downgrade(DropCacheMarkers, what+" (first at "+bps[0].Pointer+")", "places no prompt-cache breakpoints (caching: "+kind+")",
				"remove the cache markers", func() { out = out.WithoutCache() }); err != nil {
				return nil, nil, err
			}
		case f.MaxCacheBreakpoints > 0 && len(bps) > f.MaxCacheBreakpoints:
			return nil, nil, unsupported(caps, req.Model, what, "takes at most "+itoa(f.MaxCacheBreakpoints)+" cache breakpoints per request",
				"keep the last "+itoa(f.MaxCacheBreakpoints)+" breakpoints of the prompt and remove the others")
		}
	}
	var images, assistantTurns int
	for _, m := range req.Messages {
		if m.Role == abi.RoleAssistant {
			assistantTurns++
		}
		for _, p := range m.Content {
			if p.Type == abi.PartImage {
				images++
			}
		}
	}
	if images > 0 && !f.Vision {
		return nil, nil, unsupported(caps, req.Model, itoa(images)+" image part(s)", "has no vision", "remove the images or choose a vision model")
	}
	if assistantTurns > 0 && !f.MultiTurn {
		return nil, nil, unsupported(caps, req.Model, "a multi-turn conversation ("+itoa(assistantTurns)+" assistant turns)", "is single-turn only", "send one user turn")
	}
	out, dropped, err := checkDetails(caps, out, cc) // capcheck.go
	if err != nil {
		return nil, nil, err
	}
	if dropped {
		applied = append(applied, DropRefusedSampling)
	}
	return out, applied, nil
}

func itoa(n int) string { return strconv.Itoa(n) }
