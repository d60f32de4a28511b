package framing

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

func TestNDJSON(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty body", "", nil},
		{"one line", "{\"a\":1}\n", []string{`{"a":1}`}},
		{"two lines", "{\"a\":1}\n{\"b\":2}\n", []string{`{"a":1}`, `{"b":2}`}},
		{"CRLF", "{\"a\":1}\r\n{\"b\":2}\r\n", []string{`{"a":1}`, `{"b":2}`}},
		{"last line without newline", "{\"a\":1}\n{\"b\":2}", []string{`{"a":1}`, `{"b":2}`}},
		{"blank lines skipped", "\n\n{\"a\":1}\n\r\n  \t \n{\"b\":2}\n\n", []string{`{"a":1}`, `{"b":2}`}},
		{"surrounding whitespace trimmed", "  {\"a\": 1} \t\r\n", []string{`{"a": 1}`}},
		{"any JSON value", "1\n\"s\"\n[1,2]\nnull\ntrue\n", []string{"1", `"s"`, "[1,2]", "null", "true"}},
		{"newline escaped inside a string", "{\"t\":\"a\\nb\"}\n", []string{`{"t":"a\nb"}`}},
		{"Ollama chat lines", "{\"model\":\"llama3\",\"message\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"done\":false}\n{\"model\":\"llama3\",\"done\":true,\"eval_count\":3}\n",
			[]string{`{"model":"llama3","message":{"role":"assistant","content":"Hi"},"done":false}`, `{"model":"llama3","done":true,"eval_count":3}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for seed, r := range seededReaders([]byte(tt.in), 10, 4) {
				got, err := collect(t, NDJSON(r, Options{}))
				if err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
				var data []string
				for _, c := range got {
					if c.Event != "" {
						t.Errorf("NDJSON chunk with event %q", c.Event)
					}
					data = append(data, c.Data)
				}
				if !reflect.DeepEqual(data, tt.want) {
					t.Fatalf("seed %d: got %q, want %q", seed, data, tt.want)
				}
			}
		})
	}
}

func TestNDJSONErrors(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		max      int
		want     []string // chunks before the error
		cause    error
		contains string
	}{
		{"broken line", "{\"a\":1}\n{\"b\":\n{\"c\":3}\n", 0, []string{`{"a":1}`}, ErrMalformed, "line 2"},
		{"line cut at EOF", "{\"a\":1}\n{\"b\":2", 0, []string{`{"a":1}`}, ErrMalformed, "line 2"},
		{"two values on a line", "{\"a\":1}{\"b\":2}\n", 0, nil, ErrMalformed, "line 1"},
		{"not JSON at all", "hello\n", 0, nil, ErrMalformed, "\"hello\""},
		{"SSE given to NDJSON", "data: {}\n\n", 0, nil, ErrMalformed, "line 1"},
		{"JSON array streamed without NDJSON", "[{\"a\":1}\n,\r\n{\"b\":2}\n]", 0, nil, ErrMalformed, "line 1"},
		{"line over the limit", "{\"a\":1}\n{\"b\":\"0123456789\"}\n", 12, []string{`{"a":1}`}, ErrLimit, "MaxEventBytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for seed, r := range seededReaders([]byte(tt.in), 10, 3) {
				got, err := collect(t, NDJSON(r, Options{MaxEventBytes: tt.max}))
				var data []string
				for _, c := range got {
					data = append(data, c.Data)
				}
				if !reflect.DeepEqual(data, tt.want) {
					t.Fatalf("seed %d: got %q, want %q", seed, data, tt.want)
				}
				wantCode(t, err, abi.CodeStreamTruncated, tt.cause)
				if !strings.Contains(err.Error(), tt.contains) {
					t.Errorf("error %q does not contain %q", err, tt.contains)
				}
			}
		})
	}
}

func TestNDJSONReadError(t *testing.T) {
	r := &errReader{b: []byte("{\"a\":1}\n{\"b\""), err: context.DeadlineExceeded}
	got, err := collect(t, NDJSON(r, Options{}))
	if want := []rec{{"", `{"a":1}`}}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	wantCode(t, err, abi.CodeStreamTruncated, context.DeadlineExceeded)
}

// TestNDJSONSplitProperty: random bodies of JSON lines, blank lines and
// garbage give the same chunks and error whatever the read sizes.
func TestNDJSONSplitProperty(t *testing.T) {
	pieces := []string{`{"a":1}`, `[1,2]`, `"x"`, "\n", "\r\n", " ", "\t", "{", "}", `"`, "\r", "é"}
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 2000 {
		var b []byte
		for range rng.IntN(30) {
			b = append(b, pieces[rng.IntN(len(pieces))]...)
		}
		whole, werr := collect(t, NDJSON(bytes.NewReader(b), Options{MaxEventBytes: 24}))
		for _, c := range whole {
			if !json.Valid([]byte(c.Data)) || c.Data != strings.TrimSpace(c.Data) {
				t.Fatalf("case %d %q: chunk %q is not a trimmed JSON value", i, b, c.Data)
			}
		}
		for seed := range uint64(4) {
			got, err := collect(t, NDJSON(newRandReader(b, uint64(i)*5+seed, 3), Options{MaxEventBytes: 24}))
			if !reflect.DeepEqual(got, whole) || errSig(err) != errSig(werr) {
				t.Fatalf("case %d %q seed %d: got %q, %v; whole %q, %v", i, b, seed, got, err, whole, werr)
			}
		}
	}
}

// TestNDJSONChunkFixtures frames the shared *.chunks.txt fixtures (real
// event payloads, one JSON object per line, most without a final newline)
// and checks every line comes back.
func TestNDJSONChunkFixtures(t *testing.T) {
	for _, f := range chunkFixtures(t) {
		want := f.lines()
		got, err := collect(t, NDJSON(newRandReader(f.data, 9, 64), Options{}))
		if err != nil || len(got) != len(want) {
			t.Fatalf("%s: got %d lines, %v; want %d", f.name, len(got), err, len(want))
		}
		for i := range got {
			if got[i].Data != want[i] {
				t.Fatalf("%s: line %d: got %q, want %q", f.name, i+1, got[i].Data, want[i])
			}
		}
	}
}

// TestNDJSONOllamaRecordings reads the real Ollama NDJSON responses of the
// shared httprr traces through net/http (which undoes their chunked
// transfer encoding) and frames them: every line is a JSON object and the
// last one says "done": true.
func TestNDJSONOllamaRecordings(t *testing.T) {
	n := 0
	for _, fx := range readFixtures(t, filepath.Join(recordingsDir(t, "ollama"), "*.httprr")) {
		f := fx.name
		types, _, raw := httprrBodies(t, fx.data)
		for i := range raw {
			if types[i] != "application/x-ndjson" {
				continue
			}
			n++
			resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(raw[i])), nil)
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			got, err := collect(t, NDJSON(resp.Body, Options{}))
			resp.Body.Close()
			if err != nil || len(got) < 2 {
				t.Fatalf("%s: %d lines, %v", f, len(got), err)
			}
			for j, c := range got {
				var v struct{ Done bool }
				if err := json.Unmarshal([]byte(c.Data), &v); err != nil {
					t.Fatalf("%s: line %d: %v", f, j+1, err)
				}
				if v.Done != (j == len(got)-1) {
					t.Errorf("%s: line %d of %d has done=%v", f, j+1, len(got), v.Done)
				}
			}
		}
	}
	if n == 0 {
		t.Skip("no NDJSON responses in the Ollama traces")
	}
	t.Logf("%d NDJSON bodies framed", n)
}
