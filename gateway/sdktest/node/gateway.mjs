// The gateway the tests talk to, described by the environment that
// scripts/sdk-tests-node sets from cmd/sdkgateway's first line.
import assert from 'node:assert/strict';

export const url = process.env.WASMADAPT_SDK_GATEWAY_URL;
export const key = process.env.WASMADAPT_SDK_GATEWAY_KEY;
export const model = process.env.WASMADAPT_SDK_GATEWAY_MODEL;
export const limitedModel = process.env.WASMADAPT_SDK_GATEWAY_LIMITED_MODEL;
// The ABI 1.3 operations' models (sdkgateway.EmbedModel, CountModel).
export const embedModel = process.env.WASMADAPT_SDK_GATEWAY_EMBED_MODEL;
export const countModel = process.env.WASMADAPT_SDK_GATEWAY_COUNT_MODEL;
assert.ok(url && key && model && limitedModel && embedModel && countModel, 'run these tests through scripts/sdk-tests-node, which starts the gateway');

// The vector the fake embeddings provider returns for input i of text
// (sdkgateway.EmbedVector): its length in bytes, its index and -0.5.
export const embedVector = (i, text) => [Buffer.byteLength(text), i, -0.5];

// The count the fake count_tokens provider returns (sdkgateway.CountOf):
// the bytes of the texts.
export const countOf = (...texts) => texts.reduce((n, t) => n + Buffer.byteLength(t), 0);

// The recorded answer to the tool results.
export const weatherAnswer = "It's 14 °C and cloudy in Paris, and 19 °C with clear skies in Tokyo.";

// The results the tests send back, by city.
export const toolResults = { Paris: '{"temp_c":14,"sky":"cloudy"}', Tokyo: '{"temp_c":19,"sky":"clear"}' };

export const weatherSchema = {
  type: 'object',
  properties: { city: { type: 'string' }, unit: { type: 'string' } },
  required: ['city'],
};

// cityOf returns the city a get_weather argument object names.
export function cityOf(args) {
  const city = JSON.parse(args).city;
  assert.ok(city in toolResults, `tool arguments ${args} name neither Paris nor Tokyo`);
  return city;
}

// The failures every dialect answers with the same HTTP status and error
// type: [name, key, model, status, type].
export const errorCases = [
  ['unknown model', key, 'nope', 404, 'not_found_error'],
  ['wrong key', 'wrong', model, 401, 'authentication_error'],
  ['upstream rate limit', key, limitedModel, 429, 'rate_limit_error'],
];

// rejectsWith asserts that promise fails with an SDK error of class
// APIError and HTTP status, on which check makes the SDK's own further
// assertions.
export async function rejectsWith(promise, APIError, status, check) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof APIError, `${err}`);
    assert.equal(err.status, status);
    check(err);
    return true;
  });
}
