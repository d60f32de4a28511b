package sdktest

import (
	"context"
	"errors"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/anthropics/anthropic-sdk-go/v2/packages/ssestream"
	"github.com/wasmadapt/wasmadapt/gateway/sdktest/sdkgateway"
)

// accumulateMessage reads a Messages stream to its end into a message,
// failing t on an event the SDK refuses to accumulate.
func accumulateMessage(t *testing.T, stream *ssestream.Stream[anthropic.MessageStreamEventUnion]) anthropic.Message {
	t.Helper()
	var msg anthropic.Message
	for stream.Next() {
		if err := msg.Accumulate(stream.Current()); err != nil {
			t.Fatalf("the SDK refused an event: %v", err)
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	return msg
}

func anthropicClient(g *sdkgateway.Gateway, key string) anthropic.Client {
	return anthropic.NewClient(option.WithBaseURL(g.URL), option.WithAPIKey(key), option.WithMaxRetries(0))
}

func messageParams(model string, msgs ...anthropic.MessageParam) anthropic.MessageNewParams {
	return anthropic.MessageNewParams{
		Model:     anthropic.Model(model),
		MaxTokens: 256,
		Messages:  msgs,
		Tools: []anthropic.ToolUnionParam{{OfTool: &anthropic.ToolParam{
			Name:        "get_weather",
			InputSchema: anthropic.ToolInputSchemaParam{Properties: weatherSchema["properties"], Required: []string{"city"}},
		}}},
	}
}

// TestAnthropicStreamToolsAndResults: a streamed turn of two tool_use
// blocks accumulated by the SDK, then a streamed turn with their
// tool_result blocks that gets the answer; and the last turn unstreamed.
func TestAnthropicStreamToolsAndResults(t *testing.T) {
	g := start(t)
	c := anthropicClient(g, sdkgateway.Key)
	ctx := context.Background()
	user := anthropic.NewUserMessage(anthropic.NewTextBlock("What's the weather in Paris and Tokyo?"))

	msg := accumulateMessage(t, c.Messages.NewStreaming(ctx, messageParams(sdkgateway.Model, user)))
	if msg.StopReason != anthropic.StopReasonToolUse || string(msg.Model) != sdkgateway.Model {
		t.Fatalf("stop %q model %q, want tool_use and %q", msg.StopReason, msg.Model, sdkgateway.Model)
	}
	var results []anthropic.ContentBlockParamUnion
	seen := map[string]bool{}
	for _, b := range msg.Content {
		if b.Type != "tool_use" {
			continue
		}
		if b.Name != "get_weather" || b.ID == "" {
			t.Errorf("tool_use %+v", b)
		}
		city := cityOf(t, string(b.Input))
		seen[city] = true
		results = append(results, anthropic.NewToolResultBlock(b.ID, toolResults[city], false))
	}
	if len(seen) != 2 {
		t.Fatalf("tool_use blocks name %v, want Paris and Tokyo: %+v", seen, msg.Content)
	}
	msgs := []anthropic.MessageParam{user, msg.ToParam(), anthropic.NewUserMessage(results...)}

	msg = accumulateMessage(t, c.Messages.NewStreaming(ctx, messageParams(sdkgateway.Model, msgs...)))
	if len(msg.Content) != 1 || msg.Content[0].Text != weatherAnswer || msg.StopReason != anthropic.StopReasonEndTurn {
		t.Fatalf("answer %+v (%s), want %q", msg.Content, msg.StopReason, weatherAnswer)
	}
	if msg.Usage.OutputTokens != 21 {
		t.Errorf("usage %+v, want 21 output tokens", msg.Usage)
	}

	whole, err := c.Messages.New(ctx, messageParams(sdkgateway.Model, msgs...))
	if err != nil {
		t.Fatal(err)
	}
	if len(whole.Content) != 1 || whole.Content[0].Text != weatherAnswer {
		t.Fatalf("whole answer %+v", whole.Content)
	}
}

// TestAnthropicErrors: the SDK's typed error carries the gateway's status
// and the Anthropic error type, for gateway and upstream errors.
func TestAnthropicErrors(t *testing.T) {
	g := start(t)
	ctx := context.Background()
	user := anthropic.NewUserMessage(anthropic.NewTextBlock("hi"))
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			c := anthropicClient(g, tc.key)
			var err error
			if tc.stream {
				s := c.Messages.NewStreaming(ctx, messageParams(tc.model, user))
				for s.Next() {
					t.Fatalf("an event before the error: %+v", s.Current())
				}
				err = s.Err()
			} else {
				_, err = c.Messages.New(ctx, messageParams(tc.model, user))
			}
			var apiErr *anthropic.Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v (%T), want *anthropic.Error", err, err)
			}
			if apiErr.StatusCode != tc.status || string(apiErr.Type()) != tc.errType {
				t.Fatalf("status %d type %q, want %d %q: %v", apiErr.StatusCode, apiErr.Type(), tc.status, tc.errType, err)
			}
		})
	}
}
