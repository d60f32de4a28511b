package host

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/api"
	"github.com/wasmadapt/wasmadapt/framing"
)

func (c *Client) run(ctx context.Context, p Provider, req *abi.Request, opts []CallOption, emit func(*abi.Event, error) bool) (err error) {
	if p.Module == nil {
		return abi.Errorf(abi.CodeInvalidRequest, "host.Provider has no Module: load an adapter module and set Provider.Module")
	}
	if req == nil {
		return abi.Errorf(abi.CodeInvalidRequest, "nil request")
	}
	// A module whose version can change between calls (a registry.Registry
	// handle) is pinned for the whole request, retries included: every
	// call goes to one version, which is not closed before the request
	// ends.
	if pn, ok := p.Module.(api.Pinner); ok {
		m, release := pn.Pin()
		defer release()
		p.Module = m
	}
	cc := callConfigOf(opts)
	if cc.assume == nil {
		cc.assume = c.assume
	}
	ctx, cancelCall, p, retry, idle := cc.apply(ctx, c, p)
	defer cancelCall()
	start := c.now()
	caps, err := c.Capabilities(ctx, p.Module, req.Model)
	if err != nil {
		return err
	}
	observed := c.obs != nil || len(cc.observers) > 0
	ctx, op := c.tel.start(ctx, c.now, caps, p, req, observed)
	obs := c.observer(ctx, req, p, caps)
	obs.o = withObservers(obs.o, cc.observers)
	defer func() {
		op.end(err, start)
		if observed {
			obs.response(op.response(), err)
		}
	}()
	c.noteCapabilities(ctx, op, caps, req, &cc)
	sendReq, applied, err := checkRequest(caps, req, &cc)
	if err != nil {
		return err
	}
	var all []Downgrade
	for _, d := range applied {
		c.downgraded(ctx, op, obs, p.Module.Name(), req.Model, d, &all)
	}
	preq, sendReq, err := project(ctx, p.Module.Project, sendReq, &cc, func() {
		c.downgraded(ctx, op, obs, p.Module.Name(), req.Model, DropRefusedSampling, &all)
	})
	if err != nil {
		return err
	}
	ctxJSON, err := c.contexts.json(sendReq)
	if err != nil {
		return abi.Wrap(abi.CodeInvalidRequest, err, "encoding the stream context")
	}
	base := p.BaseURL
	if base == "" {
		base = caps.DefaultBaseURL
	}
	if base == "" {
		return abi.Errorf(abi.CodeInvalidRequest, "module %s declares no default base URL: set Provider.BaseURL", caps.Name)
	}
	x := &exchange{c: c, p: p, caps: caps, preq: preq, ctxJSON: ctxJSON, base: base, op: op, obs: obs, sent: sendReq, idle: idle}
	x.emit = func(ev *abi.Event, err error) bool {
		op.event(ev)
		obs.emit(StepEvent{Kind: KindEvent, Event: ev, Err: err})
		return emit(ev, err)
	}
	for attempt := 0; ; attempt++ {
		obs.emit(StepEvent{Kind: KindRequest, Attempt: attempt + 1})
		x.attempts = attempt + 1
		x.order = api.EventOrder{}
		retryAfter, err := x.attempt(ctx)
		if err == nil || errors.Is(err, errStopped) {
			return err
		}
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		var ae *abi.Error
		if x.delivered || attempt >= retry.MaxRetries || !errors.As(err, &ae) || !ae.Retryable {
			return err
		}
		wait := retry.backoff(attempt, c.rnd)
		if retryAfter > 0 {
			if retryAfter > retry.MaxRetryAfter {
				e := *ae
				e.Message += " (the provider asks to retry after " + retryAfter.Round(time.Second).String() + ", longer than the retry policy's MaxRetryAfter)"
				return &e
			}
			wait = retryAfter
		}
		c.log.WarnContext(ctx, "host: retrying", slog.String("code", string(ae.Code)), slog.Int("status", ae.Status),
			slog.Int("attempt", attempt+1), slog.Duration("delay", wait), slog.String("module", p.Module.Name()))
		obs.emit(StepEvent{Kind: KindRetry, Attempt: attempt + 1, Delay: wait, Err: err})
		op.retries++
		if err := c.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// exchange is one request with its retries.
type exchange struct {
	c         *Client
	p         Provider
	caps      *abi.Capabilities
	preq      *abi.ProviderRequest
	ctxJSON   []byte
	base      string
	op        *operation
	obs       *observer
	emit      func(*abi.Event, error) bool
	delivered bool
	sent      *abi.Request
	attempts  int
	idle      time.Duration
	cred      Credential // this attempt's, for a CredentialReporter
	// refreshed: a 401 already made this exchange retry with a fresh
	// credential of a Refresher (once per exchange).
	refreshed bool
	// secrets are the credential's parts sent with the current attempt:
	// a response that contains one is refused (ErrCredentialEchoed).
	secrets [][]byte
	// order checks the attempt's events against the ABI's event order.
	order api.EventOrder
}

// deliver hands events to the caller. A retryable error event that comes
// before anything reached the caller ends the attempt, so that it can be
// retried; any other error event is delivered with its error and the
// stream goes on.
func (x *exchange) deliver(events []abi.Event, sawEnd *bool) error {
	// Check the order and complete each tool-call-end (ABI 1.4) into
	// its tool call; the events before one out of order are delivered.
	events, oerr := x.order.Complete(events)
	for i := range events {
		ev := &events[i]
		var err error
		switch ev.Type {
		case abi.EventError:
			e := ev.Err()
			if !x.delivered && e.Retryable {
				return e
			}
			err = e
			*sawEnd = true
		case abi.EventFinish:
			*sawEnd = true
		}
		x.delivered = true
		if !x.emit(ev, err) {
			return errStopped
		}
	}
	return oerr
}

func (x *exchange) attempt(ctx context.Context) (time.Duration, error) {
	c := x.c
	streaming := x.preq.StreamFraming != abi.FramingNone && x.preq.StreamFraming != ""
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	hreq, err := x.build(actx)
	if err != nil {
		return 0, err
	}
	var idle *idleReader
	if streaming && x.idle > 0 {
		idle = &idleReader{d: x.idle}
		idle.t = time.AfterFunc(x.idle, func() { cancel(ErrIdleTimeout) })
		defer idle.t.Stop()
	}
	resp, err := c.hc.Do(hreq)
	if err != nil {
		if ctx.Err() != nil {
			return 0, context.Cause(ctx)
		}
		if context.Cause(actx) == ErrIdleTimeout {
			return 0, &abi.Error{Code: abi.CodeTimeout, Retryable: true, Err: ErrIdleTimeout,
				Message: "no response headers from " + hreq.URL.Host + " within the idle timeout of " + x.idle.String() + ": the provider is stalled; retry later or raise host.WithIdleTimeout"}
		}
		return 0, netError(redactURLError(err), hreq.URL)
	}
	if r, ok := x.p.Credentials.(Refresher); ok && resp.StatusCode == http.StatusUnauthorized && !x.refreshed {
		// A token refused before its time (revoked, expired early): drop
		// it and send once more with a fresh one.
		x.refreshed = true
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		r.Stale(x.cred)
		x.c.log.DebugContext(ctx, "host: credential refused (401); retrying once with a fresh one", slog.String("module", x.caps.Name))
		if idle != nil {
			idle.t.Stop()
		}
		return x.attempt(ctx)
	}
	defer resp.Body.Close()
	x.op.status(resp.StatusCode)
	var body io.Reader = resp.Body
	if idle != nil {
		idle.r = resp.Body
		idle.t.Reset(x.idle)
		body = idle
	}
	dec, err := framing.Decompress(body, resp.Header.Get("Content-Encoding"), c.maxBody)
	if err != nil {
		return 0, err
	}
	if closer, ok := dec.(io.Closer); ok {
		defer closer.Close()
	}
	if c.recorder != nil {
		var buf bytes.Buffer
		dec = io.TeeReader(dec, &buf)
		defer func() {
			c.recorder(ctx, &Recording{Request: x.sent, ProviderRequest: x.preq, Attempt: x.attempts,
				Status: resp.StatusCode, Header: resp.Header.Clone(), Body: buf.Bytes()})
		}()
	}
	if headerEchoed(x.secrets, resp.Header) {
		return 0, echoError(resp.StatusCode)
	}
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		return 0, redirectError(resp.StatusCode, resp.Header)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		data, rerr := io.ReadAll(io.LimitReader(dec, c.maxErrBody))
		if rerr != nil && ctx.Err() != nil {
			return 0, context.Cause(ctx)
		}
		if echoed(x.secrets, data) {
			return 0, echoError(resp.StatusCode)
		}
		ev, err := x.p.Module.MapError(ctx, &abi.ResponseInput{Status: uint32(resp.StatusCode), Headers: responseHeaders(resp.Header), Context: x.ctxJSON, Body: data})
		if err != nil {
			return 0, err
		}
		e := ev.Err()
		if e == nil {
			return 0, abi.Errorf(abi.CodeAdapterBadOutput, "module %s mapped HTTP %d to a %s event, not an error event", x.caps.Name, resp.StatusCode, ev.Type)
		}
		e.Status = resp.StatusCode
		ra, _ := ParseRetryAfter(resp.Header, c.now())
		return x.reportCredential(resp.StatusCode, ra), e
	}
	if err := notAnAPIAnswer(resp); err != nil {
		return 0, err
	}
	sawEnd := false
	if !streaming {
		data, err := io.ReadAll(dec)
		if err != nil {
			return 0, x.readErr(ctx, actx, err)
		}
		if echoed(x.secrets, data) {
			return 0, echoError(resp.StatusCode)
		}
		events, err := x.p.Module.ParseResponse(ctx, &abi.ResponseInput{Status: uint32(resp.StatusCode), Headers: responseHeaders(resp.Header), Context: x.ctxJSON, Body: data})
		if err != nil {
			return 0, err
		}
		return 0, x.deliver(events, &sawEnd)
	}
	st := &streamRun{x: x, ctx: ctx}
	var err2 error
	if c.maxBatch <= 1 {
		err2 = st.direct(actx, dec)
	} else {
		err2 = st.batched(actx, dec, cancel, resp.Body)
	}
	if err2 != nil {
		return 0, err2
	}
	if !st.ended {
		if err := st.transform(nil, abi.FlagEnd); err != nil {
			return 0, err
		}
	}
	if !st.sawEnd {
		// A body that ended cleanly without a single event is an
		// answer the module cannot read, not a transient failure: a
		// retry would be billed and answer the same.
		return 0, &abi.Error{Code: abi.CodeStreamTruncated, Retryable: st.events > 0,
			Message: "the stream from " + hreq.URL.Host + " ended without a finish or error event: the response is incomplete"}
	}
	return 0, nil
}

// readErr classifies an error met while reading a 2xx body.
func (x *exchange) readErr(ctx, actx context.Context, err error) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if context.Cause(actx) == ErrIdleTimeout {
		return &abi.Error{Code: abi.CodeStreamTruncated, Retryable: true, Err: ErrIdleTimeout,
			Message: "the provider sent nothing for " + x.idle.String() + " (idle timeout): the connection stalled mid-response; retry, or raise host.WithIdleTimeout"}
	}
	if errors.Is(err, framing.ErrMalformed) || errors.Is(err, framing.ErrLimit) {
		return err
	}
	return &abi.Error{Code: abi.CodeStreamTruncated, Retryable: true, Err: err,
		Message: "the connection broke mid-response: " + err.Error()}
}

// headerEchoed reports whether a response header's value (repeated
// values joined with ", ", as the module would see them) contains one of
// the secrets. It checks the headers where they are: a streamed
// response's headers never reach the module, so their module form
// (responseHeaders) is built only for the calls that take it.
func headerEchoed(secrets [][]byte, h http.Header) bool {
	if len(secrets) == 0 {
		return false
	}
	for _, vs := range h {
		v := ""
		if len(vs) == 1 {
			v = vs[0]
		} else {
			v = strings.Join(vs, ", ")
		}
		if echoed(secrets, []byte(v)) {
			return true
		}
	}
	return false
}

// responseHeaders returns the headers in the module's form: lower-case
// names sorted, repeated values joined with ", ".
func responseHeaders(h http.Header) [][2][]byte {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool { return strings.ToLower(names[i]) < strings.ToLower(names[j]) })
	out := make([][2][]byte, 0, len(names))
	for _, k := range names {
		out = append(out, [2][]byte{[]byte(strings.ToLower(k)), []byte(strings.Join(h[k], ", "))})
	}
	return out
}

// redactURLError removes the query (where a query-scheme credential
// lives) from the URL net/http puts in its errors, so that no secret
// reaches an error message or a log.
func redactURLError(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	u, perr := url.Parse(ue.URL)
	if perr != nil {
		return &url.Error{Op: ue.Op, URL: "[redacted]", Err: ue.Err}
	}
	if u.RawQuery != "" {
		u.RawQuery = "[redacted]"
	}
	u.User = nil
	return &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
}
