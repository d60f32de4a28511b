package sandboxtest

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/ollama"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/openai"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/framing"
	"github.com/wasmadapt/wasmadapt/guest"
	"github.com/wasmadapt/wasmadapt/host"
	"github.com/wasmadapt/wasmadapt/host/providertest"
)

// wire is a minimal native adapter for host-level tests: the request's
// model names the stream framing; each chunk becomes a text-delta of its
// data, a chunk "END" is the provider's end marker (a finish event), and a
// stream that ends without it gets a stream_truncated error event, as the
// ABI requires of every adapter.
type wire struct{}

func (wire) Capabilities(model string) abi.Capabilities {
	return abi.Capabilities{Name: "wire", Provider: "wire", Model: model, Auth: abi.Auth{Scheme: abi.AuthNone},
		Features: abi.Features{Streaming: true, ToolCalling: abi.SupportNone, StructuredOutput: abi.SupportNone}}
}

func (wire) Project(req *abi.Request) (*abi.ProviderRequest, error) {
	return &abi.ProviderRequest{Method: "POST", Path: "/wire", StreamFraming: req.Model}, nil
}

func (wire) Transform(in *abi.TransformInput, out *guest.Output) error {
	done := len(in.State) == 1
	for _, c := range in.Chunks {
		if string(c.Data) == "END" {
			done = true
			out.Emit(&abi.Event{Type: abi.EventFinish, Reason: abi.FinishStop, RawReason: "END"})
			continue
		}
		out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: string(c.Data)})
	}
	if in.Flags&abi.FlagEnd != 0 && !done {
		out.Emit(&abi.Event{Type: abi.EventError, Code: abi.CodeStreamTruncated, Message: "no END marker"})
	}
	if done {
		out.SetState([]byte{1})
	} else {
		out.SetState([]byte{0, 0})
	}
	return nil
}

func (wire) ParseResponse(in *abi.ResponseInput, out *guest.Output) error {
	out.Emit(&abi.Event{Type: abi.EventTextDelta, Text: string(in.Body)})
	out.Emit(&abi.Event{Type: abi.EventFinish, Reason: abi.FinishStop})
	return nil
}

func (wire) MapError(in *abi.ResponseInput, out *guest.Output) error {
	out.Emit(&abi.Event{Type: abi.EventError, Code: abi.CodeServerError, Message: "HTTP error"})
	return nil
}

// esMessage is one AWS event-stream event message.
func esMessage(eventType string, payload []byte) []byte {
	return framing.AppendEventStreamMessage(nil, []framing.Header{
		framing.StringHeader(":message-type", "event"), framing.StringHeader(":event-type", eventType),
	}, payload)
}

func compressed(t *testing.T, enc string, n int) []byte {
	t.Helper()
	var b bytes.Buffer
	var w io.WriteCloser
	switch enc {
	case "gzip":
		w, _ = gzip.NewWriterLevel(&b, gzip.BestCompression)
	case "zstd":
		zw, err := zstd.NewWriter(&b, zstd.WithEncoderLevel(zstd.SpeedBestCompression), zstd.WithWindowSize(1<<20))
		if err != nil {
			t.Fatal(err)
		}
		w = zw
	}
	zero := make([]byte, 1<<20)
	for i := 0; i < n; i += len(zero) {
		w.Write(zero)
	}
	w.Close()
	return b.Bytes()
}

// outcome is what one request through the host gave.
type outcome struct {
	events []abi.Event
	err    error
	took   time.Duration
}

func (o outcome) text() string { return eventText(o.events) }

func stream(t *testing.T, client *host.Client, p host.Provider, model string, streaming bool) outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	var o outcome
	for ev, err := range client.Stream(ctx, p, &abi.Request{Model: model, Stream: streaming,
		Messages: []abi.Message{{Role: abi.RoleUser, Content: abi.Text("hi")}}}) {
		if err != nil {
			if o.err == nil {
				o.err = err
			}
			continue
		}
		o.events = append(o.events, ev)
	}
	o.took = time.Since(start)
	for _, e := range o.events {
		if !utf8.ValidString(e.Text) || !utf8.ValidString(e.Message) {
			t.Errorf("event with invalid UTF-8 reached the caller: %q", e.String())
		}
	}
	return o
}

// rawServer serves body with the given Content-Encoding for every request.
func rawServer(body []byte, contentEncoding string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if contentEncoding != "" {
			w.Header().Set("Content-Encoding", contentEncoding)
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.Write(body)
	}))
}

// TestMalformedProviderInput sends malformed provider bytes end to end
// through host.Client: each must end in a clear error code (and the cause
// that explains it), deliver what arrived intact before the fault, never
// panic, and never hand the caller an event with invalid UTF-8.
func TestMalformedProviderInput(t *testing.T) {
	big := strings.Repeat("x", 6<<20)
	overInput := strings.Repeat("z", 10<<20) // over the default module input limit (8 MiB)
	over := strings.Repeat("y", framing.DefaultMaxEventBytes+1)
	goodES := append(esMessage("delta", []byte("a")), esMessage("delta", []byte("END"))...)
	badCRC := bytes.Clone(goodES)
	badCRC[len(esMessage("delta", []byte("a")))-5] ^= 0xff // a payload byte of message 1
	absurd := make([]byte, 12)
	binary.BigEndian.PutUint32(absurd[0:], 0xfffffff0)
	binary.BigEndian.PutUint32(absurd[8:], crc32.ChecksumIEEE(absurd[:8]))
	absurd = append(append(esMessage("delta", []byte("a")), absurd...), make([]byte, 64)...)
	tiny := make([]byte, 12)
	binary.BigEndian.PutUint32(tiny[0:], 5)
	binary.BigEndian.PutUint32(tiny[8:], crc32.ChecksumIEEE(tiny[:8]))

	tests := []struct {
		name      string
		framing   string
		body      []byte
		encoding  string // Content-Encoding of a raw body
		streaming bool
		opts      []providertest.Option
		client    []host.Option
		code      abi.Code // "" = success
		cause     error    // errors.Is(err, cause) when set
		text      string   // the text delivered (before the error)
	}{
		{name: "truncated stream: the connection drops mid-event", framing: abi.FramingSSE, streaming: true,
			body: []byte("data: a\n\ndata: b\n\ndata: END\n\n"), opts: []providertest.Option{providertest.WithDropAfter(14)},
			code: abi.CodeStreamTruncated, text: "a"},
		{name: "missing end marker", framing: abi.FramingSSE, streaming: true,
			body: []byte("data: a\n\ndata: b\n\n"), code: abi.CodeStreamTruncated, text: "ab"},
		{name: "invalid UTF-8 in an event", framing: abi.FramingSSE, streaming: true,
			body: []byte("data: \xff\xfeok\xc3\n\ndata: END\n\n"), text: "\ufffd\ufffdok\ufffd"},
		{name: "a 6 MB single event is delivered whole", framing: abi.FramingSSE, streaming: true,
			body: []byte("data: " + big + "\n\ndata: END\n\n"), text: big},
		{name: "an event over the module's input limit is refused before the module", framing: abi.FramingSSE, streaming: true,
			body: []byte("data: a\n\ndata: " + overInput + "\n\ndata: END\n\n"), code: abi.CodeStreamTruncated, cause: engine.ErrInputTooLarge, text: "a"},
		{name: "an event over the 16 MiB limit", framing: abi.FramingSSE, streaming: true,
			body: []byte("data: a\n\ndata: " + over + "\n\ndata: END\n\n"), code: abi.CodeStreamTruncated, cause: framing.ErrLimit, text: "a"},
		{name: "SSE last line without a newline at EOF", framing: abi.FramingSSE, streaming: true,
			body: []byte("data: a\n\ndata: END"), text: "a"},
		{name: "NDJSON with a broken line", framing: abi.FramingNDJSON, streaming: true,
			body: []byte("\"a\"\n{\"b\":\n\"END\"\n"), code: abi.CodeStreamTruncated, cause: framing.ErrMalformed, text: `"a"`},
		{name: "event-stream frame with a bad CRC", framing: abi.FramingAWSEventStream, streaming: true,
			body: badCRC, code: abi.CodeStreamTruncated, cause: framing.ErrMalformed},
		{name: "event-stream frame with an absurd length", framing: abi.FramingAWSEventStream, streaming: true,
			body: absurd, code: abi.CodeStreamTruncated, cause: framing.ErrLimit, text: "a"},
		{name: "event-stream frame shorter than its prelude", framing: abi.FramingAWSEventStream, streaming: true,
			body: tiny, code: abi.CodeStreamTruncated, cause: framing.ErrMalformed},
		{name: "event-stream intact (control)", framing: abi.FramingAWSEventStream, streaming: true,
			body: goodES, text: "a"},
		{name: "stalled connection", framing: abi.FramingSSE, streaming: true,
			body: []byte("data: a\n\ndata: END\n\n"), opts: []providertest.Option{providertest.WithStall(9)},
			client: []host.Option{host.WithIdleTimeout(300 * time.Millisecond)},
			code:   abi.CodeStreamTruncated, cause: host.ErrIdleTimeout, text: "a"},
		{name: "stalled before the headers", framing: abi.FramingSSE, streaming: true,
			body: []byte("data: a\n\n"), opts: []providertest.Option{providertest.WithHeaderStall()},
			client: []host.Option{host.WithIdleTimeout(300 * time.Millisecond)},
			code:   abi.CodeTimeout, cause: host.ErrIdleTimeout},
		{name: "gzip bomb in a stream", framing: abi.FramingSSE, streaming: true, encoding: "gzip",
			client: []host.Option{host.WithMaxBodyBytes(1 << 20)},
			code:   abi.CodeStreamTruncated, cause: framing.ErrLimit},
		{name: "zstd bomb in a stream", framing: abi.FramingSSE, streaming: true, encoding: "zstd",
			client: []host.Option{host.WithMaxBodyBytes(1 << 20)},
			code:   abi.CodeStreamTruncated, cause: framing.ErrLimit},
		{name: "gzip bomb in a whole response", framing: abi.FramingNone, encoding: "gzip",
			client: []host.Option{host.WithMaxBodyBytes(1 << 20)},
			code:   abi.CodeStreamTruncated, cause: framing.ErrLimit},
		{name: "zstd bomb in a whole response", framing: abi.FramingNone, encoding: "zstd",
			client: []host.Option{host.WithMaxBodyBytes(1 << 20)},
			code:   abi.CodeStreamTruncated, cause: framing.ErrLimit},
		{name: "unknown Content-Encoding", framing: abi.FramingSSE, streaming: true, encoding: "br",
			body: []byte("data: END\n\n"), code: abi.CodeServerError},
	}
	m := engine.NewNative("wire", wire{})
	bombs := map[string][]byte{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var url string
			if tt.encoding != "" {
				body := tt.body
				if body == nil {
					if bombs[tt.encoding] == nil {
						bombs[tt.encoding] = compressed(t, tt.encoding, 64<<20)
					}
					body = bombs[tt.encoding]
				}
				srv := rawServer(body, tt.encoding)
				defer srv.Close()
				url = srv.URL
			} else {
				srv := providertest.NewServer([]providertest.Case{{Name: "c", Framing: tt.framing, Body: tt.body}}, tt.opts...)
				defer srv.Close()
				url = srv.URL
			}
			opts := append([]host.Option{host.WithRetry(host.RetryPolicy{MaxRetries: -1})}, tt.client...)
			client := host.NewClient(opts...)
			o := stream(t, client, host.Provider{Module: m, BaseURL: url}, tt.framing, tt.streaming)
			if tt.code == "" {
				if o.err != nil {
					t.Fatalf("failed: %v", o.err)
				}
			} else {
				if got := abi.CodeOf(o.err); got != tt.code {
					t.Fatalf("got %v (code %q), want %s", o.err, got, tt.code)
				}
				if tt.cause != nil && !errors.Is(o.err, tt.cause) {
					t.Fatalf("%v is not caused by %v", o.err, tt.cause)
				}
			}
			if got := o.text(); got != tt.text {
				if len(got) > 80 || len(tt.text) > 80 {
					t.Fatalf("delivered %d bytes of text, want %d", len(got), len(tt.text))
				}
				t.Fatalf("delivered %q, want %q", got, tt.text)
			}
		})
	}
}

// TestMalformedInputRealAdapters replays damaged bodies through the real
// OpenAI Chat Completions and Ollama adapters (native builds): the same
// codes must come out whichever adapter parses the bytes.
func TestMalformedInputRealAdapters(t *testing.T) {
	chunk := func(content string) string {
		return `data: {"id":"c1","object":"chat.completion.chunk","model":"gpt-4.1-mini","choices":[{"index":0,"delta":{"content":"` + content + `"}}]}` + "\n\n"
	}
	finish := `data: {"id":"c1","object":"chat.completion.chunk","model":"gpt-4.1-mini","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}` + "\n\n"
	tests := []struct {
		name    string
		module  engine.Module
		model   string
		body    string
		opts    []providertest.Option
		code    abi.Code
		cause   error
		wantTxt string
	}{
		{"openai: no [DONE] marker", engine.NewNative("openai", openai.New()), "gpt-4.1-mini",
			chunk("Hel") + chunk("lo") + finish, nil, abi.CodeStreamTruncated, nil, "Hello"},
		{"openai: connection dropped mid-JSON", engine.NewNative("openai", openai.New()), "gpt-4.1-mini",
			chunk("Hel") + chunk("lo") + finish + "data: [DONE]\n\n", []providertest.Option{providertest.WithDropAfter(len(chunk("Hel")) + 20)},
			abi.CodeStreamTruncated, nil, "Hel"},
		// JSON text must be UTF-8 (RFC 8259): the adapter refuses the
		// chunk as malformed provider data.
		{"openai: invalid UTF-8 in content", engine.NewNative("openai", openai.New()), "gpt-4.1-mini",
			chunk("ok") + chunk("a\xffb") + finish + "data: [DONE]\n\n", nil, abi.CodeServerError, nil, "ok"},
		{"openai: intact (control)", engine.NewNative("openai", openai.New()), "gpt-4.1-mini",
			chunk("Hel") + chunk("lo") + finish + "data: [DONE]\n\n", nil, "", nil, "Hello"},
		{"ollama: broken NDJSON line", engine.NewNative("ollama", ollama.New()), "llama3.2",
			`{"model":"llama3.2","message":{"role":"assistant","content":"Hi"},"done":false}` + "\n" + `{"model":"llama3.2","message":` + "\n",
			nil, abi.CodeStreamTruncated, framing.ErrMalformed, "Hi"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fr := abi.FramingSSE
			if tt.module.Name() == "ollama" {
				fr = abi.FramingNDJSON
			}
			srv := providertest.NewServer([]providertest.Case{{Name: "c", Framing: fr, Body: []byte(tt.body)}}, tt.opts...)
			defer srv.Close()
			client := host.NewClient(host.WithRetry(host.RetryPolicy{MaxRetries: -1}))
			o := stream(t, client, host.Provider{Module: tt.module, BaseURL: srv.URL, Credentials: host.StaticKey("k")}, tt.model, true)
			if got := abi.CodeOf(o.err); got != tt.code {
				t.Fatalf("got %v (code %q), want %q; events %v", o.err, got, tt.code, o.events)
			}
			if tt.cause != nil && !errors.Is(o.err, tt.cause) {
				t.Fatalf("%v is not caused by %v", o.err, tt.cause)
			}
			if got := o.text(); got != tt.wantTxt {
				t.Fatalf("delivered %q, want %q", got, tt.wantTxt)
			}
		})
	}
}
