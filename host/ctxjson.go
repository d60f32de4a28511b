package host

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"slices"
	"sync"

	"github.com/wasmadapt/wasmadapt/abi"
)

// contextCache keeps the JSON of recent stream contexts (a request without
// its messages: model, tools, response format, options) without their
// session and trace ids, keyed by the context's exact contents. An agent
// loop sends the same context every turn, and json.Marshal validates and
// compacts every tool schema byte by byte each time: most of the host's
// own encoding work on a short request.
type contextCache struct {
	mu sync.Mutex
	m  map[string][]byte
}

// Bounds of contextCache: entries, and the largest key or value kept.
const (
	maxCachedContexts     = 64
	maxCachedContextBytes = 64 << 10
)

// json returns json.Marshal(req.Context()): the cached encoding of the
// context without session_id and trace_id, with those two spliced in
// front (encoding/json writes them first, and model, which has no
// omitempty, after them). A context that does not encode is not cached:
// its error is json.Marshal's.
func (cc *contextCache) json(req *abi.Request) ([]byte, error) {
	var kb [1024]byte
	key := contextKey(kb[:0], req)
	cc.mu.Lock()
	rest, ok := cc.m[string(key)]
	cc.mu.Unlock()
	if !ok {
		c := req.Context()
		c.SessionID, c.TraceID = "", ""
		var err error
		if rest, err = json.Marshal(c); err != nil {
			return nil, err
		}
		if len(key) <= maxCachedContextBytes && len(rest) <= maxCachedContextBytes {
			cc.mu.Lock()
			if cc.m == nil || len(cc.m) >= maxCachedContexts {
				cc.m = make(map[string][]byte, maxCachedContexts)
			}
			cc.m[string(key)] = rest
			cc.mu.Unlock()
		}
	}
	out := make([]byte, 0, len(rest)+len(req.SessionID)+len(req.TraceID)+32)
	out = append(out, '{')
	if req.SessionID != "" {
		out = append(out, `"session_id":`...)
		out = abi.AppendStringEscaped(out, req.SessionID, true, true)
		out = append(out, ',')
	}
	if req.TraceID != "" {
		out = append(out, `"trace_id":`...)
		out = abi.AppendStringEscaped(out, req.TraceID, true, true)
		out = append(out, ',')
	}
	return append(out, rest[1:]...), nil
}

// contextKey appends an unambiguous encoding of every field of the
// request's stream context but its session and trace ids (strings and
// raw JSON length-prefixed, absent pointers marked) to dst. Two contexts
// with the same key encode to the same JSON. TestContextKeyCoversRequest
// fails when abi.Request or a type it holds gains a field this does not
// know.
func contextKey(dst []byte, r *abi.Request) []byte {
	num := func(v uint64) { dst = binary.AppendUvarint(dst, v) }
	str := func(ss ...string) {
		for _, s := range ss {
			num(uint64(len(s)))
			dst = append(dst, s...)
		}
	}
	raw := func(b []byte) {
		num(uint64(len(b)))
		dst = append(dst, b...)
	}
	flag := func(b bool) bool {
		if b {
			dst = append(dst, 1)
		} else {
			dst = append(dst, 0)
		}
		return b
	}
	optInt := func(p *int) {
		if flag(p != nil) {
			num(uint64(*p))
		}
	}
	optFloat := func(p *float64) {
		if flag(p != nil) {
			num(math.Float64bits(*p))
		}
	}
	str(r.Model)
	num(uint64(len(r.Tools)))
	for i := range r.Tools {
		t := &r.Tools[i]
		str(t.Type, t.Name, t.Description)
		raw(t.Parameters)
		raw(t.Options)
		flag(t.Strict)
		if flag(t.Cache != nil) {
			str(t.Cache.TTL)
		}
	}
	if tc := r.ToolChoice; flag(tc != nil) {
		str(tc.Mode, tc.Tool)
	}
	if rf := r.ResponseFormat; flag(rf != nil) {
		str(rf.Type, rf.Name)
		raw(rf.Schema)
		flag(rf.Strict)
	}
	flag(r.Stream)
	optInt(r.MaxOutputTokens)
	optFloat(r.Temperature)
	optFloat(r.TopP)
	num(uint64(len(r.Stop)))
	str(r.Stop...)
	if rs := r.Reasoning; flag(rs != nil) {
		str(rs.Effort)
		optInt(rs.BudgetTokens)
	}
	num(uint64(len(r.ProviderOptions)))
	if len(r.ProviderOptions) > 0 {
		keys := make([]string, 0, len(r.ProviderOptions))
		for k := range r.ProviderOptions {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			v := r.ProviderOptions[k]
			str(k)
			flag(v == nil) // null, where an empty value is an error
			raw(v)
		}
	}
	return dst
}
