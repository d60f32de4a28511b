package blockproject

import (
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// ClaudeVersion is a Claude model's place in its family: the tier (opus,
// sonnet, haiku) and the version major.minor of a name of the current
// scheme, claude-<tier>-<major>[-<minor>] followed by nothing, a date
// snapshot (-20250514, @20250514) or a host's suffix (-v1:0).
type ClaudeVersion struct {
	Tier         string
	Major, Minor int
}

// ParseClaude parses a Claude model name of the current scheme, with or
// without Bedrock's "anthropic." vendor prefix. Names of the older scheme
// (claude-3-5-sonnet) and anything else give ok false.
func ParseClaude(name string) (v ClaudeVersion, ok bool) {
	name = strings.TrimPrefix(name, "anthropic.")
	rest, ok := strings.CutPrefix(name, "claude-")
	if !ok {
		return v, false
	}
	i := 0
	for i < len(rest) && rest[i] >= 'a' && rest[i] <= 'z' {
		i++
	}
	if i == 0 || i == len(rest) || rest[i] != '-' {
		return v, false
	}
	v.Tier = rest[:i]
	var n int
	if v.Major, n = smallNumber(rest[i+1:]); n == 0 {
		return v, false
	}
	rest = rest[i+1+n:]
	if len(rest) > 1 && rest[0] == '-' {
		if minor, n := smallNumber(rest[1:]); n > 0 {
			v.Minor = minor
		}
	}
	return v, true
}

// smallNumber reads a version number of one or two digits at the start of
// s that is followed by the end of s or a non-digit (so that a date
// snapshot is not read as one); n is 0 when there is none.
func smallNumber(s string) (v, n int) {
	for n < len(s) && n < 3 && s[n] >= '0' && s[n] <= '9' {
		v = v*10 + int(s[n]-'0')
		n++
	}
	if n == 0 || n > 2 {
		return 0, 0
	}
	return v, n
}

// Less orders versions of one tier.
func (v ClaudeVersion) Less(w ClaudeVersion) bool {
	return v.Major < w.Major || v.Major == w.Major && v.Minor < w.Minor
}

// ClaudePrefixMatches reports whether a model table's prefix names the
// model, as strings.HasPrefix does, except for a model name of the current
// scheme (see ParseClaude): a prefix names it only when the prefix is of
// that scheme too and of the same version. So claude-opus-4 names
// claude-opus-4, claude-opus-4-0 and claude-opus-4-20250514 but not
// claude-opus-4-8, and a catch-all prefix such as "anthropic.claude" names
// no current model.
func ClaudePrefixMatches(name, prefix string) bool {
	if !strings.HasPrefix(name, prefix) {
		return false
	}
	nv, ok := ParseClaude(name)
	if !ok {
		return true
	}
	pv, ok := ParseClaude(prefix)
	return ok && nv == pv
}

// ClaudeFamily returns the index of the table entry (n entries, prefix
// giving each one's prefix) a Claude model the table does not name
// inherits its capabilities from: the highest version of the same tier
// that is not newer than the model. So claude-opus-4-8 is served as
// claude-opus-4-7 until the table knows it, and claude-sonnet-5 as the
// newest Sonnet. It returns -1 when the name is not of the current scheme
// or the table has no entry of its tier at or below its version.
func ClaudeFamily(name string, n int, prefix func(i int) string) int {
	v, ok := ParseClaude(name)
	if !ok {
		return -1
	}
	best := -1
	var bestV ClaudeVersion
	for i := range n {
		pv, ok := ParseClaude(prefix(i))
		if !ok || pv.Tier != v.Tier || v.Less(pv) {
			continue
		}
		if best < 0 || bestV.Less(pv) {
			best, bestV = i, pv
		}
	}
	return best
}

// CheckDefaultSampling refuses, for a model that takes sampling
// parameters only at their defaults (Claude Opus 4.7 answers 400
// otherwise), a temperature or top_p other than 1 and any top_k
// (topK says the request sets one, at pointer topKPointer). A temperature
// or top_p of exactly 1 is the default: the caller leaves it out of the
// provider request. The refusal names the field in the error's pointer,
// so a host that opted in to dropping sampling parameters can remove it
// and project again.
func CheckDefaultSampling(req *abi.Request, topK bool, topKPointer string) error {
	if t := req.Temperature; t != nil && *t != 1 {
		return guest.Unsupported("/temperature", "model %s takes only the default temperature (1): remove temperature", req.Model)
	}
	if p := req.TopP; p != nil && *p != 1 {
		return guest.Unsupported("/top_p", "model %s takes only the default top_p (1): remove top_p", req.Model)
	}
	if topK {
		return guest.Unsupported(topKPointer, "model %s does not take top_k: remove it", req.Model)
	}
	return nil
}
