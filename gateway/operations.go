package gateway

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/gateway/anthropicwire"
	"github.com/wasmadapt/wasmadapt/gateway/openaiwire"
	"github.com/wasmadapt/wasmadapt/host"
)

// This file serves the model requests that are ABI 1.3 operations rather
// than chat: embeddings (/v1/embeddings, OpenAI dialect) and token
// counting (/v1/messages/count_tokens, Anthropic dialect).

// opCall is one operation request on its way through the gateway.
type opCall struct {
	dialect   dialect
	anthropic bool
	public    string
	// op is the abi operation (abi.OpEmbed, abi.OpCountTokens) and
	// operation its GenAI operation name, for the server span.
	op, operation string
	// estimate is the tokens the request is reserved for until its usage
	// settles the reservation.
	estimate int64
	// run calls the operation on one target of the route and returns the
	// answer's body and the usage the provider reported.
	run func(ctx context.Context, t host.Target) ([]byte, abi.Usage, error)
}

func (s *Server) embeddings(w http.ResponseWriter, r *http.Request) {
	var enc string
	req, _, ok := decodeBody(w, r, openAI, func(body []byte) (req *abi.EmbedRequest, err error) {
		req, enc, err = openaiwire.DecodeEmbeddings(body)
		return req, err
	})
	if !ok {
		return
	}
	var size int64
	for _, in := range req.Inputs {
		size += int64(len(in)+3) / 4
	}
	public := req.Model
	s.serveOp(w, r, &opCall{dialect: openAI, public: public, op: abi.OpEmbed, operation: "embeddings", estimate: size,
		run: func(ctx context.Context, t host.Target) ([]byte, abi.Usage, error) {
			treq := *req
			treq.Model = t.ModelFor(treq.Model)
			res, err := s.client.Embed(ctx, t.Provider, &treq)
			if err != nil {
				return nil, abi.Usage{}, err
			}
			return openaiwire.Embeddings(res, public, enc), abi.Usage{InputTokens: res.Usage.InputTokens}, nil
		}})
}

func (s *Server) countTokens(w http.ResponseWriter, r *http.Request) {
	req, _, ok := decodeBody(w, r, anthropic, anthropicwire.DecodeCountTokens)
	if !ok {
		return
	}
	s.serveOp(w, r, &opCall{dialect: anthropic, anthropic: true, public: req.Model, op: abi.OpCountTokens, operation: "count_tokens",
		run: func(ctx context.Context, t host.Target) ([]byte, abi.Usage, error) {
			treq := *req
			treq.Model = t.ModelFor(treq.Model)
			n, err := s.client.CountTokens(ctx, t.Provider, &treq)
			if err != nil {
				return nil, abi.Usage{}, err
			}
			return anthropicwire.TokenCount(n), abi.Usage{}, nil
		}})
}

// serveOp runs c on the first target of its public model's route whose
// module serves the operation: a target whose module lacks it, or that
// fails retryably, hands over to the next. A route none of whose targets
// serves the operation is capability_unsupported (400).
func (s *Server) serveOp(w http.ResponseWriter, r *http.Request, c *opCall) {
	start := s.now()
	key := keyOf(r)
	r, end := s.begin(r, c.public, c.operation)
	o := &observed{endpoint: r.URL.Path, model: c.public, start: start, handler: handlerStart(r), status: http.StatusOK}
	defer func() { end(o) }()
	log := s.log.With(slog.String("key", key.Name), slog.String("model", c.public), slog.String("trace_id", traceID(r.Context())))
	_, rt, release, ok := s.open(w, key, c.public, c.dialect, o, log)
	defer release()
	if !ok {
		return
	}
	s.inflight.Add(1)
	defer s.inflight.Done()

	var served string
	defer func() {
		log.Info("gateway request", slog.String("target", served), slog.Int("status", o.status), slog.String("code", string(o.code)),
			slog.Duration("duration", s.now().Sub(start)))
	}()
	fail := func(e *abi.Error) {
		o.status, o.code = Status(e.Code, c.anthropic), e.Code
		c.dialect(w, o.status, e)
	}
	settle, lerr := s.admit(w, r, key, c.anthropic, func() int64 { return c.estimate }, log)
	if lerr != nil {
		fail(lerr)
		return
	}
	defer func() { settle(o.usage, o.status >= 400 && o.status != 499) }()
	var last *abi.Error
	for i, t := range rt.Targets {
		t0 := s.now()
		body, usage, err := c.run(r.Context(), t)
		o.upstream += s.now().Sub(t0)
		if err == nil {
			served, o.usage, o.first = t.Name, usage, s.now()
			w.Header().Set("Content-Type", "application/json")
			w.Write(body)
			return
		}
		if r.Context().Err() != nil {
			o.status, o.code = 499, "client_closed"
			return
		}
		var ae *abi.Error
		if !errors.As(err, &ae) {
			ae = asABI(err)
		}
		if ae.Code == abi.CodeCapabilityUnsupported {
			if last == nil {
				last = ae
			}
			continue
		}
		last = ae
		if !ae.Retryable || i == len(rt.Targets)-1 {
			break
		}
		log.Warn("gateway: target failed, trying the next", slog.String("target", t.Name), slog.String("code", string(ae.Code)))
	}
	if last.Code == abi.CodeCapabilityUnsupported {
		last = abi.Errorf(abi.CodeCapabilityUnsupported, "capability_unsupported: model %q has no target whose module serves the %s operation (%s)",
			c.public, c.op, last.Message)
	}
	fail(last)
}
