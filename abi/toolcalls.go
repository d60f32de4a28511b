package abi

import (
	"encoding/json"
	"strconv"
)

// EventToolCallEnd (ABI 1.4) ends the open tool call Index of a stream
// without carrying its arguments: the host, which saw every
// tool-call-delta of the call, completes it (ToolCalls.End) into the
// tool-call event with the id and name of its tool-call-start and the
// concatenated arguments of its deltas, or into the tool_arguments_invalid
// error event with Message when those arguments are not one JSON object.
// A module emits it only from wasmadapt_transform, so that its transform
// state need not hold the arguments (abi/README.md, "Host-completed tool
// calls (1.4)").
const EventToolCallEnd EventType = "tool-call-end"

// CompleteToolArguments applies the completion rule of a tool call's
// arguments: args without leading and trailing JSON whitespace (space,
// tab, line feed, carriage return); "{}" when nothing is left; ok false
// when what is left is not one JSON object, which is never repaired.
func CompleteToolArguments(args []byte) (complete []byte, ok bool) {
	args = trimJSONSpace(args)
	if len(args) == 0 {
		return []byte("{}"), true
	}
	return args, args[0] == '{' && json.Valid(args)
}

func trimJSONSpace(b []byte) []byte {
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// ToolCalls is the host's record of a stream's open tool calls: the id and
// name of each call's tool-call-start and the arguments of its
// tool-call-delta events so far, by index. Whoever assembles a response
// feeds it every event in order (api.EventOrder does) and lets it complete
// each tool-call-end. The zero value is ready for a new response.
type ToolCalls struct {
	open map[int]*openToolCall
}

type openToolCall struct {
	id, name string
	args     []byte
}

// Observe records a tool-call-start (a new open call), a tool-call-delta
// (its arguments appended to its call's) or a tool-call (which closes its
// index); other events are ignored. A delta of an index that is not open
// is ignored too: the event order check reports it.
func (tc *ToolCalls) Observe(ev *Event) {
	switch ev.Type {
	case EventToolCallStart:
		if tc.open == nil {
			tc.open = map[int]*openToolCall{}
		}
		tc.open[ev.Index] = &openToolCall{id: ev.ID, name: ev.Name}
	case EventToolCallDelta:
		if c := tc.open[ev.Index]; c != nil {
			c.args = append(c.args, ev.Arguments...)
		}
	case EventToolCall:
		delete(tc.open, ev.Index)
	}
}

// Open reports whether tool call index is open: started and not yet
// ended.
func (tc *ToolCalls) Open(index int) bool { return tc.open[index] != nil }

// End completes the tool-call-end ev and closes its call: it returns the
// tool-call event (the call's id and name, its arguments completed by
// CompleteToolArguments), or, for arguments that are not one JSON object,
// the error event tool_arguments_invalid with ev.Message (a generic one
// when empty). With ev.Truncated a call whose arguments are blank or not
// one JSON object gives no event: ok is false. A call that is not open
// gives ok false too (the event order check reports it first).
func (tc *ToolCalls) End(ev *Event) (out Event, ok bool) {
	c := tc.open[ev.Index]
	if c == nil {
		return Event{}, false
	}
	delete(tc.open, ev.Index)
	args, valid := CompleteToolArguments(c.args)
	if ev.Truncated && (!valid || len(trimJSONSpace(c.args)) == 0) {
		return Event{}, false
	}
	if !valid {
		msg := ev.Message
		if msg == "" {
			msg = "the arguments of tool call " + strconv.Itoa(ev.Index) + " (" + c.name + ") are not a complete JSON object: the model produced malformed arguments; retry"
		}
		return Event{Type: EventError, Code: CodeToolArgumentsInvalid, Message: msg}, true
	}
	return Event{Type: EventToolCall, Index: ev.Index, ID: c.id, Name: c.name, Arguments: string(args)}, true
}

// Complete appends evs, the events of one transform call, to dst as a host
// delivers them: each tool-call-end of an open call is replaced by the
// event End makes of it, or dropped when End makes none; every other event
// is observed (Observe) and kept, a tool-call-end of a call that is not
// open included (the event order check reports it).
func (tc *ToolCalls) Complete(dst, evs []Event) []Event {
	for i := range evs {
		ev := &evs[i]
		if ev.Type == EventToolCallEnd && tc.Open(ev.Index) {
			if done, ok := tc.End(ev); ok {
				dst = append(dst, done)
			}
			continue
		}
		tc.Observe(ev)
		dst = append(dst, *ev)
	}
	return dst
}
