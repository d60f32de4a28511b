package host_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/host"
	"github.com/wasmadapt/wasmadapt/host/providertest"
	"github.com/wasmadapt/wasmadapt/host/sigv4"
)

func TestCapabilityCheck(t *testing.T) {
	img := []abi.Message{{Role: abi.RoleUser, Content: []abi.Part{{Type: abi.PartImage, URL: "https://x/y.png"}}}}
	tests := []struct {
		name  string
		model string
		edit  func(r *abi.Request)
		opts  []host.CallOption
		want  string // substring of the capability_unsupported message; "" = allowed
	}{
		{"stream without streaming", "toy-nostream", func(r *abi.Request) {}, nil, "does not stream"},
		{"stream downgraded", "toy-nostream", func(r *abi.Request) {}, []host.CallOption{host.AllowDowngrade(host.StreamToGenerate)}, ""},
		{"tools without tool calling", "toy-notools", withTool, nil, "no tool calling"},
		{"tools with tool calling", "toy-1", withTool, nil, ""},
		{"json_schema without structured output", "toy-basic", func(r *abi.Request) {
			r.ResponseFormat = &abi.ResponseFormat{Type: "json_schema", Name: "x", Schema: json.RawMessage(`{}`)}
		}, nil, "no structured output"},
		{"reasoning on a non-reasoning model", "toy-basic", func(r *abi.Request) { r.Reasoning = &abi.Reasoning{BudgetTokens: intp(100)} }, nil, "not a reasoning model"},
		{"reasoning dropped", "toy-basic", func(r *abi.Request) { r.Reasoning = &abi.Reasoning{Effort: "low"} }, []host.CallOption{host.AllowDowngrade(host.DropReasoning)}, ""},
		{"images without vision", "toy-basic", func(r *abi.Request) { r.Messages = img }, nil, "no vision"},
		{"images with vision", "toy-1", func(r *abi.Request) { r.Messages = img }, nil, ""},
	}
	m := toyModule(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := providertest.NewServer([]providertest.Case{
				{Name: "s", Framing: "sse", Body: toyStream},
			})
			defer srv.Close()
			req := streamReq(tt.model)
			tt.edit(req)
			var reqsSeen int
			srv2 := providertest.NewServer([]providertest.Case{{Name: "w", Framing: "none", Body: []byte(`{"id":"r","model":"m","text":"ok","finish":"stop"}`)}})
			defer srv2.Close()
			target := srv
			if tt.model == "toy-nostream" {
				target = srv2
			}
			_, err := collect(newClient(nil).Stream(context.Background(), provider(m, target), req, tt.opts...))
			reqsSeen = len(target.Requests())
			if tt.want == "" {
				if err != nil {
					t.Fatalf("err = %v, want the request allowed", err)
				}
				if reqsSeen != 1 {
					t.Fatalf("requests = %d", reqsSeen)
				}
				return
			}
			ae := requireCode(t, err, abi.CodeCapabilityUnsupported)
			if !strings.Contains(ae.Message, tt.want) {
				t.Errorf("message %q does not say %q", ae.Message, tt.want)
			}
			if reqsSeen != 0 {
				t.Errorf("%d requests sent: the capability check must refuse before any byte is sent", reqsSeen)
			}
		})
	}
}

func TestStreamToGenerateSendsNonStreamed(t *testing.T) {
	srv := providertest.NewServer([]providertest.Case{{Name: "w", Framing: "none", Body: []byte(`{"id":"r","model":"m","text":"ok","finish":"stop"}`)}})
	defer srv.Close()
	var downgrades []host.Downgrade
	obs := host.ObserverFunc(func(ctx context.Context, e host.StepEvent) {
		if e.Kind == host.KindDowngrade {
			downgrades = append(downgrades, e.Downgrade)
		}
	})
	evs, err := collect(host.NewClient(host.WithObserver(obs)).Stream(context.Background(), provider(toyModule(t), srv), streamReq("toy-nostream"), host.AllowDowngrade(host.StreamToGenerate)))
	if err != nil || !hasFinish(evs) {
		t.Fatalf("err %v events %v", err, evs)
	}
	if body := string(srv.Requests()[0].Body); !strings.Contains(body, `"stream":false`) {
		t.Errorf("body = %s", body)
	}
	if len(downgrades) != 1 || downgrades[0] != host.StreamToGenerate {
		t.Errorf("observed downgrades = %v", downgrades)
	}
}

// authModule overrides the auth scheme a module declares.
type authModule struct {
	engine.Module
	auth abi.Auth
}

func (a authModule) Capabilities(ctx context.Context, model string) (*abi.Capabilities, error) {
	c, err := a.Module.Capabilities(ctx, model)
	if err != nil {
		return nil, err
	}
	cc := *c
	cc.Auth = a.auth
	return &cc, nil
}

func TestCredentialInjection(t *testing.T) {
	m := toyModule(t)
	tests := []struct {
		name  string
		auth  abi.Auth
		creds host.CredentialSource
		check func(t *testing.T, r providertest.Request)
	}{
		{"bearer", abi.Auth{Scheme: abi.AuthBearer}, host.StaticKey(testKey), func(t *testing.T, r providertest.Request) {
			if r.Header.Get("Authorization") != "Bearer "+testKey {
				t.Errorf("Authorization = %q", r.Header.Get("Authorization"))
			}
		}},
		{"header", abi.Auth{Scheme: abi.AuthHeader, Name: "x-api-key"}, host.StaticKey(testKey), func(t *testing.T, r providertest.Request) {
			if r.Header.Get("X-Api-Key") != testKey || r.Header.Get("Authorization") != "" {
				t.Errorf("headers = %v", r.Header)
			}
		}},
		{"header with prefix", abi.Auth{Scheme: abi.AuthHeader, Name: "Authorization", Prefix: "Token "}, host.StaticKey(testKey), func(t *testing.T, r providertest.Request) {
			if r.Header.Get("Authorization") != "Token "+testKey {
				t.Errorf("Authorization = %q", r.Header.Get("Authorization"))
			}
		}},
		{"query", abi.Auth{Scheme: abi.AuthQuery, Name: "key"}, host.StaticKey(testKey), func(t *testing.T, r providertest.Request) {
			q, _ := url.ParseQuery(r.RawQuery)
			if q.Get("key") != testKey || r.Header.Get("Authorization") != "" {
				t.Errorf("query = %q", r.RawQuery)
			}
		}},
		{"none", abi.Auth{Scheme: abi.AuthNone}, nil, func(t *testing.T, r providertest.Request) {
			if r.Header.Get("Authorization") != "" || r.RawQuery != "" {
				t.Errorf("credentials sent: %v %q", r.Header, r.RawQuery)
			}
		}},
		{"aws-sigv4", abi.Auth{Scheme: abi.AuthAWSSigV4, Service: "bedrock"}, host.StaticAWS("AKIDEXAMPLE", "secret", "tok"), func(t *testing.T, r providertest.Request) {
			a := r.Header.Get("Authorization")
			if !strings.HasPrefix(a, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260102/eu-west-1/bedrock/aws4_request, SignedHeaders=") ||
				r.Header.Get("X-Amz-Security-Token") != "tok" || r.Header.Get("X-Amz-Date") != "20260102T030405Z" {
				t.Errorf("sigv4 headers = %v", r.Header)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := providertest.NewServer([]providertest.Case{sseCase("full", toyStream)})
			defer srv.Close()
			p := host.Provider{Module: authModule{m, tt.auth}, BaseURL: srv.URL, Credentials: tt.creds, Region: "eu-west-1"}
			c := host.NewClient(host.WithClock(func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }))
			if _, err := collect(c.Stream(context.Background(), p, streamReq("toy-1"))); err != nil {
				t.Fatal(err)
			}
			r := srv.Requests()[0]
			tt.check(t, r)
			if strings.Contains(string(r.Body), testKey) {
				t.Error("the key leaked into the body")
			}
		})
	}
}

func TestSigV4SignatureVerifiesServerSide(t *testing.T) {
	m := toyModule(t)
	srv := providertest.NewServer([]providertest.Case{sseCase("full", toyStream)})
	defer srv.Close()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	p := host.Provider{Module: authModule{m, abi.Auth{Scheme: abi.AuthAWSSigV4, Service: "bedrock"}}, BaseURL: srv.URL,
		Credentials: host.StaticAWS("AKID", "SECRET", ""), Region: "us-east-1"}
	c := host.NewClient(host.WithClock(func() time.Time { return now }))
	if _, err := collect(c.Stream(context.Background(), p, streamReq("toy-1"))); err != nil {
		t.Fatal(err)
	}
	r := srv.Requests()[0]
	// Re-sign what the server received, with the headers the client signed.
	got := r.Header.Get("Authorization")
	i := strings.Index(got, "SignedHeaders=")
	signed := strings.Split(strings.SplitN(got[i+len("SignedHeaders="):], ",", 2)[0], ";")
	u, _ := url.Parse(srv.URL + r.Path)
	u.RawQuery = r.RawQuery
	req, _ := http.NewRequest(r.Method, u.String(), nil)
	for _, h := range signed {
		if h != "host" && h != "x-amz-date" {
			req.Header.Set(h, r.Header.Get(h))
		}
	}
	if err := (sigv4.Signer{Region: "us-east-1", Service: "bedrock"}).Sign(req, sigv4.PayloadHash(r.Body), sigv4.Credentials{AccessKeyID: "AKID", SecretAccessKey: "SECRET"}, now); err != nil {
		t.Fatal(err)
	}
	if want := req.Header.Get("Authorization"); want != got {
		t.Errorf("signature does not verify\n got %s\nwant %s", got, want)
	}
}

func TestCheckCapabilitiesDirect(t *testing.T) {
	caps := &abi.Capabilities{Name: "m", Features: abi.Features{Streaming: true, ToolCalling: abi.SupportNone, StructuredOutput: abi.SupportJSONMode}}
	req := &abi.Request{Model: "x", ResponseFormat: &abi.ResponseFormat{Type: "json_schema"}}
	if out, applied, err := host.CheckCapabilities(caps, req); err != nil || out != req || applied != nil {
		t.Fatalf("json_mode model: %v %v %v", out, applied, err)
	}
	req2 := &abi.Request{Model: "x", ToolChoice: &abi.ToolChoice{Mode: abi.ToolChoiceRequired}}
	if _, _, err := host.CheckCapabilities(caps, req2); !errors.Is(err, abi.ErrCapabilityUnsupported) {
		t.Fatalf("tool_choice required without tool calling: err = %v", err)
	}
}
