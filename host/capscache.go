package host

import (
	"container/list"
	"sync"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/api"
)

// DefaultCapabilitiesCacheSize is how many (module, model) capabilities a
// client keeps by default: the least recently used is dropped past it.
const DefaultCapabilitiesCacheSize = 1024

// WithCapabilitiesCacheSize bounds the client's capabilities cache to n
// (module, model) entries (default DefaultCapabilitiesCacheSize; 0 or less
// takes the default). Models are named by callers, so an unbounded cache
// would grow with every name it is asked about.
func WithCapabilitiesCacheSize(n int) Option { return func(c *Client) { c.capsSize = n } }

// capsSweepEvery is how many insertions pass between two sweeps of the
// entries of closed modules.
const capsSweepEvery = 64

type capsKey struct {
	m     api.Module
	model string
}

type capsEntry struct {
	k    capsKey
	caps *abi.Capabilities
}

// capsCache is an LRU cache of capabilities that also drops the entries
// of closed modules (retired registry generations), so that it neither
// grows with model names nor keeps closed modules reachable.
type capsCache struct {
	mu      sync.Mutex
	max     int
	ll      list.List // of *capsEntry, most recently used first
	idx     map[capsKey]*list.Element
	inserts int
}

func (c *capsCache) get(k capsKey) (*abi.Capabilities, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.idx[k]
	if !ok {
		return nil, false
	}
	if api.Closed(k.m) {
		c.remove(el)
		return nil, false
	}
	c.ll.MoveToFront(el)
	return el.Value.(*capsEntry).caps, true
}

func (c *capsCache) put(k capsKey, caps *abi.Capabilities) {
	if api.Closed(k.m) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.idx == nil {
		c.idx = map[capsKey]*list.Element{}
	}
	if el, ok := c.idx[k]; ok {
		el.Value.(*capsEntry).caps = caps
		c.ll.MoveToFront(el)
		return
	}
	c.idx[k] = c.ll.PushFront(&capsEntry{k: k, caps: caps})
	c.inserts++
	if c.inserts%capsSweepEvery == 0 {
		for el := c.ll.Front(); el != nil; {
			next := el.Next()
			if api.Closed(el.Value.(*capsEntry).k.m) {
				c.remove(el)
			}
			el = next
		}
	}
	for c.ll.Len() > c.max {
		c.remove(c.ll.Back())
	}
}

func (c *capsCache) remove(el *list.Element) {
	delete(c.idx, el.Value.(*capsEntry).k)
	c.ll.Remove(el)
}

// len returns the number of entries.
func (c *capsCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}
