import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertBuilt, REPO_ROOT } from '../support/cluster-harness';

/** Which OpenTelemetry modules a process has loaded after startTracing() with the given environment. */
function loadedAfterStart(env: Record<string, string>): { on: boolean; modules: string[] } {
  const lib = join(REPO_ROOT, 'dist/libs/observability/tracing/src/index.js');
  const script = `
    const t = require(${JSON.stringify(lib)});
    const handle = t.startTracing(t.readTracingConfig(process.env, 'probe'));
    const modules = [...new Set(Object.keys(require.cache).map((k) => /node_modules\\/(@opentelemetry\\/[^/]+)/.exec(k)?.[1]).filter(Boolean))];
    console.log(JSON.stringify({ on: t.tracing.on, modules }));
    if (handle) handle.shutdown().then(() => process.exit(0));`;
  const out = execFileSync(process.execPath, ['-e', script], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!);
}

describe('tracing off by default', () => {
  assertBuilt();

  it('with no OTLP endpoint loads no SDK, no exporter: only the no-op API', () => {
    const off = loadedAfterStart({});
    expect(off.on).toBe(false);
    expect(off.modules).toEqual(['@opentelemetry/api']);
  });

  it('with an endpoint loads the SDK and the OTLP exporter and switches tracing on', () => {
    const on = loadedAfterStart({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });
    expect(on.on).toBe(true);
    expect(on.modules).toEqual(expect.arrayContaining(['@opentelemetry/sdk-trace', '@opentelemetry/exporter-trace-otlp-http', '@opentelemetry/context-async-hooks']));
  });
});
