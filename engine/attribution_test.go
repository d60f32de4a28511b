package engine

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fastjson"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/guest"
)

// TestCallerEndedNeverSuspends: calls whose caller is gone before the call
// fail with adapter_timeout but never count towards suspension, however
// many there are.
func TestCallerEndedNeverSuspends(t *testing.T) {
	m := NewNativeWithConfig("echo", echoAdapter{}, NativeConfig{PoolSize: 1, Logger: slog.New(slog.DiscardHandler),
		Crashes: CrashPolicy{Limit: 2, Window: time.Hour, Backoff: time.Hour}})
	defer m.Close(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range 10 {
		_, _, err := m.Transform(ctx, chunks("x"))
		wantCode(t, err, abi.CodeAdapterTimeout, "context")
	}
	wantServing(t, m, "after the cancellations", "x")
}

// TestCallerDeadlineNeverSuspends: a call stopped at its caller's own
// deadline (shorter than CallTimeout) is not the module's fault.
func TestCallerDeadlineNeverSuspends(t *testing.T) {
	e := newEngine(t, Config{PoolSize: 1, CallTimeout: time.Minute, Logger: slog.New(slog.DiscardHandler),
		Crashes: CrashPolicy{Limit: 2, Window: time.Hour, Backoff: time.Hour}})
	h := load(t, e, "hostile")
	for range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		_, _, err := h.Transform(ctx, chunks("loop"))
		cancel()
		wantCode(t, err, abi.CodeAdapterTimeout, "")
	}
	wantServing(t, h, "after the callers' own deadlines", "fine")
}

// TestInputOverLimitRefusedBeforeModule: an input larger than
// MaxInputBytes is refused, naming the limit, without calling the module
// or counting a fault; a request over it is invalid_request.
func TestInputOverLimitRefusedBeforeModule(t *testing.T) {
	m := NewNativeWithConfig("echo", echoAdapter{}, NativeConfig{PoolSize: 1, MaxInputBytes: 1024, Logger: slog.New(slog.DiscardHandler),
		Crashes: CrashPolicy{Limit: 1, Window: time.Hour, Backoff: time.Hour}})
	defer m.Close(context.Background())
	ctx := context.Background()
	if InputLimit(m) != 1024 {
		t.Fatalf("InputLimit = %d", InputLimit(m))
	}
	for range 5 {
		_, _, err := m.Transform(ctx, chunks(strings.Repeat("x", 2048)))
		wantCode(t, err, abi.CodeStreamTruncated, "Config.MaxInputBytes")
		if !errors.Is(err, ErrInputTooLarge) {
			t.Fatalf("err = %v, want ErrInputTooLarge as its cause", err)
		}
		_, err = m.ParseResponse(ctx, &abi.ResponseInput{Status: 200, Body: []byte(strings.Repeat("x", 2048))})
		wantCode(t, err, abi.CodeStreamTruncated, "input limit")
	}
	_, err := m.Project(ctx, &abi.Request{Model: "m", Messages: []abi.Message{{Role: abi.RoleUser, Content: abi.Text(strings.Repeat("x", 2048))}}})
	wantCode(t, err, abi.CodeInvalidRequest, "input limit")
	if Faults(m) != 0 {
		t.Fatalf("Faults = %d: an oversized input counted as a fault", Faults(m))
	}
	wantServing(t, m, "after the oversized inputs", "x")
}

// posingAdapter claims host-only codes.
type posingAdapter struct{ echoAdapter }

func (posingAdapter) Project(req *abi.Request) (*abi.ProviderRequest, error) {
	return nil, &abi.Error{Code: abi.Code(req.Model), Message: "posing as the host"}
}

func (posingAdapter) Transform(in *abi.TransformInput, out *guest.Output) error {
	out.Emit(&abi.Event{Type: abi.EventError, Code: abi.Code(in.Chunks[0].Data), Message: "posing"})
	return nil
}

// TestHostOnlyCodesFromModule: a module that claims a code only the host
// observes, in an ERROR result or an error event, is adapter_bad_output
// (a fault), and so is an ERROR message that is not valid UTF-8 or too
// long; a module's own codes pass.
func TestHostOnlyCodesFromModule(t *testing.T) {
	ctx := context.Background()
	m := NewNativeWithConfig("posing", posingAdapter{}, NativeConfig{PoolSize: 1, Logger: slog.New(slog.DiscardHandler), Crashes: CrashPolicy{Limit: -1}})
	defer m.Close(ctx)
	for _, c := range HostOnlyCodes {
		_, err := m.Project(ctx, &abi.Request{Model: string(c)})
		wantCode(t, err, abi.CodeAdapterBadOutput, "only the host")
		_, _, err = m.Transform(ctx, chunks(string(c)))
		wantCode(t, err, abi.CodeAdapterBadOutput, "only the host")
	}
	_, err := m.Project(ctx, &abi.Request{Model: string(abi.CodeRateLimited)})
	wantCode(t, err, abi.CodeRateLimited, "posing")
	_, evs, err := m.Transform(ctx, chunks(string(abi.CodeStreamTruncated)))
	if err != nil || len(evs) != 1 || evs[0].Code != abi.CodeStreamTruncated {
		t.Fatalf("a module's own code: %v %v", evs, err)
	}

	var p fastjson.Parser
	for _, tt := range []struct{ in, want string }{
		{"{\"code\":\"rate_limited\",\"message\":\"\xff\xfe\"}", "message is not valid UTF-8"},
		{`{"code":"rate_limited","message":"` + strings.Repeat("x", MaxErrorMessageBytes+1) + `"}`, "message is not valid UTF-8 of at most"},
		{"{\"code\":\"invalid_request\",\"message\":\"m\",\"pointer\":\"\xff\"}", "pointer is not valid UTF-8"},
		{`{"code":"adapter_timeout","message":"m"}`, "only the host observes"},
	} {
		err := decodeGuestError(&p, []byte(tt.in))
		wantCode(t, err, abi.CodeAdapterBadOutput, tt.want)
		if !errors.Is(err, errBadErrorObject) {
			t.Errorf("%.40q: not marked as a malformed error object (it must count as a fault)", tt.in)
		}
	}
}

// TestEventOrder: the order rules of abi/README.md across one response.
func TestEventOrder(t *testing.T) {
	ev := func(typ abi.EventType, index int) abi.Event { return abi.Event{Type: typ, Index: index} }
	start, delta, call := abi.EventToolCallStart, abi.EventToolCallDelta, abi.EventToolCall
	text, finish, errEv, usage := abi.EventTextDelta, abi.EventFinish, abi.EventError, abi.EventUsage
	for _, tt := range []struct {
		name string
		evs  []abi.Event
		bad  int // index of the first refused event, -1 for none
		want string
	}{
		{"ordinary", []abi.Event{ev(abi.EventResponseStart, 0), ev(text, 0), ev(start, 0), ev(delta, 0), ev(start, 1), ev(delta, 1), ev(delta, 0), ev(call, 0), ev(call, 1), ev(usage, 0), ev(finish, 0)}, -1, ""},
		{"whole tool call alone", []abi.Event{ev(call, 0), ev(call, 1), ev(finish, 0)}, -1, ""},
		{"error then usage and finish", []abi.Event{ev(text, 0), ev(errEv, 0), ev(usage, 0), ev(finish, 0)}, -1, ""},
		{"index reused after completion", []abi.Event{ev(start, 0), ev(call, 0), ev(start, 0), ev(delta, 0), ev(call, 0)}, -1, ""},
		{"delta without start", []abi.Event{ev(text, 0), ev(delta, 0)}, 1, "no tool-call-start opened tool call 0"},
		{"delta of another index", []abi.Event{ev(start, 0), ev(delta, 1)}, 1, "no tool-call-start opened tool call 1"},
		{"delta after completion", []abi.Event{ev(start, 0), ev(call, 0), ev(delta, 0)}, 2, "no tool-call-start"},
		{"start twice", []abi.Event{ev(start, 2), ev(start, 2)}, 1, "already started"},
		{"text after finish", []abi.Event{ev(text, 0), ev(finish, 0), ev(text, 0)}, 2, "follows the finish event"},
		{"two finishes", []abi.Event{ev(finish, 0), ev(finish, 0)}, 1, "follows the finish event"},
		{"usage after finish", []abi.Event{ev(finish, 0), ev(usage, 0)}, 1, "follows the finish event"},
	} {
		var o EventOrder
		bad := -1
		var err error
		for i := range tt.evs {
			if err = o.Check(&tt.evs[i]); err != nil {
				bad = i
				break
			}
		}
		if bad != tt.bad {
			t.Errorf("%s: first refused event %d (%v), want %d", tt.name, bad, err, tt.bad)
			continue
		}
		if bad >= 0 {
			wantCode(t, err, abi.CodeAdapterBadOutput, tt.want)
		}
	}
}
