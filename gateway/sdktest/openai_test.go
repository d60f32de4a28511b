package sdktest

import (
	"context"
	"errors"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/packages/ssestream"
	"github.com/openai/openai-go/v3/shared"
	"github.com/wasmadapt/wasmadapt/gateway/sdktest/sdkgateway"
)

func openaiClient(g *sdkgateway.Gateway, key string) openai.Client {
	return openai.NewClient(option.WithBaseURL(g.URL+"/v1/"), option.WithAPIKey(key), option.WithMaxRetries(0))
}

func chatParams(model string, msgs ...openai.ChatCompletionMessageParamUnion) openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{
		Model:    model,
		Messages: msgs,
		Tools: []openai.ChatCompletionToolUnionParam{openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{
			Name: "get_weather", Parameters: shared.FunctionParameters(weatherSchema),
		})},
	}
}

// accumulate reads a Chat Completions stream to its end into the SDK's
// accumulator, failing t on a chunk the accumulator refuses.
func accumulate(t *testing.T, stream *ssestream.Stream[openai.ChatCompletionChunk]) openai.ChatCompletionAccumulator {
	t.Helper()
	var acc openai.ChatCompletionAccumulator
	for chunks := 0; stream.Next(); chunks++ {
		if !acc.AddChunk(stream.Current()) {
			t.Fatalf("the SDK's accumulator refused chunk %d: %+v", chunks, stream.Current())
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	return acc
}

// TestOpenAIChatStreamToolsAndResults: a streamed turn of two tool calls,
// accumulated by the SDK, then a streamed turn with their results that
// gets the answer; and the same two turns unstreamed.
func TestOpenAIChatStreamToolsAndResults(t *testing.T) {
	g := start(t)
	c := openaiClient(g, sdkgateway.Key)
	ctx := context.Background()
	user := openai.UserMessage("What's the weather in Paris and Tokyo?")

	acc := accumulate(t, c.Chat.Completions.NewStreaming(ctx, chatParams(sdkgateway.Model, user)))
	if len(acc.Choices) != 1 {
		t.Fatalf("%d choices", len(acc.Choices))
	}
	ch := acc.Choices[0]
	if ch.FinishReason != "tool_calls" || len(ch.Message.ToolCalls) != 2 {
		t.Fatalf("finish %q, %d tool calls, want tool_calls and 2: %+v", ch.FinishReason, len(ch.Message.ToolCalls), ch.Message)
	}
	if acc.Model != sdkgateway.Model {
		t.Errorf("model %q, want the public name %q", acc.Model, sdkgateway.Model)
	}
	msgs := []openai.ChatCompletionMessageParamUnion{user, ch.Message.ToParam()}
	seen := map[string]bool{}
	for _, tc := range ch.Message.ToolCalls {
		if tc.Function.Name != "get_weather" || tc.ID == "" {
			t.Errorf("tool call %+v", tc)
		}
		city := cityOf(t, tc.Function.Arguments)
		seen[city] = true
		msgs = append(msgs, openai.ToolMessage(toolResults[city], tc.ID))
	}
	if len(seen) != 2 {
		t.Fatalf("tool calls name %v, want Paris and Tokyo", seen)
	}

	acc = accumulate(t, c.Chat.Completions.NewStreaming(ctx, chatParams(sdkgateway.Model, msgs...)))
	if got := acc.Choices[0].Message.Content; got != weatherAnswer || acc.Choices[0].FinishReason != "stop" {
		t.Fatalf("answer %q (%s), want %q", got, acc.Choices[0].FinishReason, weatherAnswer)
	}

	whole, err := c.Chat.Completions.New(ctx, chatParams(sdkgateway.Model, msgs...))
	if err != nil {
		t.Fatal(err)
	}
	if whole.Choices[0].Message.Content != weatherAnswer || whole.Usage.CompletionTokens != 21 || whole.Usage.PromptTokens != 187 {
		t.Fatalf("whole answer %q usage %+v", whole.Choices[0].Message.Content, whole.Usage)
	}
}

// TestOpenAIChatErrors: the SDK's typed error carries the gateway's
// status and error type, for a gateway error (unknown model, wrong key)
// and an upstream one (the provider's rate limit), streamed or not.
func TestOpenAIChatErrors(t *testing.T) {
	g := start(t)
	ctx := context.Background()
	user := openai.UserMessage("hi")
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			c := openaiClient(g, tc.key)
			var err error
			if tc.stream {
				s := c.Chat.Completions.NewStreaming(ctx, chatParams(tc.model, user))
				for s.Next() {
					t.Fatalf("a chunk before the error: %+v", s.Current())
				}
				err = s.Err()
			} else {
				_, err = c.Chat.Completions.New(ctx, chatParams(tc.model, user))
			}
			var apiErr *openai.Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v (%T), want *openai.Error", err, err)
			}
			if apiErr.StatusCode != tc.status || apiErr.Type != tc.errType || apiErr.Message == "" {
				t.Fatalf("status %d type %q message %q, want %d %q", apiErr.StatusCode, apiErr.Type, apiErr.Message, tc.status, tc.errType)
			}
		})
	}
}
