package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/gateway/anthropicwire"
	"github.com/wasmadapt/wasmadapt/gateway/config"
	"github.com/wasmadapt/wasmadapt/gateway/openaiwire"
	"github.com/wasmadapt/wasmadapt/host"
)

func openAI(w http.ResponseWriter, status int, e *abi.Error) { openaiwire.WriteError(w, status, e) }

func anthropic(w http.ResponseWriter, status int, e *abi.Error) {
	anthropicwire.WriteError(w, status, e)
}

func writeJSON(w http.ResponseWriter, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

// Status is the HTTP status the gateway answers an error with. Errors of
// the request itself keep their 4xx status; an upstream provider that
// rejects the gateway's own credentials or model (authentication,
// permission, not_found from a target) is the gateway's fault towards its
// client, so a 502; overloaded is 529 in the Anthropic dialect (its
// convention) and 503 otherwise.
func Status(c abi.Code, anthropicDialect bool) int {
	switch c {
	case abi.CodeInvalidRequest, abi.CodeContextLengthExceeded, abi.CodeCapabilityUnsupported,
		abi.CodeSchemaUnsupported, abi.CodeContentFilter:
		return http.StatusBadRequest
	case abi.CodeRateLimited:
		return http.StatusTooManyRequests
	case abi.CodeOverloaded:
		if anthropicDialect {
			return 529
		}
		return http.StatusServiceUnavailable
	case abi.CodeUnavailable:
		return http.StatusServiceUnavailable
	case abi.CodeTimeout, abi.CodeAdapterTimeout:
		return http.StatusGatewayTimeout
	}
	return http.StatusBadGateway
}

// encoder is a dialect's streamed answer.
type encoder interface {
	Event(*abi.Event) error
	End() error
	Fail(*abi.Error) error
}

// call is one model request on its way through the gateway.
type call struct {
	dialect   dialect
	anthropic bool
	req       *abi.Request
	stream    func(w io.Writer, flush func()) encoder
	whole     func(*host.Response) []byte
	// size is the request body's length (for the token estimate).
	size int
	// approvals: the dialect carries a provider's approval requests
	// (ABI 1.3 approval-request events); in any other an approval
	// request fails the call with capability_unsupported.
	approvals bool
}

func (s *Server) chatCompletions(w http.ResponseWriter, r *http.Request) {
	var opt openaiwire.Options
	req, size, ok := decodeBody(w, r, openAI, func(body []byte) (req *abi.Request, err error) {
		req, opt, err = openaiwire.DecodeRequest(body)
		return req, err
	})
	if !ok {
		return
	}
	public, now := req.Model, s.now()
	s.serve(w, r, &call{dialect: openAI, req: req, size: size,
		stream: func(w io.Writer, flush func()) encoder { return openaiwire.NewStream(w, flush, public, opt, now) },
		whole:  func(resp *host.Response) []byte { return openaiwire.Completion(resp, public, now) },
	})
}

func (s *Server) messages(w http.ResponseWriter, r *http.Request) {
	req, size, ok := decodeBody(w, r, anthropic, anthropicwire.DecodeRequest)
	if !ok {
		return
	}
	public := req.Model
	s.serve(w, r, &call{dialect: anthropic, anthropic: true, req: req, size: size,
		stream: func(w io.Writer, flush func()) encoder { return anthropicwire.NewStream(w, flush, public) },
		whole:  func(resp *host.Response) []byte { return anthropicwire.Message(resp, public) },
	})
}

// decodeBody reads r's body and decodes it with decode, answering in the
// dialect's error shape a body it cannot read or decode; ok is false when
// it answered. size is the body's length.
func decodeBody[T any](w http.ResponseWriter, r *http.Request, d dialect, decode func([]byte) (T, error)) (req T, size int, ok bool) {
	body, ok := readBody(w, r, d)
	if !ok {
		return req, 0, false
	}
	req, err := decode(body)
	if err != nil {
		d(w, http.StatusBadRequest, asABI(err))
		return req, 0, false
	}
	return req, len(body), true
}

func readBody(w http.ResponseWriter, r *http.Request, d dialect) ([]byte, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			d(w, http.StatusRequestEntityTooLarge, abi.Errorf(abi.CodeInvalidRequest, "the request body is larger than %d bytes", MaxBodyBytes))
		} else {
			d(w, http.StatusBadRequest, abi.Errorf(abi.CodeInvalidRequest, "reading the request body: %v", err))
		}
		return nil, false
	}
	return b, true
}

func asABI(err error) *abi.Error {
	var ae *abi.Error
	if errors.As(err, &ae) {
		return ae
	}
	return abi.Errorf(abi.CodeServerError, "internal gateway error")
}

// serve sends the call along its public model's route and answers in the
// call's dialect. Upstream the request is always streamed (a non-streamed
// answer is accumulated), so that the first event decides the status: an
// error before it is an HTTP error in the dialect's shape, an error after
// it ends the stream with the dialect's in-stream error.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, c *call) {
	start := s.now()
	key := keyOf(r)
	public := c.req.Model
	r, end := s.begin(r, public, "chat")
	o := &observed{endpoint: r.URL.Path, model: public, start: start, handler: handlerStart(r), status: http.StatusOK}
	defer func() { end(o) }()
	log := s.requestLog(r.Context(), key, public, c.req.Stream)
	st, rt, release, ok := s.open(w, key, public, c.dialect, o, log)
	defer release()
	if !ok {
		return
	}
	s.inflight.Add(1)
	defer s.inflight.Done()

	clientStream := c.req.Stream
	req := *c.req
	req.Stream = true
	stampProvider(req.Messages, st.echo[public])
	var served string
	seq := s.timed(s.client.StreamRoute(r.Context(), rt, &req, func(t string, _ []host.RouteAttempt) { served = t }), &o.upstream)
	var (
		enc    encoder
		acc    host.Accumulator
		status = http.StatusOK
		code   abi.Code
		// resp is the answer, accumulated once (Response copies).
		resp *host.Response
	)
	answer := func() *host.Response {
		if resp == nil {
			resp = acc.Response()
		}
		return resp
	}
	flusher, _ := w.(http.Flusher)
	flush := func() {
		if flusher != nil {
			flusher.Flush()
		}
	}
	defer func() {
		o.status, o.code, o.usage = status, code, answer().Usage
		attrs := []any{slog.String("target", served), slog.Int("status", status), slog.String("code", string(code)),
			slog.Duration("duration", s.now().Sub(start))}
		if st.logContent {
			attrs = append(attrs, contentAttrs(c.req, answer())...)
		}
		log.Info("gateway request", attrs...)
	}()
	// fail reports e: an HTTP error before the stream started, the
	// dialect's in-stream error after.
	fail := func(e *abi.Error) {
		code = e.Code
		if enc != nil {
			enc.Fail(e)
			return
		}
		status = Status(e.Code, c.anthropic)
		c.dialect(w, status, e)
	}
	settle, lerr := s.admit(w, r, key, c.anthropic, func() int64 { return estimate(c.size, c.req) }, log)
	if lerr != nil {
		fail(lerr)
		return
	}
	defer func() { settle(answer().Usage, status >= 400 && status != 499) }()
	// cur is the event handed to the encoder: one variable for the whole
	// stream, where &ev would move every event to the heap.
	var cur abi.Event
	for ev, err := range seq {
		if err != nil || ev.Type == abi.EventError {
			if err == nil {
				err = ev.Err()
			}
			if r.Context().Err() != nil {
				status, code = 499, "client_closed"
				return
			}
			fail(asABI(err))
			return
		}
		if ev.Type == abi.EventApprovalRequest && !c.approvals {
			fail(abi.Errorf(abi.CodeCapabilityUnsupported, "the provider asks approval before it runs its tool %q, and %s cannot carry approval requests: send the request to POST /v1/responses, whose mcp_approval_request items do", ev.Name, r.URL.Path))
			return
		}
		if o.first.IsZero() {
			o.first = s.now()
		}
		acc.Add(ev)
		if !clientStream {
			continue
		}
		if enc == nil {
			enc = begin(w, c, flush)
		}
		cur = ev
		if err := enc.Event(&cur); err != nil {
			status, code = 499, "client_closed"
			return
		}
	}
	answer()
	// StreamRoute does not check a structured answer against its schema
	// (Client.Stream does): check it here, for both kinds of answer.
	if err := host.VerifyOutput(&req, resp); err != nil {
		fail(asABI(err))
		return
	}
	if !clientStream {
		w.Header().Set("Content-Type", "application/json")
		w.Write(c.whole(resp))
		return
	}
	if enc == nil {
		enc = begin(w, c, flush)
	}
	enc.End()
}

// requestLog is the logger of a model request: s's, with the key's name,
// the public model, whether the client streams and the trace. (It is
// Logger.With without the boxing of its arguments.)
func (s *Server) requestLog(ctx context.Context, key *config.Key, public string, stream bool) *slog.Logger {
	return slog.New(s.log.Handler().WithAttrs([]slog.Attr{slog.String("key", key.Name), slog.String("model", public),
		slog.Bool("stream", stream), slog.String("trace_id", traceID(ctx))}))
}

// open checks that a model request of key for the public model may go
// on: the gateway is not draining, the model exists and the key may use
// it. Otherwise it answers in dialect d, records the refusal in o and log,
// and returns ok false. release lets go of the configuration version the
// request holds (st, whose route for public is rt); call it in either case.
func (s *Server) open(w http.ResponseWriter, key *config.Key, public string, d dialect, o *observed, log *slog.Logger) (st *state, rt *host.Route, release func(), ok bool) {
	refuse := func(status int, e *abi.Error) {
		o.status, o.code = status, e.Code
		log.Info("gateway request", slog.Int("status", status), slog.String("code", string(e.Code)))
		d(w, status, e)
	}
	if s.draining.Load() {
		refuse(http.StatusServiceUnavailable, abi.Errorf(abi.CodeOverloaded, "the gateway is shutting down; retry on another replica"))
		return nil, nil, func() {}, false
	}
	st, release = s.acquire()
	rt = st.routes[public]
	if rt == nil {
		refuse(http.StatusNotFound, abi.Errorf(abi.CodeNotFound, "model %q does not exist", public))
		return st, nil, release, false
	}
	if !key.Allows(public) {
		refuse(http.StatusForbidden, abi.Errorf(abi.CodePermission, "this API key may not use model %q", public))
		return st, nil, release, false
	}
	return st, rt, release, true
}

// stampProvider marks the reasoning parts a client sent back (thinking
// blocks with their signatures, which the gateway returned earlier) and
// its provider history (ABI 1.3 server-tool and approval parts: the MCP
// items and approval answers of a paused turn) as the given provider's,
// so that its adapter echoes them and every other drops them. The gateway
// keeps no state: the parts are taken to come from the first target of
// the public model, the one that serves unless it fails.
func stampProvider(msgs []abi.Message, provider string) {
	for _, m := range msgs {
		for i := range m.Content {
			if p := &m.Content[i]; (p.Type == abi.PartReasoning || p.IsProviderHistory()) && p.Provider == "" {
				p.Provider = provider
			}
		}
	}
}

// begin sends the headers of a streamed answer.
func begin(w http.ResponseWriter, c *call, flush func()) encoder {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	return c.stream(w, flush)
}

// Shutdown drains srv: it marks s as draining, stops accepting
// connections and waits up to grace for the requests in flight (streams
// included) to finish, then closes what is left.
func Shutdown(srv *http.Server, s *Server, grace time.Duration) error {
	s.Drain()
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := srv.Shutdown(ctx)
	if err != nil {
		srv.Close()
	}
	return err
}
