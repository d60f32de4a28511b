package sdktest

import (
	"context"
	"errors"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/packages/ssestream"
	"github.com/openai/openai-go/v3/responses"
	"github.com/wasmadapt/wasmadapt/gateway/sdktest/sdkgateway"
)

// completed reads a Responses stream to its end, handing each event to on
// (when not nil), and returns the response of its response.completed
// event.
func completed(t *testing.T, stream *ssestream.Stream[responses.ResponseStreamEventUnion], on func(ev responses.ResponseStreamEventUnion)) responses.Response {
	t.Helper()
	var final responses.Response
	for stream.Next() {
		ev := stream.Current()
		if on != nil {
			on(ev)
		}
		if ev.Type == "response.completed" {
			final = ev.Response
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	return final
}

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

	types, deltas := map[string]int{}, map[int64]string{}
	final := completed(t, c.Responses.NewStreaming(ctx, responseParams(sdkgateway.Model, input)), func(ev responses.ResponseStreamEventUnion) {
		types[ev.Type]++
		if ev.Type == "response.function_call_arguments.delta" {
			deltas[ev.OutputIndex] += ev.Delta
		}
	})
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

	text := ""
	final = completed(t, c.Responses.NewStreaming(ctx, responseParams(sdkgateway.Model, input)), func(ev responses.ResponseStreamEventUnion) {
		if ev.Type == "response.output_text.delta" {
			text += ev.Delta
		}
	})
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

// TestOpenAIResponsesReasoningAndRefusal: openai-go's Responses client
// reads a provider's reasoning (a reasoning item's summary, streamed as
// response.reasoning_summary_text.delta) and its refusal (a message's
// refusal part, streamed as response.refusal.delta), streamed and whole.
func TestOpenAIResponsesReasoningAndRefusal(t *testing.T) {
	g := start(t)
	c := openaiClient(g, sdkgateway.Key)
	ctx := context.Background()
	input := responses.ResponseInputParam{responses.ResponseInputItemParamOfMessage("What's the weather in Paris and Rome?", responses.EasyInputMessageRoleUser)}
	// outputOf is the reasoning summary, or the refusal, of a final response.
	outputOf := func(t *testing.T, r *responses.Response, reasoning bool) string {
		t.Helper()
		for _, item := range r.Output {
			switch {
			case reasoning && item.Type == "reasoning":
				if s := item.AsReasoning().Summary; len(s) == 1 {
					return s[0].Text
				}
			case !reasoning && item.Type == "message":
				for _, p := range item.AsMessage().Content {
					if p.Type == "refusal" {
						return p.AsRefusal().Refusal
					}
				}
			}
		}
		t.Fatalf("no %s in the output %+v", map[bool]string{true: "reasoning summary", false: "refusal"}[reasoning], r.Output)
		return ""
	}
	for _, tc := range []struct {
		model, delta, want string
		reasoning          bool
	}{
		{sdkgateway.ReasoningModel, "response.reasoning_summary_text.delta", sdkgateway.ReasoningText, true},
		{sdkgateway.RefusalModel, "response.refusal.delta", sdkgateway.RefusalText, false},
	} {
		t.Run(tc.model, func(t *testing.T) {
			var deltas, done string
			final := completed(t, c.Responses.NewStreaming(ctx, responseParams(tc.model, input)), func(ev responses.ResponseStreamEventUnion) {
				switch ev.Type {
				case tc.delta:
					deltas += ev.Delta
				case "response.reasoning_summary_text.done":
					done = ev.AsResponseReasoningSummaryTextDone().Text
				case "response.refusal.done":
					done = ev.AsResponseRefusalDone().Refusal
				}
			})
			if deltas != tc.want || done != tc.want || outputOf(t, &final, tc.reasoning) != tc.want {
				t.Fatalf("streamed %q, done %q, final %q; want %q", deltas, done, outputOf(t, &final, tc.reasoning), tc.want)
			}
			whole, err := c.Responses.New(ctx, responseParams(tc.model, input))
			if err != nil {
				t.Fatal(err)
			}
			if got := outputOf(t, whole, tc.reasoning); got != tc.want {
				t.Fatalf("whole response: %q, want %q", got, tc.want)
			}
		})
	}
}

// TestOpenAIResponsesApprovalContinuation: openai-go's Responses client
// sends an mcp tool, reads the mcp_approval_request item of the streamed
// answer, sends it back with its mcp_approval_response (the SDK's own
// item params) and gets the continued answer.
func TestOpenAIResponsesApprovalContinuation(t *testing.T) {
	g := start(t)
	c := openaiClient(g, sdkgateway.Key)
	ctx := context.Background()
	params := responses.ResponseNewParams{
		Model: sdkgateway.ApprovalModel,
		Input: responses.ResponseNewParamsInputUnion{OfInputItemList: responses.ResponseInputParam{
			responses.ResponseInputItemParamOfMessage("What is wasmadapt?", responses.EasyInputMessageRoleUser)}},
		Tools: []responses.ToolUnionParam{{OfMcp: &responses.ToolMcpParam{ServerLabel: "deepwiki", ServerURL: openai.String("https://mcp.deepwiki.com/mcp"),
			RequireApproval: responses.ToolMcpRequireApprovalUnionParam{OfMcpToolApprovalSetting: openai.String("always")}}}},
	}
	final := completed(t, c.Responses.NewStreaming(ctx, params), nil)
	var req responses.ResponseOutputItemMcpApprovalRequest
	for _, item := range final.Output {
		if item.Type == "mcp_approval_request" {
			req = item.AsMcpApprovalRequest()
		}
	}
	if req.ID != "mcpr_12" || req.ServerLabel != "deepwiki" || req.Name != "ask_question" || req.Arguments != `{"question":"What is wasmadapt?"}` {
		t.Fatalf("approval request %+v in the output %+v", req, final.Output)
	}

	params.Input.OfInputItemList = append(params.Input.OfInputItemList,
		responses.ResponseInputItemUnionParam{OfMcpApprovalRequest: &responses.ResponseInputItemMcpApprovalRequestParam{
			ID: req.ID, Arguments: req.Arguments, Name: req.Name, ServerLabel: req.ServerLabel}},
		responses.ResponseInputItemParamOfMcpApprovalResponse(req.ID, true))
	whole, err := c.Responses.New(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	if whole.OutputText() != sdkgateway.ApprovalReply || whole.Status != "completed" {
		t.Fatalf("continued response %q %s, want %q completed", whole.OutputText(), whole.Status, sdkgateway.ApprovalReply)
	}
}
