package host_test

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/host"
	"github.com/wasmadapt/wasmadapt/host/internal/toy"
)

// opsServer serves the toy operations: handle answers one request, and
// every request's method and path (with query) is recorded.
type opsServer struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string
}

func newOpsServer(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, body map[string]any)) *opsServer {
	t.Helper()
	s := &opsServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testKey {
			t.Errorf("%s %s without the credential", r.Method, r.URL)
		}
		var body map[string]any
		if r.Body != nil {
			_ = json.NewDecoder(r.Body).Decode(&body)
		}
		s.mu.Lock()
		s.seen = append(s.seen, r.Method+" "+r.URL.RequestURI())
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		handle(w, r, body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *opsServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.seen)
}

func opsProvider(t *testing.T, srv *opsServer) host.Provider {
	m := engine.NewNative("toyops", toy.OpsAdapter{})
	t.Cleanup(func() { m.Close(context.Background()) })
	return host.Provider{Module: m, BaseURL: srv.URL, Credentials: host.StaticKey(testKey)}
}

func b64(fs ...float32) string {
	b := make([]byte, 4*len(fs))
	for i, f := range fs {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return base64.StdEncoding.EncodeToString(b)
}

func TestModelsPagesDetailsAndDiscovery(t *testing.T) {
	srv := newOpsServer(t, func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
		switch r.URL.RequestURI() {
		case "/v1/toy/models":
			w.Write([]byte(`{"models":[{"id":"toy-a","ctx":1000},{"id":"toy-b","incomplete":true}],"next":"p2"}`))
		case "/v1/toy/models?page=p2":
			w.Write([]byte(`{"models":[{"id":"toy-c","ctx":3000}]}`))
		case "/v1/toy/models/toy-b":
			w.Write([]byte(`{"id":"toy-b","ctx":2000}`))
		default:
			w.WriteHeader(404)
		}
	})
	p := opsProvider(t, srv)
	c := host.NewClient()
	ctx := context.Background()
	before, err := c.Capabilities(ctx, p.Module, "toy-b")
	if err != nil || before.Features.Source == abi.SourceDiscovered {
		t.Fatalf("before Models: %+v, %v", before, err)
	}
	models, err := c.Models(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range models {
		ids = append(ids, m.ID)
		if m.Incomplete || m.Capabilities == nil || m.Capabilities.Details.ContextWindow == 0 {
			t.Errorf("model %s is not complete: %+v", m.ID, m)
		}
	}
	if want := []string{"toy-a", "toy-b", "toy-c"}; !slices.Equal(ids, want) {
		t.Errorf("models %v, want %v", ids, want)
	}
	if want := []string{"GET /v1/toy/models", "GET /v1/toy/models?page=p2", "GET /v1/toy/models/toy-b"}; !slices.Equal(srv.requests(), want) {
		t.Errorf("requests %v, want %v", srv.requests(), want)
	}
	after, err := c.Capabilities(ctx, p.Module, "toy-b")
	if err != nil {
		t.Fatal(err)
	}
	if after.Features.Source != abi.SourceDiscovered || after.Details == nil || after.Details.ContextWindow != 2000 {
		t.Errorf("after Models: source %q, details %+v; want discovered with context window 2000", after.Features.Source, after.Details)
	}
}

func TestDiscoveryExpires(t *testing.T) {
	srv := newOpsServer(t, func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
		w.Write([]byte(`{"models":[{"id":"toy-a","ctx":1000}]}`))
	})
	p := opsProvider(t, srv)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := host.NewClient(host.WithDiscoveryTTL(time.Minute), host.WithClock(func() time.Time { return now }))
	ctx := context.Background()
	if _, err := c.Models(ctx, p); err != nil {
		t.Fatal(err)
	}
	caps, _ := c.Capabilities(ctx, p.Module, "toy-a")
	if caps.Features.Source != abi.SourceDiscovered {
		t.Fatalf("source %q right after Models, want discovered", caps.Features.Source)
	}
	now = now.Add(2 * time.Minute)
	caps, _ = c.Capabilities(ctx, p.Module, "toy-a")
	if caps.Features.Source == abi.SourceDiscovered {
		t.Errorf("source still discovered after the TTL")
	}
}

func TestOpsUnsupportedFailsClosed(t *testing.T) {
	srv := newOpsServer(t, func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
		t.Errorf("a request was sent: %s", r.URL)
	})
	p := host.Provider{Module: toyModule(t), BaseURL: srv.URL, Credentials: host.StaticKey(testKey)}
	c := host.NewClient()
	ctx := context.Background()
	_, err1 := c.Models(ctx, p)
	_, err2 := c.Embed(ctx, p, &abi.EmbedRequest{Model: "m", Inputs: []string{"a"}})
	_, err3 := c.CountTokens(ctx, p, streamReq("toy-1"))
	for i, err := range []error{err1, err2, err3} {
		op := abi.Ops()[i]
		if abi.CodeOf(err) != abi.CodeCapabilityUnsupported || !strings.Contains(err.Error(), "toy") || !strings.Contains(err.Error(), op) {
			t.Errorf("%s on a module without operations: %v, want capability_unsupported naming the module and the operation", op, err)
		}
	}
}

func TestEmbedBatchesKeepsOrderAndSumsUsage(t *testing.T) {
	tests := []struct {
		name     string
		encoding string
	}{
		{"float", abi.EncodingFloat},
		{"base64", abi.EncodingBase64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newOpsServer(t, func(w http.ResponseWriter, r *http.Request, body map[string]any) {
				if body["format"] != tt.encoding || body["dims"] != 2.0 {
					t.Errorf("body %v: want format %s, dims 2", body, tt.encoding)
				}
				in := body["input"].([]any)
				type item struct {
					Index int       `json:"index"`
					Vec   []float32 `json:"vec,omitempty"`
					B64   string    `json:"b64,omitempty"`
				}
				var data []item
				// Answer in reverse order: the index places each vector.
				for i := len(in) - 1; i >= 0; i-- {
					f := float32(len(in[i].(string)))
					if tt.encoding == abi.EncodingBase64 {
						data = append(data, item{Index: i, B64: b64(f, -f)})
					} else {
						data = append(data, item{Index: i, Vec: []float32{f, -f}})
					}
				}
				json.NewEncoder(w).Encode(map[string]any{"data": data, "tokens": 10 * len(in)})
			})
			p := opsProvider(t, srv)
			res, err := host.NewClient().Embed(context.Background(), p, &abi.EmbedRequest{Model: "toy-embed",
				Inputs: []string{"a", "bb", "ccc", "dddd", "eeeee"}, Dimensions: 2, Encoding: tt.encoding})
			if err != nil {
				t.Fatal(err)
			}
			if n := len(srv.requests()); n != 3 {
				t.Errorf("%d requests for 5 inputs in batches of 2, want 3", n)
			}
			for i, v := range res.Embeddings {
				if want := (abi.Vector{float32(i + 1), -float32(i + 1)}); !slices.Equal(v, want) {
					t.Errorf("embedding %d = %v, want %v", i, v, want)
				}
			}
			if len(res.Embeddings) != 5 || res.Usage.InputTokens != 50 {
				t.Errorf("%d embeddings, usage %d; want 5 and 50", len(res.Embeddings), res.Usage.InputTokens)
			}
		})
	}
}

func TestEmbedRefusesBadResults(t *testing.T) {
	tests := []struct {
		name, body string
		code       abi.Code
	}{
		{"fewer vectors than inputs", `{"data":[{"index":0,"vec":[1,2]}],"tokens":1}`, abi.CodeAdapterBadOutput},
		{"unequal lengths", `{"data":[{"index":0,"vec":[1,2]},{"index":1,"vec":[1]}],"tokens":1}`, abi.CodeAdapterBadOutput},
		{"not finite", `{"data":[{"index":0,"vec":[1,2]},{"index":1,"b64":"` + b64(1, float32(math.Inf(1))) + `"}],"tokens":1}`, abi.CodeServerError},
		{"empty vector", `{"data":[{"index":0,"vec":[]},{"index":1,"vec":[]}],"tokens":1}`, abi.CodeAdapterBadOutput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newOpsServer(t, func(w http.ResponseWriter, r *http.Request, _ map[string]any) { w.Write([]byte(tt.body)) })
			_, err := host.NewClient().Embed(context.Background(), opsProvider(t, srv), &abi.EmbedRequest{Model: "m", Inputs: []string{"a", "b"}})
			if abi.CodeOf(err) != tt.code {
				t.Errorf("error %v, want %s", err, tt.code)
			}
		})
	}
}

func TestOpsErrorsAndRetries(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	srv := newOpsServer(t, func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		switch {
		case strings.HasPrefix(r.URL.Path, "/v1/toy/count") && n == 1:
			w.WriteHeader(429)
			w.Write([]byte(`{"error":{"message":"slow down"}}`))
		case strings.HasPrefix(r.URL.Path, "/v1/toy/count"):
			w.Write([]byte(`{"n":42}`))
		default:
			w.WriteHeader(401)
			w.Write([]byte(`{"error":{"message":"bad key"}}`))
		}
	})
	p := opsProvider(t, srv)
	sl := &sleeps{}
	c := newClient(sl)
	n, err := c.CountTokens(context.Background(), p, streamReq("toy-1"))
	if err != nil || n != 42 {
		t.Fatalf("CountTokens = %d, %v; want 42 after one retry", n, err)
	}
	if len(sl.get()) != 1 {
		t.Errorf("waits %v, want one retry", sl.get())
	}
	_, err = c.Models(context.Background(), p)
	var ae *abi.Error
	if abi.CodeOf(err) != abi.CodeAuthentication || !asAbi(err, &ae) || ae.Status != 401 || !strings.Contains(ae.Message, "bad key") {
		t.Errorf("Models on 401: %v, want authentication with status 401 and the provider's message", err)
	}
}

func asAbi(err error, ae **abi.Error) bool {
	e, ok := err.(*abi.Error)
	*ae = e
	return ok
}

// TestDiscoveredCapabilitiesGateRequests: after Models, the capability
// gate checks a request against what the provider stated (the toy's list
// says its models read text only), before anything is sent.
func TestDiscoveredCapabilitiesGateRequests(t *testing.T) {
	srv := newOpsServer(t, func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
		if r.URL.Path != "/v1/toy/models" {
			t.Errorf("unexpected request %s", r.URL)
		}
		w.Write([]byte(`{"models":[{"id":"toy-a","ctx":1000}]}`))
	})
	p := opsProvider(t, srv)
	c := host.NewClient()
	ctx := context.Background()
	if _, err := c.Models(ctx, p); err != nil {
		t.Fatal(err)
	}
	req := streamReq("toy-a")
	req.Messages[0].Content = append(req.Messages[0].Content, abi.Part{Type: abi.PartImage, MediaType: "image/png", Data: "AAAA"})
	_, err := c.Generate(ctx, p, req)
	ae := requireCode(t, err, abi.CodeCapabilityUnsupported)
	if !strings.Contains(ae.Message, "reads no images") {
		t.Errorf("message %q: want the discovered modalities named", ae.Message)
	}
	if n := len(srv.requests()); n != 1 {
		t.Errorf("%d requests: the refused chat request was sent", n)
	}
}
