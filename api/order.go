package api

import (
	"strconv"

	"github.com/wasmadapt/wasmadapt/abi"
)

// MaxResponseEvents caps the events of one response: about 2 million, far
// above any real response (a long answer streams a few thousand deltas).
const MaxResponseEvents = 1 << 21

// EventOrder checks that the events of one response, across every
// transform call of its stream (or the one parse_response call), come in
// the order abi/README.md ("Event order") states:
//
//   - nothing follows a finish event (a second finish included);
//   - a tool-call-delta continues an open tool call: a tool-call-start
//     with its index came before, and no tool-call with that index since;
//   - a tool-call-start does not reopen an index that is still open;
//   - a tool-call-end (ABI 1.4) ends an open tool call, as a tool-call does;
//   - a response has at most MaxResponseEvents events (the per-call cap,
//     engine.Config.MaxEventsPerCall, bounds one call; this bounds the
//     host's work and the open tool calls it tracks over a whole stream).
//
// Each event is validated alone by the module's runtime; the order spans
// calls, so whoever assembles a response (host.Client does) feeds every
// event to one EventOrder, through Complete, which also completes each
// tool-call-end into the event it stands for. The zero value is ready for
// a new response.
type EventOrder struct {
	finished bool
	open     map[int]bool
	n        int
	calls    abi.ToolCalls
}

// Complete checks evs, the events of one call in order, as Check does,
// and completes them in place: each tool-call-end (ABI 1.4) is replaced by
// the tool-call or error event abi.ToolCalls.End makes of it from the
// call's start and deltas, or removed when it stands for nothing (a
// truncated call). It returns the events to deliver: evs up to the first
// event out of order, with that event's error.
func (o *EventOrder) Complete(evs []abi.Event) ([]abi.Event, error) {
	n := 0
	for i := range evs {
		ev := &evs[i]
		if ev.Type != abi.EventToolCallEnd {
			if err := o.Check(ev); err != nil {
				return evs[:n], err
			}
			o.calls.Observe(ev)
			evs[n] = *ev
			n++
			continue
		}
		if err := o.check(ev); err != nil {
			return evs[:n], err
		}
		if done, ok := o.calls.End(ev); ok {
			evs[n] = done
			n++
		}
	}
	return evs[:n], nil
}

// Check accepts the next event, or returns the adapter_bad_output error
// naming the rule it breaks. It does not complete a tool-call-end (ABI
// 1.4): a response that may hold one goes through Complete.
func (o *EventOrder) Check(ev *abi.Event) error {
	if ev.Type == abi.EventToolCallEnd {
		return abi.Errorf(abi.CodeAdapterBadOutput, "event %d of the response is a tool-call-end, which only EventOrder.Complete completes", o.n)
	}
	return o.check(ev)
}

func (o *EventOrder) check(ev *abi.Event) error {
	i := o.n
	o.n++
	bad := func(why string) error {
		return abi.Errorf(abi.CodeAdapterBadOutput, "event %d of the response (%s) is out of order: %s (see \"Event order\" in abi/README.md)", i, ev.Type, why)
	}
	if o.finished {
		return bad("it follows the finish event; finish is the last event of a response")
	}
	if i >= MaxResponseEvents {
		return abi.Errorf(abi.CodeAdapterBadOutput, "the response has more than %d events (api.MaxResponseEvents)", MaxResponseEvents)
	}
	switch ev.Type {
	case abi.EventFinish:
		o.finished = true
	case abi.EventToolCallStart:
		if o.open[ev.Index] {
			return bad("tool call " + strconv.Itoa(ev.Index) + " was already started and not completed")
		}
		if o.open == nil {
			o.open = map[int]bool{}
		}
		o.open[ev.Index] = true
	case abi.EventToolCallDelta:
		if !o.open[ev.Index] {
			return bad("no tool-call-start opened tool call " + strconv.Itoa(ev.Index))
		}
	case abi.EventToolCall:
		delete(o.open, ev.Index)
	case abi.EventToolCallEnd:
		if !o.open[ev.Index] {
			return bad("no tool-call-start opened tool call " + strconv.Itoa(ev.Index))
		}
		delete(o.open, ev.Index)
	}
	return nil
}
