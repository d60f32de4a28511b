package chatcompletions

import (
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/guest/jsonx"
)

func TestCitations(t *testing.T) {
	tests := []struct {
		name           string
		doc            string
		finished, once bool
		want           []string // "url|title" per source event
	}{
		{"citations only", `{"citations":["https://a.example/","https://b.example/"]}`, true, true, []string{"https://a.example/|", "https://b.example/|"}},
		{"titled from search results, uncited result last", `{"citations":["https://b.example/"],"search_results":[{"title":"A","url":"https://a.example/"},{"title":"B","url":"https://b.example/","date":null}]}`, true, true,
			[]string{"https://b.example/|B", "https://a.example/|A"}},
		{"duplicates and bad entries skipped", `{"citations":["https://a.example/",7,"","https://a.example/"],"search_results":[{"title":"no url"},"x",{"url":"https://a.example/"}]}`, true, true, []string{"https://a.example/|"}},
		{"not finished", `{"citations":["https://a.example/"]}`, false, true, nil},
		{"already emitted", `{"citations":["https://a.example/"]}`, true, false, nil},
		{"no fields", `{"id":"x"}`, true, true, nil},
		{"null fields", `{"citations":null,"search_results":null}`, true, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			err := Citations(jsonx.Doc([]byte(tt.doc), nil), tt.finished, tt.once, func(ev *abi.Event) {
				if ev.Type != abi.EventSource || ev.Kind != abi.SourceKindURL || ev.ID != ev.URL {
					t.Errorf("event %+v", ev)
				}
				got = append(got, ev.URL+"|"+ev.Title)
			})
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestChunkHookOnce checks that a Chunk hook's once flag survives the
// transform state: sources repeated on every chunk come once per stream.
func TestChunkHookOnce(t *testing.T) {
	d := &Dialect{Name: "t", Version: "1.0.0", Provider: "t", Chunk: Citations}
	chunk := func(delta, finish string) abi.Chunk {
		return abi.Chunk{Data: []byte(`{"id":"r","citations":["https://a.example/"],"choices":[{"index":0,"delta":` + delta + `,"finish_reason":` + finish + `}]}`)}
	}
	var state []byte
	sources := 0
	for _, c := range []abi.Chunk{chunk(`{"content":"a"}`, "null"), chunk(`{}`, `"stop"`), chunk(`{}`, "null"), {Data: []byte("[DONE]")}} {
		var out guest.Output
		if err := d.Transform(&abi.TransformInput{State: state, Chunks: []abi.Chunk{c}}, &out); err != nil {
			t.Fatal(err)
		}
		sources += strings.Count(string(out.Events()), `"type":"source"`)
		state = append([]byte(nil), out.State()...)
	}
	if sources != 1 {
		t.Errorf("%d source events, want 1", sources)
	}
}
