// Package providertest is a loopback mock LLM provider: an HTTP server on
// 127.0.0.1 that replays recorded responses (status, headers, raw body),
// for tests of the host and for demos that must run without an API key.
//
// Cases are usually loaded from a testdata directory with LoadCases, one
// subdirectory per case holding case.json ({"description","status",
// "framing","expect_error"}), request.json, projection.json, body (the raw
// provider response body) and events.jsonl.
//
// Which case answers a request: the case named by the X-Providertest-Case
// header when present (a host.Provider can send it with its Header field); else, with WithSequence, the next case in order;
// else the only case, if there is one; else the case whose projection
// (method, path and JSON body, compared as JSON values) matches the
// request. A request no case matches gets a 404 with a JSON error body
// that lists the cases.
//
// Options shape the replay: WithCuts splits the body at random byte
// boundaries with a flush after each piece, WithDelay slows it, WithStall
// stops sending and holds the connection open, WithDropAfter closes the
// connection mid-body, WithFailures answers the first requests with errors
// (401, 429 with Retry-After, 500...) before the cases, WithGzip
// compresses.
package providertest

import (
	"bytes"
	"compress/gzip"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"
)

// Case is one recorded exchange.
type Case struct {
	// Name is the case's directory name.
	Name string
	// Description says what the case shows.
	Description string
	// Status is the HTTP status to answer with (default 200).
	Status int
	// Header holds extra response headers. Content-Type defaults from
	// Framing.
	Header http.Header
	// Framing is the stream framing of Body ("sse", "ndjson",
	// "aws-eventstream", "none"). LoadCase fills it, when case.json names
	// none, from the projection's stream_framing, else "sse".
	Framing string
	// Body is the raw response body.
	Body []byte
	// Request is the normalized request (request.json), when recorded.
	Request json.RawMessage
	// Projection is the expected provider request (projection.json),
	// used to match requests to cases.
	Projection json.RawMessage
	// Events is the expected events.jsonl, when recorded.
	Events []byte
	// ExpectError is the error code the case expects, if any.
	ExpectError string
}

type caseJSON struct {
	Description string `json:"description"`
	Status      int    `json:"status"`
	Framing     string `json:"framing"`
	ExpectError string `json:"expect_error"`
}

// LoadCase reads the case in dir.
func LoadCase(dir string) (Case, error) {
	c := Case{Name: filepath.Base(dir)}
	b, err := os.ReadFile(filepath.Join(dir, "case.json"))
	if err != nil {
		return c, fmt.Errorf("providertest: case %s: %w", dir, err)
	}
	var cj caseJSON
	if err := json.Unmarshal(b, &cj); err != nil {
		return c, fmt.Errorf("providertest: case %s: case.json: %w", dir, err)
	}
	c.Description, c.Status, c.Framing, c.ExpectError = cj.Description, cj.Status, cj.Framing, cj.ExpectError
	read := func(name string) ([]byte, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return b, err
	}
	if c.Body, err = read("body"); err != nil {
		return c, err
	}
	var req, proj []byte
	if req, err = read("request.json"); err != nil {
		return c, err
	}
	if proj, err = read("projection.json"); err != nil {
		return c, err
	}
	c.Request, c.Projection = req, proj
	if c.Events, err = read("events.jsonl"); err != nil {
		return c, err
	}
	if c.Framing == "" {
		c.Framing = defaultFraming(c.Projection)
	}
	return c, nil
}

// defaultFraming is the framing of a case whose case.json names none: the
// projection's stream_framing, else "sse" (as `wasmrun test` reads cases).
func defaultFraming(projection []byte) string {
	var p struct {
		StreamFraming string `json:"stream_framing"`
	}
	if json.Unmarshal(projection, &p) == nil && p.StreamFraming != "" {
		return p.StreamFraming
	}
	return "sse"
}

// LoadCases reads every case under dir (each subdirectory holding a
// case.json), sorted by name.
func LoadCases(dir string) ([]Case, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("providertest: %w", err)
	}
	var out []Case
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, e.Name(), "case.json")); err != nil {
			continue
		}
		c, err := LoadCase(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Failure is a canned error response served before the cases.
type Failure struct {
	// Status, Header and Body make the response.
	Status int
	Header http.Header
	Body   []byte
}

// Unauthorized is a 401 with a JSON error body.
func Unauthorized() Failure {
	return Failure{Status: 401, Body: []byte(`{"error":{"type":"authentication_error","message":"invalid API key"}}`)}
}

// RateLimited is a 429 with the given Retry-After value (seconds or an
// HTTP date; empty for none).
func RateLimited(retryAfter string) Failure {
	f := Failure{Status: 429, Header: http.Header{}, Body: []byte(`{"error":{"type":"rate_limit_error","message":"rate limit reached"}}`)}
	if retryAfter != "" {
		f.Header.Set("Retry-After", retryAfter)
	}
	return f
}

// ServerError is a 500 with a JSON error body.
func ServerError() Failure {
	return Failure{Status: 500, Body: []byte(`{"error":{"type":"server_error","message":"internal error"}}`)}
}

// Option configures a Server.
type Option func(*Server)

// WithSequence serves the cases in order, one per request; past the last,
// requests get a 410.
func WithSequence() Option { return func(s *Server) { s.sequence = true } }

// WithCuts cuts each body into pieces of 1 to maxPiece bytes at random
// boundaries (seeded, so a seed always gives the same cuts), flushing after
// each piece.
func WithCuts(seed uint64, maxPiece int) Option {
	return func(s *Server) { s.seed, s.maxPiece = seed, max(maxPiece, 1) }
}

// WithDelay sleeps d before each piece of a body (with WithCuts, or before
// the whole body otherwise).
func WithDelay(d time.Duration) Option { return func(s *Server) { s.delay = d } }

// WithStall sends the first n bytes of each 2xx body, then holds the
// connection open without sending anything until the client goes away or
// the server closes.
func WithStall(n int) Option { return func(s *Server) { s.stall = n } }

// WithHeaderStall holds every response before its headers until the
// client goes away or the server closes: a provider that accepted the
// connection and never answers.
func WithHeaderStall() Option { return func(s *Server) { s.headerStall = true } }

// WithTLS serves HTTPS with HTTP/2 enabled (NewServer only). Clients must
// trust the server's certificate: see Server.TLSConfig.
func WithTLS() Option { return func(s *Server) { s.tls = true } }

// WithDropAfter sends the first n bytes of each 2xx body, then closes the
// connection abruptly.
func WithDropAfter(n int) Option { return func(s *Server) { s.drop = n } }

// WithFailures answers the first len(fs) requests with fs, in order,
// before any case is served.
func WithFailures(fs ...Failure) Option {
	return func(s *Server) { s.failures = append(s.failures, fs...) }
}

// WithGzip compresses bodies with gzip when the request accepts it.
func WithGzip() Option { return func(s *Server) { s.gzip = true } }

// WithAuth refuses, with a 401, every request for which ok returns false.
func WithAuth(ok func(r *http.Request) bool) Option { return func(s *Server) { s.auth = ok } }

// Request is a request the server received.
type Request struct {
	// Method, Path, RawQuery, Header and Body are the request's.
	Method   string
	Path     string
	RawQuery string
	Header   http.Header
	Body     []byte
	// Case is the name of the case that answered ("" for a failure or no
	// match).
	Case string
	// Status is the status answered.
	Status int
	// Proto is the HTTP version ("HTTP/1.1", "HTTP/2.0") and RemoteAddr
	// the client's address (one per connection).
	Proto      string
	RemoteAddr string
}

// Server is a running mock provider.
type Server struct {
	// URL is the base URL, http://127.0.0.1:port.
	URL string

	ts       *httptest.Server
	cases    []Case
	sequence bool
	seed     uint64
	maxPiece int
	delay    time.Duration
	stall    int
	drop     int
	gzip     bool
	auth     func(*http.Request) bool
	closing  chan struct{}

	headerStall bool
	tls         bool

	mu       sync.Mutex
	failures []Failure
	next     int
	reqs     []Request
	served   int
	gone     int
}

// Disconnects returns how many responses ended early because the client
// went away (closed the connection or cancelled the request) while the
// server was still sending or stalling.
func (s *Server) Disconnects() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gone
}

func (s *Server) clientGone() {
	s.mu.Lock()
	s.gone++
	s.mu.Unlock()
}

// NewServer starts a server replaying cases on 127.0.0.1.
func NewServer(cases []Case, opts ...Option) *Server {
	s := NewHandler(cases, opts...)
	if s.tls {
		s.ts = httptest.NewUnstartedServer(s)
		s.ts.EnableHTTP2 = true
		s.ts.StartTLS()
	} else {
		s.ts = httptest.NewServer(s)
	}
	s.URL = s.ts.URL
	return s
}

// TLSConfig returns a TLS configuration that trusts the server's
// certificate (nil without WithTLS).
func (s *Server) TLSConfig() *tls.Config {
	if s.ts == nil || s.ts.TLS == nil {
		return nil
	}
	return s.ts.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
}

// NewHandler returns a Server that is not listening: an http.Handler to
// mount on a server of the caller's (a fixed address, a CLI's demo
// provider). Its URL is empty; Close ends stalled responses.
func NewHandler(cases []Case, opts ...Option) *Server {
	s := &Server{cases: cases, closing: make(chan struct{})}
	for _, o := range opts {
		o(s)
	}
	return s
}

// ServeHTTP replays the case that matches r.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.serve(w, r) }

// Close stops the server, ending stalled responses.
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.closing:
	default:
		close(s.closing)
	}
	s.mu.Unlock()
	if s.ts != nil {
		s.ts.CloseClientConnections()
		s.ts.Close()
	}
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

func (s *Server) record(r Request) {
	s.mu.Lock()
	s.reqs = append(s.reqs, r)
	s.mu.Unlock()
}

func writeJSONError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]any{"error": map[string]string{"type": "providertest", "message": msg}})
	w.Write(b)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	rec := Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header.Clone(), Body: body,
		Proto: r.Proto, RemoteAddr: r.RemoteAddr}
	if s.headerStall {
		s.record(rec)
		select {
		case <-r.Context().Done():
			s.clientGone()
		case <-s.closing:
		}
		return
	}
	if s.auth != nil && !s.auth(r) {
		rec.Status = 401
		s.record(rec)
		writeJSONError(w, 401, "invalid API key")
		return
	}
	s.mu.Lock()
	if len(s.failures) > 0 {
		f := s.failures[0]
		s.failures = s.failures[1:]
		s.mu.Unlock()
		rec.Status = f.Status
		s.record(rec)
		for k, v := range f.Header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.Status)
		w.Write(f.Body)
		return
	}
	c, status, msg := s.pick(r, body)
	s.served++
	piecesSeed := s.seed + uint64(s.served)
	s.mu.Unlock()
	if c == nil {
		rec.Status = status
		s.record(rec)
		writeJSONError(w, status, msg)
		return
	}
	rec.Case = c.Name
	rec.Status = c.Status
	if rec.Status == 0 {
		rec.Status = 200
	}
	s.record(rec)
	s.replay(w, r, c, rec.Status, piecesSeed)
}

// pick chooses the case; s.mu is held.
func (s *Server) pick(r *http.Request, body []byte) (*Case, int, string) {
	if name := r.Header.Get("X-Providertest-Case"); name != "" {
		for i := range s.cases {
			if s.cases[i].Name == name {
				return &s.cases[i], 0, ""
			}
		}
		return nil, 404, "no case named " + name
	}
	if s.sequence {
		if s.next >= len(s.cases) {
			return nil, 410, fmt.Sprintf("all %d cases of the sequence were served", len(s.cases))
		}
		s.next++
		return &s.cases[s.next-1], 0, ""
	}
	if len(s.cases) == 1 {
		return &s.cases[0], 0, ""
	}
	var got any
	gotOK := json.Unmarshal(body, &got) == nil
	for i := range s.cases {
		c := &s.cases[i]
		if len(c.Projection) == 0 {
			continue
		}
		var p struct {
			Method string          `json:"method"`
			Path   string          `json:"path"`
			Body   json.RawMessage `json:"body"`
		}
		if json.Unmarshal(c.Projection, &p) != nil {
			continue
		}
		if p.Method != "" && p.Method != r.Method || p.Path != "" && p.Path != r.URL.Path {
			continue
		}
		var want any
		if json.Unmarshal(p.Body, &want) == nil && gotOK && reflect.DeepEqual(want, got) {
			return c, 0, ""
		}
	}
	names := make([]string, len(s.cases))
	for i, c := range s.cases {
		names[i] = c.Name
	}
	return nil, 404, "no recorded case matches " + r.Method + " " + r.URL.Path + " with this body; cases: " + strings.Join(names, ", ")
}

var contentTypes = map[string]string{
	"sse":             "text/event-stream",
	"ndjson":          "application/x-ndjson",
	"aws-eventstream": "application/vnd.amazon.eventstream",
	"none":            "application/json",
}

type flushWriter struct {
	w  io.Writer
	gz *gzip.Writer
	f  http.Flusher
}

func (fw *flushWriter) write(p []byte) error {
	var err error
	if fw.gz != nil {
		_, err = fw.gz.Write(p)
		if err == nil {
			err = fw.gz.Flush()
		}
	} else {
		_, err = fw.w.Write(p)
	}
	if fw.f != nil {
		fw.f.Flush()
	}
	return err
}

func (s *Server) replay(w http.ResponseWriter, r *http.Request, c *Case, status int, seed uint64) {
	for k, v := range c.Header {
		w.Header()[k] = v
	}
	if w.Header().Get("Content-Type") == "" {
		ct := contentTypes[c.Framing]
		if ct == "" || status >= 300 {
			ct = "application/json"
		}
		w.Header().Set("Content-Type", ct)
	}
	fl, _ := w.(http.Flusher)
	fw := &flushWriter{w: w, f: fl}
	if s.gzip && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		w.Header().Set("Content-Encoding", "gzip")
		fw.gz = gzip.NewWriter(w)
		defer fw.gz.Close()
	}
	w.WriteHeader(status)
	if fl != nil {
		fl.Flush()
	}
	body := c.Body
	ok2xx := status >= 200 && status < 300
	limit := len(body)
	stop := ""
	if ok2xx && s.drop > 0 && s.drop < limit {
		limit, stop = s.drop, "drop"
	}
	if ok2xx && s.stall > 0 && s.stall < limit {
		limit, stop = s.stall, "stall"
	}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	for off := 0; off < limit; {
		n := limit - off
		if s.maxPiece > 0 {
			n = min(n, 1+rng.IntN(s.maxPiece))
		}
		if s.delay > 0 && !s.sleep(r, s.delay) {
			return
		}
		if fw.write(body[off:off+n]) != nil {
			s.clientGone()
			return
		}
		off += n
	}
	switch stop {
	case "drop":
		if fw.gz != nil {
			fw.gz.Flush()
		}
		if fl != nil {
			fl.Flush()
		}
		panic(http.ErrAbortHandler) // closes the connection without ending the body
	case "stall":
		select {
		case <-r.Context().Done():
			s.clientGone()
		case <-s.closing:
		}
	}
}

// sleep waits d unless the client goes away or the server closes.
func (s *Server) sleep(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		s.clientGone()
		return false
	case <-s.closing:
		return false
	}
}

// SSE builds an SSE body from (event, data) pairs, for tests that write
// their own cases.
func SSE(pairs ...string) []byte {
	var b bytes.Buffer
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i] != "" {
			b.WriteString("event: " + pairs[i] + "\n")
		}
		for line := range strings.SplitSeq(pairs[i+1], "\n") {
			b.WriteString("data: " + line + "\n")
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}
