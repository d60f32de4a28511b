// The official Anthropic Node SDK against the gateway's Messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { url, key, model, countModel, countOf, weatherAnswer, toolResults, weatherSchema, cityOf, errorCases, rejectsWith } from './gateway.mjs';

const client = (k = key) => new Anthropic({ baseURL: url, apiKey: k, maxRetries: 0 });
const tools = [{ name: 'get_weather', input_schema: weatherSchema }];
const user = { role: 'user', content: "What's the weather in Paris and Tokyo?" };

test('anthropic: streamed tool_use blocks, then a streamed tool_result turn', async () => {
  const c = client();
  const first = await c.messages.stream({ model, max_tokens: 256, messages: [user], tools }).finalMessage();
  assert.equal(first.stop_reason, 'tool_use');
  assert.equal(first.model, model);
  const uses = first.content.filter((b) => b.type === 'tool_use');
  assert.equal(uses.length, 2);
  const results = uses.map((b) => {
    assert.equal(b.name, 'get_weather');
    return { type: 'tool_result', tool_use_id: b.id, content: toolResults[cityOf(JSON.stringify(b.input))] };
  });
  const messages = [user, { role: 'assistant', content: first.content }, { role: 'user', content: results }];

  const stream = c.messages.stream({ model, max_tokens: 256, messages, tools });
  let streamed = '';
  stream.on('text', (d) => { streamed += d; });
  const answer = await stream.finalMessage();
  assert.equal(streamed, weatherAnswer);
  assert.equal(answer.stop_reason, 'end_turn');
  assert.equal(answer.usage.output_tokens, 21);

  const whole = await c.messages.create({ model, max_tokens: 256, messages, tools });
  assert.equal(whole.content[0].text, weatherAnswer);
});

test('anthropic: errors carry the status and type', async (t) => {
  for (const [name, k, m, status, type] of errorCases) {
    await t.test(name, () => rejectsWith(client(k).messages.create({ model: m, max_tokens: 16, messages: [user] }), Anthropic.APIError, status,
      (err) => assert.equal(err.error?.error?.type, type)));
  }
});

test('anthropic: messages.countTokens, and a module without count_tokens refused', async () => {
  const system = 'Be brief.';
  const res = await client().messages.countTokens({ model: countModel, system, messages: [user] });
  assert.equal(res.input_tokens, countOf(system, user.content));
  await rejectsWith(client().messages.countTokens({ model, system, messages: [user] }), Anthropic.APIError, 400,
    (err) => assert.match(err.message, /capability_unsupported/));
});
