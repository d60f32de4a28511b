// A node:test reporter that writes each test's outcome as a JSON line in
// the format of internal/testrun's results file, so that the Node SDK
// tests are counted in the summary that ends `make test`
// (scripts/sdk-tests-node appends its output to that file).
const pkg = 'gateway/sdktest/node';

export default async function* results(source) {
  const parents = [];
  for await (const event of source) {
    if (event.type === 'test:start') {
      parents[event.data.nesting] = event.data.name;
      continue;
    }
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const d = event.data;
    const name = [...parents.slice(0, d.nesting), d.name].join('/');
    let action = event.type === 'test:pass' ? 'pass' : 'fail';
    let reason;
    if (d.skip !== undefined && d.skip !== false) {
      action = 'skip';
      reason = typeof d.skip === 'string' ? d.skip : 'skipped';
    }
    const out = { package: pkg, test: name, action, elapsed: (d.details?.duration_ms ?? 0) / 1000 };
    if (reason) out.reason = reason;
    yield JSON.stringify(out) + '\n';
  }
}
