// Package watsonx is the wasmadapt adapter for the IBM watsonx.ai chat API
// (POST {region}.ml.cloud.ibm.com/ml/v1/text/chat and .../chat_stream,
// with a version query parameter; bearer IAM access token, see
// host.IBMIAM): an OpenAI-like dialect of package chatcompletions built
// from a hosted.Spec. What differs from OpenAI:
//
//   - Streams and whole responses have their own paths (chat_stream,
//     chat) and take ?version=2024-10-08; the body holds no stream or
//     stream_options field (the API validates bodies against its schema),
//     and usage comes in the finishing chunk unasked. The default base URL is the
//     Dallas region; others (eu-de, eu-gb, jp-tok, au-syd, ca-tor) are set
//     by the host.
//   - The model is "model_id", and every request names a project or a
//     deployment space: the provider option project_id or space_id (one is
//     required).
//   - tool_choice modes are "tool_choice_option" (auto, none, required); a
//     named tool stays tool_choice. Strict tools are refused; structured
//     output is JSON mode (json_object) unless the model family is known
//     to take json_schema.
//   - Reasoning models (gpt-oss) stream reasoning_content; reasoning.effort
//     is sent as reasoning_effort.
//   - Streams may end without "data: [DONE]"; the finish_reason then ends
//     them cleanly.
//   - Errors are {"errors":[{"code","message"}],"trace","status_code"}: the
//     first error's message and code are reported; code
//     authentication_token_expired is authentication (the host should fetch
//     a new IAM token), token_quota_reached rate_limited and not retryable.
//
// Provider options: frequency_penalty, logprobs, n, presence_penalty,
// project_id, seed, space_id, time_limit, top_logprobs.
package watsonx

import (
	"encoding/json"
	"fmt"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/chatcompletions"
	"github.com/wasmadapt/wasmadapt/adapters-wasm/internal/hosted"
	"github.com/wasmadapt/wasmadapt/guest"
)

// Version is the module's version.
const Version = "1.0.0"

// APIVersion is the version query parameter sent with every request.
const APIVersion = "2024-10-08"

// Spec is the watsonx.ai chat API.
var Spec = hosted.Spec{
	Name:          "watsonx",
	BaseURL:       "https://us-south.ml.cloud.ibm.com",
	DoneOptional:  true,
	NoStreamUsage: true,
	Options: hosted.Pass("frequency_penalty", "logprobs", "n", "presence_penalty", "project_id:string", "seed",
		"space_id:string", "time_limit:integer", "top_logprobs"),
	Refused: hosted.Same("watsonx.ai does not support it; remove it", "logit_bias", "parallel_tool_calls", "service_tier",
		"store", "metadata", "prediction", "user"),
	Families: []hosted.Family{
		{Match: []string{"gpt-oss"}, Reasoning: true, Structured: hosted.JSONMode},
		{Match: []string{"llama-4", "vision", "-vl"}, Vision: true, Structured: hosted.JSONMode},
	},
	OpenWeights: true,
	Default:     hosted.Family{Structured: hosted.JSONMode},
	Route:       route,
	Rewrite:     rewrite,
	Extend:      extend,
	Errors: []hosted.ErrorRule{
		{Code: "authentication_token_expired", To: abi.CodeAuthentication, Hint: "the IAM token expired; fetch a new one and retry"},
		{Code: "token_quota_reached", To: abi.CodeRateLimited, Hint: "the plan's token quota is used up (retrying will not help)"},
	},
}

// New returns the watsonx.ai adapter.
func New() guest.Adapter { return Spec.New(Version) }

func route(req *abi.Request) (string, map[string]string, error) {
	path := "/ml/v1/text/chat"
	if req.Stream {
		path += "_stream"
	}
	return path, map[string]string{"version": APIVersion}, nil
}

// rewrite requires a project or a space.
func rewrite(req *abi.Request) (*abi.Request, error) {
	_, p := req.ProviderOptions["project_id"]
	_, s := req.ProviderOptions["space_id"]
	if p == s {
		return nil, &abi.Error{Code: abi.CodeInvalidRequest, Pointer: "/provider_options/project_id",
			Message: fmt.Sprintf("watsonx needs exactly one of the provider options project_id and space_id (model %q runs in a project or a deployment space)", req.Model)}
	}
	return req, nil
}

// extend renames model to model_id, moves a tool_choice mode to
// tool_choice_option and drops stream (the path says it: chat_stream).
func extend(req *abi.Request, body *chatcompletions.Body) error {
	body.Delete("stream")
	if m, ok := body.Get("model"); ok {
		body.Delete("model")
		body.SetRaw("model_id", m)
	}
	if tc, ok := body.Get("tool_choice"); ok {
		var mode string
		if json.Unmarshal(tc, &mode) == nil {
			body.Delete("tool_choice")
			body.SetRaw("tool_choice_option", tc)
		}
	}
	return nil
}
