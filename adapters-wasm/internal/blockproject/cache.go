package blockproject

import (
	"strconv"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// CheckCache checks the request's cache markers for an API that places
// explicit breakpoints: every TTL is one of the contract's, one the API
// takes (ttls lists them; "" always passes: the API's default), and there
// are at most max of them. It returns the breakpoints, in request order.
func CheckCache(req *abi.Request, max int, api string, ttls ...string) ([]abi.CacheBreakpoint, error) {
	bps := req.CacheBreakpoints()
	for _, bp := range bps {
		if err := abi.CheckCacheTTL(&bp.Cache, bp.Pointer); err != nil {
			return nil, err
		}
		if bp.Cache.TTL != "" && !contains(ttls, bp.Cache.TTL) {
			return nil, guest.Unsupported(bp.Pointer+"/ttl", "%s takes no cache ttl %q (it takes %s): use one of those or omit ttl for the default", api, bp.Cache.TTL, strings.Join(ttls, ", "))
		}
	}
	if len(bps) > max {
		return nil, guest.Unsupported(bps[max].Pointer, "%s takes at most %d cache breakpoints per request and this one has %d: keep the last %d of the prompt", api, max, len(bps), max)
	}
	return bps, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// CacheOnParts returns the messages with each message's cache marker moved
// onto its last part that the projection keeps (as CheckPart decides for
// provider) other than reasoning (for a system message, its last
// non-blank text), so that Turns
// sees markers on parts only. A part that carries a marker of its own
// keeps it. The input is not modified. A marked message of which no part
// is kept is an invalid_request error: its marker would be lost.
func CacheOnParts(in []abi.Message, provider string) ([]abi.Message, error) {
	var out []abi.Message
	for i, m := range in {
		if m.Cache == nil {
			continue
		}
		last := -1
		for j := len(m.Content) - 1; j >= 0 && last < 0; j-- {
			p := m.Content[j]
			if m.Role == abi.RoleSystem {
				if p.Type == abi.PartText && strings.TrimSpace(p.Text) != "" {
					last = j
				}
				continue
			}
			// Not a reasoning block: providers mark content, not thinking.
			if keep, _, err := CheckPart(m.Role, &p, "", provider); err == nil && keep && p.Type != abi.PartReasoning {
				last = j
			}
		}
		if last < 0 {
			return nil, guest.Invalid(messagePointer(i)+"/cache", "the message carries a cache marker but none of its content is sent (blank text or another provider's reasoning): mark a message with content")
		}
		if out == nil {
			out = append([]abi.Message(nil), in...)
		}
		m.Content = append([]abi.Part(nil), m.Content...)
		if m.Content[last].Cache == nil {
			c := *m.Cache
			m.Content[last].Cache = &c
		}
		m.Cache = nil
		out[i] = m
	}
	if out == nil {
		return in, nil
	}
	return out, nil
}

func messagePointer(i int) string { return "/messages/" + strconv.Itoa(i) }

func itoa(n int) string { return strconv.Itoa(n) }

// CacheAt maps the JSON pointer of each marked non-system part ("/messages/i/content/j")
// to its marker, for matching against Turn.Src.
func CacheAt(in []abi.Message) map[string]abi.Cache {
	var at map[string]abi.Cache
	for i, m := range in {
		if m.Role == abi.RoleSystem {
			continue // Turns gives system markers to Dialect.SystemCache
		}
		for j, p := range m.Content {
			if p.Cache == nil {
				continue
			}
			if at == nil {
				at = map[string]abi.Cache{}
			}
			at[messagePointer(i)+"/content/"+itoa(j)] = *p.Cache
		}
	}
	return at
}

// UnplacedCache returns an invalid_request error for a marked part that
// the projection dropped (blank text, another provider's reasoning), whose
// marker would otherwise be lost silently; placed holds the pointers of the
// parts whose markers were projected.
func UnplacedCache(at map[string]abi.Cache, placed map[string]bool) error {
	var missing []string
	for p := range at {
		if !placed[p] {
			missing = append(missing, p)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	first := missing[0]
	for _, p := range missing[1:] {
		if p < first {
			first = p
		}
	}
	return guest.Invalid(first+"/cache", "the part carries a cache marker but is not sent (blank text or another provider's reasoning): move the marker to a part that is sent")
}

// Messages builds the provider messages of the turns (msg makes one from
// a turn's role and blocks) with the cache markers of the parts of in
// (CacheAt) placed: mark is called after each block whose part carries a
// marker, with the turn's blocks so far (that block last), the marker and
// the part's pointer, and returns the blocks with the marker placed (the
// last block marked, or a cache block appended) or an error. A marked part
// that no block stands for is an error (UnplacedCache).
func Messages[B, M any](in []abi.Message, turns []Turn[B], mark func(blocks []B, c abi.Cache, src string) ([]B, error), msg func(role string, blocks []B) M) ([]M, error) {
	at := CacheAt(in)
	placed := make(map[string]bool, len(at))
	out := make([]M, len(turns))
	for i, t := range turns {
		blocks := t.Blocks
		if len(at) > 0 {
			blocks = make([]B, 0, len(t.Blocks)+1)
			for j, b := range t.Blocks {
				blocks = append(blocks, b)
				c, ok := at[t.Src[j]]
				if !ok {
					continue
				}
				var err error
				if blocks, err = mark(blocks, c, t.Src[j]); err != nil {
					return nil, err
				}
				placed[t.Src[j]] = true
			}
		}
		out[i] = msg(t.Role, blocks)
	}
	if err := UnplacedCache(at, placed); err != nil {
		return nil, err
	}
	return out, nil
}
