// Package host is the wasmadapt client an agent runtime embeds: it turns
// adapter modules into one provider-agnostic LLM client. The host owns
// everything that touches the outside world, so adapters stay pure: HTTP,
// stream framing, decompression, credentials, retries, cancellation and
// the tool loop.
//
// # Overview
//
// A Provider is an adapter module (api.Module, loaded by package engine or
// any other runtime; host itself links none), a base URL and a credential
// source. A Client sends normalized requests (abi.Request) to a provider:
//
//	client := host.NewClient()
//	p := host.Provider{Module: mod, Credentials: host.EnvKey("OPENAI_API_KEY")}
//	for ev, err := range client.Stream(ctx, p, req) {
//		if err != nil { ... } // *abi.Error with a stable code
//		fmt.Println(ev.String())
//	}
//	resp, err := client.Generate(ctx, p, req) // the whole response
//
// Each call goes through these stages:
//
//  1. The capability check (CheckCapabilities): the module's capabilities
//     for the model are checked against the request before a byte is
//     sent; streaming, tools, json_schema output, images, reasoning or a
//     multi-turn history the model cannot serve is capability_unsupported.
//     There is no silent fallback: AllowDowngrade opts in to a documented
//     downgrade. A model the module does not know (capabilities source
//     "unknown") gets plain text only unless the caller assumes
//     capabilities for it (AssumeCapabilities, WithAssumedCapabilities).
//  2. Projection: the module turns the request into a provider request;
//     with DropRefusedSampling allowed, a sampling parameter the module
//     refuses for the model is dropped and the request projected again;
//     the host builds the HTTP request on the base URL, injects the
//     credential per the module's declared auth scheme (bearer, header,
//     query, aws-sigv4 via host/sigv4, none) and asks for gzip or zstd.
//     The module never sees the credential. The projection must keep the
//     host's rules (policy.go, SECURITY.md "Host rules"): GET, POST or
//     DELETE, a path under the base URL, only allowed headers (operator
//     headers win); anything else is adapter_bad_output.
//  3. Transport: a shared net/http transport (connection reuse, HTTP/2
//     where offered). Redirects are never followed (ErrRedirect), and a
//     response that contains the credential never reaches the module
//     (ErrCredentialEchoed). A non-2xx answer goes to the module's error
//     mapping and becomes an *abi.Error (Status set). A provider that
//     cannot be reached is unavailable (refused, reset, DNS, TLS) or
//     timeout, with the host named. Retryable errors (rate limits,
//     overload, 5xx, connection failures, a stream that broke before its
//     first event) are retried with exponential backoff and jitter,
//     honouring Retry-After, but only while no event has reached the
//     caller.
//  4. Streaming: the body is decompressed with a size limit, split by the
//     framing the module declared (package framing) and fed to the module's
//     transform with host-owned state; the end of the body is signalled
//     with abi.FlagEnd (on the body's last chunks when they are batched
//     and it changes no event; else on an empty last call). A stream that ends or breaks before the provider's
//     end marker, or stalls past the idle timeout, fails with
//     stream_truncated: nothing is reported as a clean finish. A cancelled
//     context, or a loop that stops ranging, closes the connection at once.
//
// Per-call options (CallOption) set retries, timeouts (total, per step,
// idle), extra headers and an observer of that call only.
//
// A Session holds a conversation's history, keyed by session id; the
// trace id is per turn. Client.Send appends each assistant turn as it
// comes back, reasoning parts included with their signatures and the
// producing provider's name, so that the same provider gets them back and
// other providers' adapters can drop them. A session marshals to JSON
// losslessly; a SessionStore keeps sessions (MemoryStore, bounded by LRU
// and TTL; SQLStore, in SQLite or PostgreSQL through database/sql).
//
// A ToolRegistry is the single source of tool definitions (NewTool
// derives a tool's schema from its Go argument type); a ToolLoop sends the
// conversation with them, validates each tool call's arguments against
// the tool's JSON Schema (host/jsonschema), asks the Gate, runs the
// handlers of one step concurrently, appends the results in call order
// and repeats until the model answers without calling a tool or MaxSteps
// is reached. ToolLoop.Stream yields the loop's step events as they
// happen. A Gate may leave a call pending (ErrPending): the loop stops with
// an approval request kept in the session, and ToolLoop.Resume continues
// with the caller's decisions without asking the model again.
//
// Provider tools of the loop's request (web search, code execution, web
// fetch, file search, MCP) are sent next to the registry's. What the
// provider ran stays in the session as server-tool parts (ABI 1.3), sent
// back to that provider only (the gate drops them for any other module);
// a turn the provider paused (finish pause) is resent to continue it; a
// provider's approval request (an MCP tool with require_approval) goes to
// the same Gate as a ToolCall with Provider set, and its answer is sent
// back as an approval-response part.
//
// With a json_schema response format the final text is validated against
// the schema (output_invalid, with the JSON pointer of the first
// violation); GenerateObject and StreamObject decode it into a Go type.
//
// A Route tries ordered (provider, model) targets, moving on when one
// fails with a retryable error before its first event; a KeyPool rotates a
// provider's keys and rests one after a 429.
//
// # Operations
//
// Besides chat, a module of ABI 1.3 may serve operations (ops.go):
// Client.Models lists the provider's models and their capabilities
// (discovered capabilities then take precedence over the module's table,
// source "discovered", until WithDiscoveryTTL ends), Client.Embed computes
// embeddings batched to the module's limit, and Client.CountTokens counts
// a request's input tokens. An operation the module does not list in its
// capabilities is capability_unsupported, before a byte is sent.
//
// # Observability
//
// Every step (request, retry, downgrade, event, response, tool call, tool
// result, loop step) is reported to an Observer with the session id, trace
// id and step number. Retries and downgrades are logged with log/slog.
// Each call is an OpenTelemetry span "chat {model}" and each tool
// execution a span "execute_tool {name}", with attributes and metrics
// named by the GenAI semantic conventions (see the Attr* and Metric*
// constants).
//
// # Testing
//
// Package host/providertest is a loopback mock provider that replays
// recorded responses, cut at random byte boundaries, slowed, stalled,
// dropped or preceded by error answers.
package host
