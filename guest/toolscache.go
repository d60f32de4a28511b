package guest

import (
	"bytes"
	"encoding/binary"
	"strings"
	"sync"

	"github.com/wasmadapt/wasmadapt/abi"
)

// ToolsCache remembers an adapter's projection of a request's tools block
// (of any type V: the encoded block, or the values an encoder writes).
// An agent loop resends the same tools on every turn, and projecting them
// (schema rewriting, validation, encoding) is a large part of what a
// projection costs in a Wasm guest; a cache lives as long as the module
// instance that holds it (one per pooled instance in Wasm).
//
// Entries are keyed by a hash of the tools' contents and checked against
// the contents themselves, so a hit is exact. The cache is bounded: at
// most ToolsCacheEntries entries, and a block whose key and value together
// exceed ToolsCacheMaxBytes (as Put is told) is not kept. Only successful projections go in:
// an adapter that refuses the tools does so every time. The projection must
// depend on nothing but the key (put any other input, such as a model
// feature that changes the result, into the salt). Safe for concurrent use
// (native hosts share one adapter across instances).
type ToolsCache[V any] struct {
	mu      sync.Mutex
	entries [ToolsCacheEntries]toolsEntry[V]
	next    int // the entry to replace next (oldest first)
}

// The bounds of a ToolsCache.
const (
	ToolsCacheEntries  = 4
	ToolsCacheMaxBytes = 512 << 10
)

type toolsEntry[V any] struct {
	hash uint64
	key  []byte
	val  V
}

// ToolsKey appends the cache key of tools, salted with salt, to dst: every
// field of every tool, length-prefixed.
func ToolsKey(dst []byte, salt string, tools []abi.ToolDefinition) []byte {
	dst = appendField(dst, salt)
	for i := range tools {
		t := &tools[i]
		dst = appendField(dst, t.Type)
		dst = appendField(dst, t.Name)
		dst = appendField(dst, t.Description)
		dst = appendField(dst, string(t.Parameters))
		dst = appendField(dst, string(t.Options))
		flags := byte(0)
		if t.Strict {
			flags |= 1
		}
		if t.Cache != nil {
			flags |= 2
			dst = appendField(dst, t.Cache.TTL)
		}
		dst = append(dst, flags)
	}
	return dst
}

func appendField(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// hash is FNV-1a: deterministic (a guest has no randomness to seed a
// hash with) and a plain loop, which a Wasm guest runs fast.
func hash(key []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, b := range key {
		h = (h ^ uint64(b)) * 1099511628211
	}
	return h
}

// Get returns the block cached under key. It is shared: do not modify it.
func (c *ToolsCache[V]) Get(key []byte) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := hash(key)
	for i := range c.entries {
		if e := &c.entries[i]; e.key != nil && e.hash == h && bytes.Equal(e.key, key) {
			return e.val, true
		}
	}
	var zero V
	return zero, false
}

// Put caches val, of size bytes, under key, replacing the oldest entry
// when the cache is full. It keeps a copy of key and val itself: val must
// not share memory with the request (whose raw fields point into the
// call's input buffer) nor be modified afterwards.
func (c *ToolsCache[V]) Put(key []byte, val V, size int) {
	if len(key)+size > ToolsCacheMaxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[c.next] = toolsEntry[V]{hash: hash(key), key: bytes.Clone(key), val: val}
	c.next = (c.next + 1) % len(c.entries)
}

// decodedTools keeps the tools of the last few requests decoded, keyed by
// their JSON bytes (readTools). Its values are copies that share no memory
// with the call's input buffer (cloneTools); the decoded tools a request
// gets from it are shared with the requests before it, which is why a
// Request's Tools are read-only for an adapter (Adapter.Project).
var decodedTools ToolsCache[[]abi.ToolDefinition]

// cloneTools returns a copy of tools that shares no memory with them.
func cloneTools(tools []abi.ToolDefinition) []abi.ToolDefinition {
	c := make([]abi.ToolDefinition, len(tools))
	for i, t := range tools {
		// Every field that may point into the input is cloned
		// (TestToolsMemoCopiesEveryField).
		c[i] = t
		c[i].Type, c[i].Name, c[i].Description = strings.Clone(t.Type), strings.Clone(t.Name), strings.Clone(t.Description)
		c[i].Parameters, c[i].Options = bytes.Clone(t.Parameters), bytes.Clone(t.Options)
		if t.Cache != nil {
			cache := *t.Cache
			cache.TTL = strings.Clone(cache.TTL)
			c[i].Cache = &cache
		}
	}
	return c
}
