package host

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/host/jsonschema"
)

// ToolHandler runs a tool: args is the call's JSON arguments object,
// already validated against the tool's schema. The returned text goes back
// to the model as the tool result; an error goes back as an error result
// (its message is what the model sees).
type ToolHandler func(ctx context.Context, args json.RawMessage) (string, error)

// Tool is one tool: its definition (sent to the model) and its handler.
type Tool struct {
	// Name is what the model calls the tool by: 1 to 64 characters of
	// A-Z a-z 0-9 _ - (the intersection every provider accepts).
	Name string
	// Description tells the model what the tool does and when to call it.
	Description string
	// Parameters is the JSON Schema of the arguments object; empty means
	// any object. The loop validates arguments with host/jsonschema, whose
	// package documentation lists the keywords it checks.
	Parameters json.RawMessage
	// Strict asks the provider to enforce the schema, where it can.
	Strict bool
	// Handler runs the tool. Set Handler or Func (Func wins when both
	// are set).
	Handler ToolHandler
	// Func runs the tool with its call (id, name, session, trace and
	// step) and returns text or JSON; see NewTool for a typed form.
	Func ToolFunc
}

// ToolRegistry is the single source of tool definitions: the tool loop
// sends its Definitions with every request and dispatches calls by name.
// It is safe for concurrent use.
type ToolRegistry struct {
	mu    sync.RWMutex
	tools map[string]*registered
	order []string
}

type registered struct {
	Tool
	schema *jsonschema.Schema
}

var toolName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// NewToolRegistry returns a registry holding tools.
func NewToolRegistry(tools ...Tool) (*ToolRegistry, error) {
	r := &ToolRegistry{tools: map[string]*registered{}}
	for _, t := range tools {
		if err := r.Register(t); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Register adds a tool. It refuses a bad name, a duplicate, a missing
// handler, or a schema that does not compile or does not describe an
// object.
func (r *ToolRegistry) Register(t Tool) error {
	if !toolName.MatchString(t.Name) {
		return fmt.Errorf("host: tool name %q must be 1-64 characters of A-Z a-z 0-9 _ -", t.Name)
	}
	if t.Handler == nil && t.Func == nil {
		return fmt.Errorf("host: tool %q has no handler", t.Name)
	}
	params := t.Parameters
	if len(params) == 0 {
		params = json.RawMessage(`{"type":"object"}`)
	}
	var probe struct {
		Type any `json:"type"`
	}
	if err := json.Unmarshal(params, &probe); err != nil {
		return fmt.Errorf("host: tool %q: parameters must be a JSON Schema object: %v", t.Name, err)
	}
	if probe.Type != nil && probe.Type != "object" {
		return fmt.Errorf("host: tool %q: parameters must describe an object (type \"object\"), not %v", t.Name, probe.Type)
	}
	s, err := jsonschema.Compile(params)
	if err != nil {
		return fmt.Errorf("host: tool %q: %w", t.Name, err)
	}
	t.Parameters = params
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.tools == nil {
		r.tools = map[string]*registered{}
	}
	if _, dup := r.tools[t.Name]; dup {
		return fmt.Errorf("host: tool %q is already registered", t.Name)
	}
	r.tools[t.Name] = &registered{Tool: t, schema: s}
	r.order = append(r.order, t.Name)
	return nil
}

// Definitions returns the tool definitions, in registration order.
func (r *ToolRegistry) Definitions() []abi.ToolDefinition {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]abi.ToolDefinition, 0, len(r.order))
	for _, n := range r.order {
		t := r.tools[n]
		out = append(out, abi.ToolDefinition{Name: t.Name, Description: t.Description, Parameters: t.Parameters, Strict: t.Strict})
	}
	return out
}

// Lookup returns the named tool.
func (r *ToolRegistry) Lookup(name string) (Tool, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	t, ok := r.tools[name]
	if !ok {
		return Tool{}, false
	}
	return t.Tool, true
}

// Validate checks a call's arguments against the named tool's schema. The
// error is an *abi.Error with code tool_arguments_invalid (Pointer set to
// the offending argument), or not_found for an unknown tool.
func (r *ToolRegistry) Validate(name string, args json.RawMessage) error {
	r.mu.RLock()
	t, ok := r.tools[name]
	var names []string
	if !ok {
		names = append(names, r.order...)
	}
	r.mu.RUnlock()
	if !ok {
		sort.Strings(names)
		return abi.Errorf(abi.CodeNotFound, "there is no tool named %q; the tools are: %s", name, strings.Join(names, ", "))
	}
	if len(strings.TrimSpace(string(args))) == 0 {
		args = json.RawMessage("{}")
	}
	if err := t.schema.Validate(args); err != nil {
		e := &abi.Error{Code: abi.CodeToolArgumentsInvalid, Message: "arguments of " + name + " do not match its schema: " + err.Error(), Err: err}
		var ve *jsonschema.Error
		if errors.As(err, &ve) {
			e.Pointer = ve.Pointer
		}
		return e
	}
	return nil
}

// ToolCall is one call the model made.
type ToolCall struct {
	// Index is the call's position in the response (from 0).
	Index int
	// ID correlates the call with its result.
	ID string
	// Name is the tool called.
	Name string
	// Arguments is the JSON arguments object.
	Arguments json.RawMessage
	// SessionID and TraceID are the conversation's and the turn's ids,
	// and Step the tool loop step that made the call (from 1).
	SessionID string
	TraceID   string
	Step      int
	// Provider, when set, names the provider that asks consent to run a
	// tool of its own (an approval-request, ABI 1.3: Name "mcp",
	// Arguments {"server", "tool", "arguments"}); the Gate's answer is
	// sent back to it instead of running a handler.
	Provider string
}

// ToolResult is the outcome of one tool call, sent back to the model.
type ToolResult struct {
	// ToolCallID is the ID of the call this result answers.
	ToolCallID string
	// Name is the tool's name.
	Name string
	// Content is the handler's output, or the error text the model sees.
	Content string
	// IsError marks a failed call.
	IsError bool
	// Err is why the call failed: an *abi.Error tool_arguments_invalid or
	// not_found, ErrDenied wrapping the gate's error, or the handler's error.
	Err error
	// Provider is set for the answer to a provider's approval request
	// (ToolCall.Provider): Approved says whether the provider may run the
	// tool, Content is the reason of a denial.
	Provider string
	Approved bool
}

// Part returns the result as a tool-result content part, or for a
// provider's approval request as an approval-response part (ABI 1.3).
func (r ToolResult) Part() abi.Part {
	if r.Provider != "" {
		return abi.Part{Type: abi.PartApprovalResponse, ToolCallID: r.ToolCallID, Name: r.Name, Content: r.Content, Approved: r.Approved, Provider: r.Provider}
	}
	return abi.Part{Type: abi.PartToolResult, ToolCallID: r.ToolCallID, Name: r.Name, Content: r.Content, IsError: r.IsError}
}

// Gate decides whether a tool call may run: the one place where consent
// prompts and policy plug in. It answers allow (nil), pending (an error
// matching ErrPending: the loop stops with an approval request that
// ToolLoop.Resume answers later) or deny (any other error: the model
// receives an error result saying so, with the error's text).
type Gate func(ctx context.Context, call ToolCall) error

// ErrDenied is the cause (errors.Is) of ToolResult.Err when the gate
// denied a call.
var ErrDenied = errors.New("host: tool call denied by the gate")

// ErrStepLimit is returned by ToolLoop.Run when the model still calls
// tools after MaxSteps requests.
var ErrStepLimit = errors.New("host: tool loop step limit reached")

// DefaultMaxSteps is the ToolLoop step limit when MaxSteps is zero.
const DefaultMaxSteps = 10

// ToolLoop runs the agent loop: send the conversation with the registry's
// tools, run the tool calls the model makes, append their results, and
// repeat until the model finishes without calling a tool.
type ToolLoop struct {
	// Client sends the requests.
	Client *Client
	// Provider is where they go.
	Provider Provider
	// Route, when set, is used instead of Provider: each request goes to
	// the first of its targets that serves it.
	Route *Route
	// Tools are offered with every request and run when called.
	Tools *ToolRegistry
	// Gate, when set, is asked before every handler runs.
	Gate Gate
	// MaxSteps bounds the requests of one Run (default DefaultMaxSteps).
	MaxSteps int
	// MaxParallel bounds the tool calls of one step that run at once
	// (0: all of them; 1: one after the other, in the model's order).
	MaxParallel int
	// Options apply to every request (and WithTimeout to the whole
	// loop).
	Options []CallOption
}
