// The official OpenAI Node SDK against the gateway's Chat Completions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { url, key, model, embedModel, countModel, embedVector, weatherAnswer, toolResults, weatherSchema, cityOf, errorCases, rejectsWith } from './gateway.mjs';

const client = (k = key) => new OpenAI({ baseURL: `${url}/v1`, apiKey: k, maxRetries: 0 });
const tools = [{ type: 'function', function: { name: 'get_weather', parameters: weatherSchema } }];
const user = { role: 'user', content: "What's the weather in Paris and Tokyo?" };

test('openai: streamed tool calls, then a streamed tool-result turn', async () => {
  const c = client();
  const first = await c.chat.completions.stream({ model, messages: [user], tools }).finalChatCompletion();
  const choice = first.choices[0];
  assert.equal(choice.finish_reason, 'tool_calls');
  assert.equal(first.model, model);
  assert.equal(choice.message.tool_calls.length, 2);
  const messages = [user, choice.message];
  const cities = new Set();
  for (const call of choice.message.tool_calls) {
    assert.equal(call.function.name, 'get_weather');
    const city = cityOf(call.function.arguments);
    cities.add(city);
    messages.push({ role: 'tool', tool_call_id: call.id, content: toolResults[city] });
  }
  assert.deepEqual([...cities].sort(), ['Paris', 'Tokyo']);

  let streamed = '';
  const stream = await c.chat.completions.create({ model, messages, tools, stream: true });
  for await (const chunk of stream) streamed += chunk.choices[0]?.delta?.content ?? '';
  assert.equal(streamed, weatherAnswer);

  const whole = await c.chat.completions.create({ model, messages, tools });
  assert.equal(whole.choices[0].message.content, weatherAnswer);
  assert.equal(whole.usage.completion_tokens, 21);
});

test('openai: errors carry the status and type', async (t) => {
  for (const [name, k, m, status, type] of errorCases) {
    await t.test(name, () => rejectsWith(client(k).chat.completions.create({ model: m, messages: [user] }), OpenAI.APIError, status,
      (err) => assert.equal(err.type, type)));
  }
});

test('openai: embeddings, float and the SDK\'s default base64, and a module without embed refused', async (t) => {
  const inputs = ['The food was delicious', 'The waiter was friendly'];
  // The SDK asks for base64 unless told otherwise, and decodes it.
  for (const encoding_format of [undefined, 'float']) {
    await t.test(encoding_format ?? 'default (base64)', async () => {
      const res = await client().embeddings.create({ model: embedModel, input: inputs, encoding_format });
      assert.equal(res.model, embedModel);
      assert.equal(res.usage.prompt_tokens, inputs.reduce((n, s) => n + Buffer.byteLength(s), 0));
      assert.deepEqual(res.data.map((d) => [d.index, Array.from(d.embedding)]), inputs.map((s, i) => [i, embedVector(i, s)]));
    });
  }
  await rejectsWith(client().embeddings.create({ model: countModel, input: 'hi' }), OpenAI.APIError, 400,
    (err) => assert.equal(err.code, 'capability_unsupported'));
});
