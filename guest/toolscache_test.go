package guest

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"sync"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

// TestToolsCache checks hits, misses, the bound on entries (oldest out
// first) and the bound on bytes.
func TestToolsCache(t *testing.T) {
	var c ToolsCache[[]byte]
	key := func(i int) []byte {
		return ToolsKey(nil, "salt", []abi.ToolDefinition{{Name: "t" + strconv.Itoa(i), Parameters: json.RawMessage(`{}`)}})
	}
	if _, ok := c.Get(key(0)); ok {
		t.Fatal("hit in an empty cache")
	}
	for i := range ToolsCacheEntries {
		c.Put(key(i), []byte("block"+strconv.Itoa(i)), 6)
	}
	for i := range ToolsCacheEntries {
		if v, ok := c.Get(key(i)); !ok || string(v) != "block"+strconv.Itoa(i) {
			t.Errorf("entry %d: %q, %v", i, v, ok)
		}
	}
	c.Put(key(ToolsCacheEntries), []byte("new"), 3)
	if _, ok := c.Get(key(0)); ok {
		t.Error("the oldest entry survived a Put into a full cache")
	}
	if v, ok := c.Get(key(ToolsCacheEntries)); !ok || string(v) != "new" {
		t.Errorf("newest entry: %q, %v", v, ok)
	}
	big := bytes.Repeat([]byte("x"), ToolsCacheMaxBytes)
	c.Put(key(99), big, len(big))
	if _, ok := c.Get(key(99)); ok {
		t.Error("a block over ToolsCacheMaxBytes was kept")
	}
}

// TestToolsKey checks that every field of a tool, and the salt, changes
// the key, and that field boundaries cannot be shifted.
func TestToolsKey(t *testing.T) {
	base := abi.ToolDefinition{Type: "function", Name: "n", Description: "d", Parameters: json.RawMessage(`{}`), Options: json.RawMessage(`{"a":1}`)}
	variants := []abi.ToolDefinition{
		base,
		{Type: "provider", Name: "n", Description: "d", Parameters: json.RawMessage(`{}`), Options: json.RawMessage(`{"a":1}`)},
		{Type: "function", Name: "nd", Description: "", Parameters: json.RawMessage(`{}`), Options: json.RawMessage(`{"a":1}`)},
		{Type: "function", Name: "n", Description: "d", Parameters: json.RawMessage(`{ }`), Options: json.RawMessage(`{"a":1}`)},
		{Type: "function", Name: "n", Description: "d", Parameters: json.RawMessage(`{}`), Options: json.RawMessage(`{"a":2}`)},
		{Type: "function", Name: "n", Description: "d", Parameters: json.RawMessage(`{}`), Options: json.RawMessage(`{"a":1}`), Strict: true},
		{Type: "function", Name: "n", Description: "d", Parameters: json.RawMessage(`{}`), Options: json.RawMessage(`{"a":1}`), Cache: &abi.Cache{}},
		{Type: "function", Name: "n", Description: "d", Parameters: json.RawMessage(`{}`), Options: json.RawMessage(`{"a":1}`), Cache: &abi.Cache{TTL: "1h"}},
	}
	seen := map[string]int{}
	for i, v := range variants {
		k := string(ToolsKey(nil, "", []abi.ToolDefinition{v}))
		if j, dup := seen[k]; dup {
			t.Errorf("variants %d and %d share a key", j, i)
		}
		seen[k] = i
	}
	if bytes.Equal(ToolsKey(nil, "a", []abi.ToolDefinition{base}), ToolsKey(nil, "b", []abi.ToolDefinition{base})) {
		t.Error("the salt does not change the key")
	}
}

// TestToolsCacheConcurrent runs Get and Put from several goroutines, as
// a native host's pooled instances share one adapter (run with -race).
func TestToolsCacheConcurrent(t *testing.T) {
	var c ToolsCache[[]byte]
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 50 {
				k := []byte{byte(g), byte(i % 7)}
				if v, ok := c.Get(k); ok && (len(v) != 2 || v[0] != k[0] || v[1] != k[1]) {
					t.Errorf("Get(%v) = %v", k, v)
				}
				c.Put(k, []byte{k[0], k[1]}, 2)
			}
		})
	}
	wg.Wait()
}

// TestToolsMemo: a request whose tools are the bytes of an earlier one's
// gets the tools decoded then, equal to what decoding gives, and not
// aliasing that request's input (the buffer is reused); other tools are
// decoded; the memo holds ToolsCacheEntries tool sets.
func TestToolsMemo(t *testing.T) {
	decodedTools = ToolsCache[[]abi.ToolDefinition]{}
	tools := func(i int) string {
		return `[{"name":"get_weather` + strconv.Itoa(i) + `","description":"Weather \u00e9","parameters":{"type":"object"},"strict":true,"cache":{"ttl":"5m"}},{"type":"provider","name":"web_search","options":{"max_uses":2}}]`
	}
	decode := func(s string) *abi.Request {
		t.Helper()
		in := []byte(`{"model":"m","messages":[{"role":"user","content":"hi"}],"tools":` + s + `}`)
		req := new(abi.Request)
		if err := DecodeRequest(in, req); err != nil {
			t.Fatal(err)
		}
		var want abi.Request
		if err := json.Unmarshal(in, &want); err != nil {
			t.Fatal(err)
		}
		got, _ := json.Marshal(req.Tools)
		exp, _ := json.Marshal(want.Tools)
		if !bytes.Equal(got, exp) {
			t.Fatalf("tools %s, want %s", got, exp)
		}
		clear(in) // the call's input buffer is reused
		return req
	}
	first := decode(tools(0))
	if len(first.Tools) != 2 {
		t.Fatalf("%d tools", len(first.Tools))
	}
	again := decode(tools(0))
	if &again.Tools[0] != &decodedTools.entries[0].val[0] {
		t.Error("the same tools were decoded again")
	}
	if again.Tools[0].Name != "get_weather0" || string(again.Tools[1].Options) != `{"max_uses":2}` || again.Tools[0].Cache.TTL != "5m" {
		t.Errorf("memo tools alias a cleared input: %+v", again.Tools)
	}
	for i := 1; i <= ToolsCacheEntries; i++ {
		decode(tools(i))
	}
	if r := decode(tools(0)); &r.Tools[0] == &again.Tools[0] {
		t.Error("the oldest tools were kept past ToolsCacheEntries sets")
	}
}

// TestToolsMemoCopiesEveryField: the memo's copy clones each field of
// abi.ToolDefinition that may point into the input; a field added to the
// type must be added to cloneTools (and here).
func TestToolsMemoCopiesEveryField(t *testing.T) {
	known := map[string]bool{"Type": true, "Name": true, "Description": true, "Parameters": true, "Strict": true, "Options": true, "Cache": true}
	rt := reflect.TypeFor[abi.ToolDefinition]()
	for i := range rt.NumField() {
		if f := rt.Field(i); !known[f.Name] {
			t.Errorf("abi.ToolDefinition.%s is new: clone it in cloneTools if it may point into the input, and list it here", f.Name)
		}
	}
}
