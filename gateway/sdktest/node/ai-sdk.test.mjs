// The Vercel AI SDK (its OpenAI-compatible provider) against the gateway:
// the SDK runs the tool itself and sends the tool-result turn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { streamText, generateText, tool, jsonSchema, stepCountIs, APICallError } from 'ai';
import { url, key, model, limitedModel, weatherAnswer, toolResults, weatherSchema } from './gateway.mjs';

const provider = createOpenAICompatible({ name: 'wasmadapt', baseURL: `${url}/v1`, apiKey: key });

test('ai-sdk: streamText with a tool the SDK executes, over two steps', async () => {
  const called = [];
  const result = streamText({
    model: provider(model),
    prompt: "What's the weather in Paris and Tokyo?",
    maxRetries: 0,
    stopWhen: stepCountIs(3),
    tools: {
      get_weather: tool({
        description: 'The weather in a city',
        inputSchema: jsonSchema(weatherSchema),
        execute: async ({ city }) => { called.push(city); return JSON.parse(toolResults[city]); },
      }),
    },
  });
  let streamed = '';
  for await (const delta of result.textStream) streamed += delta;
  assert.deepEqual(called.sort(), ['Paris', 'Tokyo']);
  assert.equal(streamed, weatherAnswer);
  assert.equal((await result.steps).length, 2);
  assert.equal(await result.finishReason, 'stop');
});

test('ai-sdk: an upstream error is an APICallError with its status', async () => {
  await assert.rejects(generateText({ model: provider(limitedModel), prompt: 'hi', maxRetries: 0 }), (err) => {
    assert.ok(APICallError.isInstance(err), `${err}`);
    assert.equal(err.statusCode, 429);
    return true;
  });
});
