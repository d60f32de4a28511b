package abi

import "strconv"

// Cache is a prompt-cache breakpoint (ABI 1.2): the prompt prefix up to and
// including the marked message, part or tool may be written to, and read
// from, the provider's prompt cache. In JSON: {"ttl":"5m"} or {"ttl":"1h"};
// {} is the provider's default lifetime.
type Cache struct {
	// TTL is the cache entry's lifetime: "" (the provider's default),
	// CacheTTL5m or CacheTTL1h.
	TTL string `json:"ttl,omitempty"`
}

// The cache lifetimes a breakpoint may ask for.
const (
	CacheTTL5m = "5m"
	CacheTTL1h = "1h"
)

// The values of Features.Caching: how a model's provider caches prompts.
const (
	// CachingExplicit: the request places breakpoints (Anthropic
	// cache_control, Bedrock cachePoint); the module projects Cache markers.
	CachingExplicit = "explicit"
	// CachingAutomatic: the provider caches prefixes on its own; markers
	// cannot be placed.
	CachingAutomatic = "automatic"
	// CachingNone: no prompt caching.
	CachingNone = "none"
)

// CacheBreakpoint is one cache marker of a request, where it stands.
type CacheBreakpoint struct {
	// Pointer is the JSON pointer of the marked message, part or tool
	// (e.g. "/messages/2/content/0/cache").
	Pointer string
	Cache   Cache
}

// CacheBreakpoints lists the request's cache markers in request order:
// tools first, then messages and their parts.
func (r *Request) CacheBreakpoints() []CacheBreakpoint {
	var out []CacheBreakpoint
	for i, t := range r.Tools {
		if t.Cache != nil {
			out = append(out, CacheBreakpoint{"/tools/" + strconv.Itoa(i) + "/cache", *t.Cache})
		}
	}
	for i, m := range r.Messages {
		mp := "/messages/" + strconv.Itoa(i)
		for j, p := range m.Content {
			if p.Cache != nil {
				out = append(out, CacheBreakpoint{mp + "/content/" + strconv.Itoa(j) + "/cache", *p.Cache})
			}
		}
		if m.Cache != nil {
			out = append(out, CacheBreakpoint{mp + "/cache", *m.Cache})
		}
	}
	return out
}

// WithoutCache returns a copy of the request with every cache marker
// removed; the request itself is not modified.
func (r *Request) WithoutCache() *Request {
	c := *r
	if len(r.Tools) > 0 {
		c.Tools = append([]ToolDefinition(nil), r.Tools...)
		for i := range c.Tools {
			c.Tools[i].Cache = nil
		}
	}
	if len(r.Messages) > 0 {
		c.Messages = make([]Message, len(r.Messages))
		for i, m := range r.Messages {
			m.Cache = nil
			if len(m.Content) > 0 {
				m.Content = append([]Part(nil), m.Content...)
				for j := range m.Content {
					m.Content[j].Cache = nil
				}
			}
			c.Messages[i] = m
		}
	}
	return &c
}

// CheckCacheTTL returns an invalid_request error when c asks for a lifetime
// other than the provider default, "5m" or "1h".
func CheckCacheTTL(c *Cache, pointer string) error {
	switch c.TTL {
	case "", CacheTTL5m, CacheTTL1h:
		return nil
	}
	return &Error{Code: CodeInvalidRequest, Pointer: pointer + "/ttl",
		Message: "cache ttl " + strconv.Quote(c.TTL) + ` is not "5m" or "1h" (or absent for the provider default)`}
}
