package opkit

import (
	"slices"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
)

// Limit is the context window and most output tokens of one model line,
// from the provider's model pages (0: not documented).
type Limit struct {
	// Prefix is the model id of the line: a model matches when its id is
	// Prefix or starts with Prefix followed by "-" (a dated or sized
	// variant).
	Prefix string
	// Context is the context window and Out the most output tokens.
	Context, Out int
}

// FindLimit returns the limit of the first line of limits model is of
// (list the most specific prefixes first), or false for a model of none.
// Matching ignores case.
func FindLimit(limits []Limit, model string) (Limit, bool) {
	m := strings.ToLower(model)
	i := slices.IndexFunc(limits, func(l Limit) bool {
		return m == l.Prefix || strings.HasPrefix(m, l.Prefix+"-")
	})
	if i < 0 {
		return Limit{}, false
	}
	return limits[i], true
}

// Details returns the details of a model of the line reading modalities
// (abi.Modality*; nil is text only), with unknown sampling parameters and
// reasoning controls.
func (l Limit) Details(modalities ...string) *abi.ModelDetails {
	if len(modalities) == 0 {
		modalities = []string{abi.ModalityText}
	}
	return &abi.ModelDetails{ContextWindow: l.Context, MaxOutputTokens: l.Out,
		InputModalities: slices.Clone(modalities)}
}
