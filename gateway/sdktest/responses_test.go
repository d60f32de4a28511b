package sdktest

import (
	"context"
	"errors"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/responses"
	"github.com/wasmadapt/wasmadapt/gateway/sdktest/sdkgateway"
)

func responseParams(model string, input responses.ResponseInputParam) responses.ResponseNewParams {
	return responses.ResponseNewParams{
		Model: model,
		Input: responses.ResponseNewParamsInputUnion{OfInputItemList: input},
		Tools: []responses.ToolUnionParam{{OfFunction: &responses.FunctionToolParam{
			Name: "get_weather", Parameters: weatherSchema, Strict: openai.Bool(false),
		}}},
	}
}

// TestOpenAIResponsesStreamToolsAndResults: openai-go's Responses client
// streams a turn of two function_call items, sends their
// function_call_output items back, and gets the answer streamed and whole.
func TestOpenAIResponsesStreamToolsAndResults(t *testing.T) {
	g := start(t)
	c := openaiClient(g, sdkgateway.Key)
	ctx := context.Background()
	input := responses.ResponseInputParam{responses.ResponseInputItemParamOfMessage("What's the weather in Paris and Tokyo?", responses.EasyInputMessageRoleUser)}

	stream := c.Responses.NewStreaming(ctx, responseParams(sdkgateway.Model, input))
	var (
		final  responses.Response
		types  = map[string]int{}
		deltas = map[int64]string{}
	)
	for stream.Next() {
		ev := stream.Current()
		types[ev.Type]++
		switch ev.Type {
		case "response.function_call_arguments.delta":
			deltas[ev.OutputIndex] += ev.Delta
		case "response.completed":
			final = ev.Response
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{"response.created", "response.in_progress", "response.output_item.added", "response.function_call_arguments.delta", "response.function_call_arguments.done", "response.output_item.done", "response.completed"} {
		if types[typ] == 0 {
			t.Errorf("no %s event (events: %v)", typ, types)
		}
	}
	if final.Status != "completed" || final.Model != sdkgateway.Model || len(final.Output) != 2 {
		t.Fatalf("final response status %q model %q %d items", final.Status, final.Model, len(final.Output))
	}
	seen := map[string]bool{}
	for i, item := range final.Output {
		fc := item.AsFunctionCall()
		if item.Type != "function_call" || fc.Name != "get_weather" || fc.CallID == "" {
			t.Fatalf("output[%d] %+v", i, item)
		}
		if deltas[int64(i)] != fc.Arguments {
			t.Errorf("streamed arguments %q, final %q", deltas[int64(i)], fc.Arguments)
		}
		city := cityOf(t, fc.Arguments)
		seen[city] = true
		input = append(input, responses.ResponseInputItemParamOfFunctionCall(fc.Arguments, fc.CallID, fc.Name))
		out := responses.ResponseInputItemParamOfFunctionCallOutput(toolResults[city])
		out.OfFunctionCallOutput.CallID = openai.String(fc.CallID)
		input = append(input, out)
	}
	if len(seen) != 2 {
		t.Fatalf("function calls name %v, want Paris and Tokyo", seen)
	}

	stream = c.Responses.NewStreaming(ctx, responseParams(sdkgateway.Model, input))
	text := ""
	for stream.Next() {
		if ev := stream.Current(); ev.Type == "response.output_text.delta" {
			text += ev.Delta
		} else if ev.Type == "response.completed" {
			final = ev.Response
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if text != weatherAnswer || final.OutputText() != weatherAnswer {
		t.Fatalf("streamed %q, final %q, want %q", text, final.OutputText(), weatherAnswer)
	}
	if final.Usage.OutputTokens != 21 || final.Usage.InputTokens != 187 {
		t.Errorf("usage %+v", final.Usage)
	}

	whole, err := c.Responses.New(ctx, responseParams(sdkgateway.Model, input))
	if err != nil {
		t.Fatal(err)
	}
	if whole.OutputText() != weatherAnswer || whole.Status != "completed" {
		t.Fatalf("whole response %q %s", whole.OutputText(), whole.Status)
	}
}

// TestOpenAIResponsesErrors: errors reach openai-go's Responses client
// typed, with the gateway's status and OpenAI error type.
func TestOpenAIResponsesErrors(t *testing.T) {
	g := start(t)
	input := responses.ResponseInputParam{responses.ResponseInputItemParamOfMessage("hi", responses.EasyInputMessageRoleUser)}
	for _, tc := range errorCases {
		if tc.stream {
			continue // the streamed case is the chat tests'
		}
		t.Run(tc.name, func(t *testing.T) {
			c := openaiClient(g, tc.key)
			_, err := c.Responses.New(context.Background(), responseParams(tc.model, input))
			var apiErr *openai.Error
			if !errors.As(err, &apiErr) || apiErr.StatusCode != tc.status || apiErr.Type != tc.errType {
				t.Fatalf("error %v, want %d %s", err, tc.status, tc.errType)
			}
		})
	}
}
