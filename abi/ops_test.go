package abi

import (
	"encoding/base64"
	"encoding/binary"
	"math"
	"testing"
)

func TestDecodeOpResult(t *testing.T) {
	inf := make([]byte, 8)
	binary.LittleEndian.PutUint32(inf, math.Float32bits(1))
	binary.LittleEndian.PutUint32(inf[4:], math.Float32bits(float32(math.Inf(1))))
	nan := make([]byte, 4)
	binary.LittleEndian.PutUint32(nan, math.Float32bits(float32(math.NaN())))
	embed := func(req string) *OpCall { return &OpCall{Op: OpEmbed, Request: []byte(req)} }
	two := embed(`{"model":"m","inputs":["a","b"]}`)
	tests := []struct {
		name    string
		call    *OpCall
		payload string
		ok      bool
	}{
		{"embed numbers", two, `{"embeddings":[[1,2],[3,4]],"usage":{"input_tokens":3}}`, true},
		{"embed base64", two, `{"embeddings":["AACAPwAAAEA=",[3,4]],"usage":{"input_tokens":3}}`, true},
		{"embed infinity in base64", two, `{"embeddings":["` + base64.StdEncoding.EncodeToString(inf) + `",[3,4]]}`, false},
		{"embed NaN in base64", embed(`{"model":"m","inputs":["a"]}`), `{"embeddings":["` + base64.StdEncoding.EncodeToString(nan) + `"]}`, false},
		{"embed float32 overflow", embed(`{"model":"m","inputs":["a"]}`), `{"embeddings":[[1e39]]}`, false},
		{"embed base64 not whole floats", embed(`{"model":"m","inputs":["a"]}`), `{"embeddings":["AAA="]}`, false},
		{"embed too few", two, `{"embeddings":[[1,2]]}`, false},
		{"embed wrong dimensions", embed(`{"model":"m","inputs":["a"],"dimensions":3}`), `{"embeddings":[[1,2]]}`, false},
		{"embed negative usage", embed(`{"model":"m","inputs":["a"]}`), `{"embeddings":[[1]],"usage":{"input_tokens":-1}}`, false},
		{"models", &OpCall{Op: OpModels}, `{"models":[{"id":"a"},{"id":"b","incomplete":true}],"next_page":"x"}`, true},
		{"models without array", &OpCall{Op: OpModels}, `{}`, false},
		{"models empty id", &OpCall{Op: OpModels}, `{"models":[{"id":""}]}`, false},
		{"models negative window", &OpCall{Op: OpModels}, `{"models":[{"id":"a","capabilities":{"details":{"context_window":-1}}}]}`, false},
		{"count", &OpCall{Op: OpCountTokens}, `{"input_tokens":12}`, true},
		{"count missing", &OpCall{Op: OpCountTokens}, `{}`, false},
		{"count fraction", &OpCall{Op: OpCountTokens}, `{"input_tokens":1.5}`, false},
		{"count negative", &OpCall{Op: OpCountTokens}, `{"input_tokens":-3}`, false},
		{"count not an object", &OpCall{Op: OpCountTokens}, `[]`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeOpResult(tt.call, []byte(tt.payload))
			if tt.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tt.ok && CodeOf(err) != CodeAdapterBadOutput {
				t.Fatalf("error %v, want adapter_bad_output", err)
			}
		})
	}
}

// TestSplitProjection: DecodeSplitProjection returns the head and body
// AppendSplitProjection wrote, and refuses a payload that is not a split
// projection or whose head length runs past it.
func TestSplitProjection(t *testing.T) {
	for _, c := range []struct{ head, body string }{
		{`{"method":"POST","path":"/x","stream_framing":"sse"}`, `{"a": 1}`},
		{`{}`, ``},
		{``, `[1]`},
	} {
		p := AppendSplitProjection([]byte("prefix"), []byte(c.head), []byte(c.body))
		head, body, err := DecodeSplitProjection(p[len("prefix"):])
		if err != nil || string(head) != c.head || string(body) != c.body {
			t.Errorf("%q, %q: decoded %q, %q, %v", c.head, c.body, head, body, err)
		}
	}
	for _, p := range []string{"", "\x01", "\x01\x00\x00\x00", "{}", "\x02\x00\x00\x00\x00", "\x01\x03\x00\x00\x00{}", "\x01\xff\xff\xff\xff"} {
		if _, _, err := DecodeSplitProjection([]byte(p)); err != ErrEnvelope {
			t.Errorf("%q: error %v, want ErrEnvelope", p, err)
		}
	}
}

// TestTapedRequest: DecodeTapedRequest returns the request and the tape
// AppendTapedRequest wrote; a request without a tape leaves dst as it was;
// a malformed taped request is ErrEnvelope.
func TestTapedRequest(t *testing.T) {
	for _, req := range []string{`{"model":"m","messages":[{"role":"user","content":"hi"}]}`, `{}`, ` [1, "a"] `} {
		p, ok := AppendTapedRequest([]byte("prefix"), []byte(req))
		if !ok {
			t.Fatalf("%q: no taped request", req)
		}
		got, tape, err := DecodeTapedRequest(p[len("prefix"):])
		want, _ := AppendTape(nil, []byte(req))
		if err != nil || string(got) != req || string(tape) != string(want) || !CheckTape(tape, len(got)) {
			t.Errorf("%q: decoded %q, tape %x, %v; want tape %x", req, got, tape, err, want)
		}
	}
	for _, req := range []string{``, `{`, `{"a":1}x`, "\"\xff\""} {
		if p, ok := AppendTapedRequest([]byte("prefix"), []byte(req)); ok || string(p) != "prefix" {
			t.Errorf("%q: taped as %q, %v; want no tape and dst unchanged", req, p, ok)
		}
	}
	for _, p := range []string{"", "\x01", "{}", "\x01\x03\x00\x00\x00{}", "\x01\xff\xff\xff\xff"} {
		if _, _, err := DecodeTapedRequest([]byte(p)); err != ErrEnvelope {
			t.Errorf("%q: error %v, want ErrEnvelope", p, err)
		}
	}
}
