// Package gateway serves the adapters over HTTP in the dialects existing
// clients speak: OpenAI Chat Completions (/v1/chat/completions),
// Anthropic Messages (/v1/messages) and OpenAI Responses (/v1/responses),
// the ABI 1.3 operations OpenAI embeddings (/v1/embeddings) and Anthropic
// token counting (/v1/messages/count_tokens), plus /v1/models, /metrics
// (Prometheus), /healthz and /readyz. Each dialect lives in its own
// package (openaiwire, anthropicwire, responseswire) and translates to and
// from the normalized contract only; the adapter modules translate the
// contract to each provider. N inbound dialects and M providers make N + M
// translations, never N x M.
//
// Requests are authenticated with gateway API keys, compared by their
// SHA-256 digest (the configuration never holds a key), and each key may
// use only the public models it lists, within its tenant limits (requests
// and tokens a minute, a token budget; package gateway/limits), which are
// checked before the provider is called and answered over with 429 and
// Retry-After. A public model is a host.Route:
// its targets are tried in order, the capability check runs per target,
// and a target that fails retryably before the first event hands over to
// the next.
package gateway

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/gateway/config"
	"github.com/wasmadapt/wasmadapt/gateway/limits"
	"github.com/wasmadapt/wasmadapt/host"
	"github.com/wasmadapt/wasmadapt/internal/waitctx"
)

// MaxBodyBytes bounds an inbound request body.
const MaxBodyBytes = 8 << 20

// ModuleLoader returns the module a target names: a module name or a path
// to a .wasm file, as written in the configuration.
type ModuleLoader func(ctx context.Context, ref string) (engine.Module, error)

// Options configure New.
type Options struct {
	// Client sends the requests (default host.NewClient with Logger).
	Client *host.Client
	// Loader loads the modules the configuration names (required).
	Loader ModuleLoader
	// Logger receives access and error logs (default slog.Default()).
	// Neither keys nor prompt contents are logged.
	Logger *slog.Logger
	// Getenv reads credential variables (default os.Getenv).
	Getenv func(string) string
	// Now is the clock of the created fields and of the tenant limits
	// (default time.Now).
	Now func() time.Time
	// LimitStore holds the tenant limits' counters (default: Redis when
	// the configuration sets redis:, else memory).
	LimitStore limits.Store
	// Metrics receives the gateway's metrics, served at GET /metrics
	// (default NewMetrics()).
	Metrics *Metrics
	// TracerProvider makes the server span of each model request, the
	// parent of the host's GenAI spans (default the global provider).
	// When New creates the Client, the Client uses it too.
	TracerProvider trace.TracerProvider
}

// Server is the gateway's HTTP handler. Create it with New.
type Server struct {
	client *host.Client
	log    *slog.Logger
	now    func() time.Time
	loader ModuleLoader
	getenv func(string) string
	// mu orders Reload's swap of cur against requests acquiring it.
	mu       sync.RWMutex
	cur      *state
	draining atomic.Bool
	inflight sync.WaitGroup
	mux      *http.ServeMux
	tenants  *tenants
	metrics  *Metrics
	tracer   trace.Tracer
}

// InstrumentationName is the name of the gateway's tracer.
const InstrumentationName = "github.com/wasmadapt/wasmadapt/gateway"

// ConfigError is a configuration that names something the gateway cannot
// use (a module that does not load, a credential file that cannot be
// read).
type ConfigError struct {
	// Line is the line of the offending entry.
	Line int
	// Err is the cause.
	Err error
}

// Error says which line and why.
func (e *ConfigError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// Unwrap returns the cause.
func (e *ConfigError) Unwrap() error { return e.Err }

// New builds a Server from a validated configuration, loading every
// module it names.
func New(ctx context.Context, cfg *config.Config, o Options) (*Server, error) {
	if o.Loader == nil {
		return nil, errors.New("gateway: Options.Loader is required")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.TracerProvider == nil {
		o.TracerProvider = otel.GetTracerProvider()
	}
	if o.Client == nil {
		o.Client = host.NewClient(host.WithLogger(o.Logger), host.WithTracerProvider(o.TracerProvider))
	}
	if o.Metrics == nil {
		o.Metrics = NewMetrics()
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Server{client: o.Client, log: o.Logger, now: o.Now, metrics: o.Metrics, tracer: o.TracerProvider.Tracer(InstrumentationName),
		loader: o.Loader, getenv: o.Getenv}
	st, err := s.load(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s.cur = st
	s.metrics.setModules(st.mods)
	s.tenants = newTenants(cfg, o)
	s.mux = http.NewServeMux()
	s.mux.Handle("GET /metrics", s.metrics.Handler())
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.HandleFunc("GET /v1/models", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Anthropic-Version") != "" {
			s.auth(anthropic, s.listModels)(w, r)
		} else {
			s.auth(openAI, s.listModels)(w, r)
		}
	})
	s.mux.HandleFunc("POST /v1/chat/completions", s.auth(openAI, s.chatCompletions))
	s.mux.HandleFunc("POST /v1/messages", s.auth(anthropic, s.messages))
	s.mux.HandleFunc("POST /v1/responses", s.auth(openAI, s.responses))
	s.mux.HandleFunc("POST /v1/embeddings", s.auth(openAI, s.embeddings))
	s.mux.HandleFunc("POST /v1/messages/count_tokens", s.auth(anthropic, s.countTokens))
	return s, nil
}

// credentials returns the credential source of a target: an environment
// variable read at each call (so a rotated variable takes effect), a
// file's contents read now, a key pool, an OAuth2 token source, or none.
func credentials(ctx context.Context, t config.Target, getenv func(string) string) (host.CredentialSource, error) {
	switch {
	case t.CredentialToken != "":
		// (Google's application-default credentials are found in the
		// process environment, not through getenv.)
		o := host.TokenOptions{TokenURL: t.CredentialTokenURL, Getenv: getenv}
		var src *host.TokenSource
		var err error
		switch t.CredentialToken {
		case "google":
			src, err = host.GoogleCredentials(ctx, nil, o)
		case "azure-entra":
			src, err = host.AzureEntraFromEnv(o)
		default:
			src, err = host.IBMIAMFromEnv(o)
		}
		if err != nil {
			return nil, err
		}
		return src, nil
	case t.CredentialEnv != "":
		name := t.CredentialEnv
		return host.CredentialFunc(func(context.Context) (host.Credential, error) {
			v := getenv(name)
			if v == "" {
				return host.Credential{}, abi.Errorf(abi.CodeAuthentication, "the gateway has no provider credential: %s is not set", name)
			}
			return host.Credential{Key: v}, nil
		}), nil
	case len(t.CredentialEnvs) > 0:
		var keys []string
		for _, n := range t.CredentialEnvs {
			if v := getenv(n); v != "" {
				keys = append(keys, v)
			}
		}
		if len(keys) == 0 {
			return nil, fmt.Errorf("none of credential_envs %v is set", t.CredentialEnvs)
		}
		return host.NewKeyPool(keys...), nil
	case t.CredentialFile != "":
		b, err := os.ReadFile(t.CredentialFile)
		if err != nil {
			return nil, fmt.Errorf("credential_file: %w", err)
		}
		return host.StaticKey(strings.TrimSpace(string(b))), nil
	}
	return nil, nil
}

// FileLoader is the ModuleLoader of modules on disk: a reference ending
// in .wasm or holding a path separator is a file, any other is
// dir/NAME.wasm. Modules load once into eng.
func FileLoader(eng *engine.Engine, dir string) ModuleLoader {
	return func(ctx context.Context, ref string) (engine.Module, error) {
		p := ref
		if !strings.HasSuffix(ref, ".wasm") && !strings.ContainsRune(ref, filepath.Separator) {
			p = filepath.Join(dir, ref+".wasm")
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		name := strings.TrimSuffix(filepath.Base(p), ".wasm")
		return eng.Load(ctx, name, b)
	}
}

// ServeHTTP serves the gateway's endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Drain marks the server as draining: /readyz answers 503 so that load
// balancers stop sending, and new model requests are refused with
// overloaded; requests in flight go on.
func (s *Server) Drain() { s.draining.Store(true) }

// Wait blocks until the model requests in flight have finished or ctx
// ends.
func (s *Server) Wait(ctx context.Context) error { return waitctx.Wait(ctx, &s.inflight) }

func (s *Server) readyz(w http.ResponseWriter, _ *http.Request) {
	if s.draining.Load() {
		http.Error(w, "draining", http.StatusServiceUnavailable)
		return
	}
	io.WriteString(w, "ready\n")
}

// dialect is how a family of endpoints reports errors.
type dialect func(w http.ResponseWriter, status int, e *abi.Error)

type keyCtx struct{}

// authed is what auth puts into a request's context: the gateway key, and
// when the handler got the request (the start of the gateway's own time,
// wasmadapt_gateway_overhead_seconds).
type authed struct {
	key   *config.Key
	start time.Time
}

// auth checks the gateway key: "Authorization: Bearer KEY" or
// "x-api-key: KEY", whichever the dialect's clients send.
func (s *Server) auth(d dialect, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := s.now()
		key := r.Header.Get("X-Api-Key")
		if b, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && key == "" {
			key = strings.TrimSpace(b)
		}
		if key == "" {
			s.log.Info("gateway request refused", slog.String("path", r.URL.Path), slog.String("why", "no key"))
			d(w, http.StatusUnauthorized, abi.Errorf(abi.CodeAuthentication, "missing gateway API key (Authorization: Bearer KEY or x-api-key: KEY)"))
			return
		}
		sum := sha256.Sum256([]byte(key))
		k := s.lookup(sum)
		if k == nil {
			s.log.Info("gateway request refused", slog.String("path", r.URL.Path), slog.String("why", "unknown key"))
			d(w, http.StatusUnauthorized, abi.Errorf(abi.CodeAuthentication, "invalid gateway API key"))
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), keyCtx{}, &authed{key: k, start: start})))
	}
}

// lookup finds the key with the digest, comparing digests in constant
// time.
func (s *Server) lookup(sum [sha256.Size]byte) *config.Key {
	var found *config.Key
	for d, k := range s.state().keys {
		if subtle.ConstantTimeCompare(d[:], sum[:]) == 1 {
			found = k
		}
	}
	return found
}

func keyOf(r *http.Request) *config.Key { return authedOf(r).key }

// handlerStart is when the handler got r (before its key was checked).
func handlerStart(r *http.Request) time.Time { return authedOf(r).start }

func authedOf(r *http.Request) *authed {
	if a, ok := r.Context().Value(keyCtx{}).(*authed); ok {
		return a
	}
	return &authed{}
}

// listModels lists the public models the key may use, in Anthropic's
// shape for a client that sends anthropic-version, else in OpenAI's.
func (s *Server) listModels(w http.ResponseWriter, r *http.Request) {
	k := keyOf(r)
	var allowed []string
	for _, m := range s.state().models {
		if k.Allows(m) {
			allowed = append(allowed, m)
		}
	}
	if r.Header.Get("Anthropic-Version") != "" {
		type model struct {
			Type        string `json:"type"`
			ID          string `json:"id"`
			DisplayName string `json:"display_name"`
			CreatedAt   string `json:"created_at"`
		}
		out := struct {
			Data    []model `json:"data"`
			HasMore bool    `json:"has_more"`
			FirstID *string `json:"first_id"`
			LastID  *string `json:"last_id"`
		}{Data: []model{}}
		for _, m := range allowed {
			out.Data = append(out.Data, model{Type: "model", ID: m, DisplayName: m, CreatedAt: "1970-01-01T00:00:00Z"})
		}
		if n := len(allowed); n > 0 {
			out.FirstID, out.LastID = &allowed[0], &allowed[n-1]
		}
		writeJSON(w, out)
		return
	}
	type model struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		Created int64  `json:"created"`
		OwnedBy string `json:"owned_by"`
	}
	out := struct {
		Object string  `json:"object"`
		Data   []model `json:"data"`
	}{Object: "list", Data: []model{}}
	for _, m := range allowed {
		out.Data = append(out.Data, model{ID: m, Object: "model", OwnedBy: "wasmadapt"})
	}
	writeJSON(w, out)
}
