import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readTracingConfig, SAMPLER_NAMES } from './tracing-config';

const ENDPOINT = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };

describe('readTracingConfig', () => {
  it('is off with nothing configured (the default: no SDK loaded)', () => {
    const config = readTracingConfig({}, 'faceshard-gateway');
    expect(config.enabled).toBe(false);
    expect(config.offBecause).toBe('no OTEL_EXPORTER_OTLP_ENDPOINT');
  });

  it('is on with an OTLP endpoint, general or traces-only', () => {
    expect(readTracingConfig(ENDPOINT, 'g').enabled).toBe(true);
    expect(readTracingConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' }, 'g').enabled).toBe(true);
  });

  it('stays off when the SDK is disabled or the exporter is none, endpoint or not', () => {
    expect(readTracingConfig({ ...ENDPOINT, OTEL_SDK_DISABLED: 'TRUE' }, 'g')).toMatchObject({ enabled: false, offBecause: 'OTEL_SDK_DISABLED=true' });
    expect(readTracingConfig({ ...ENDPOINT, OTEL_TRACES_EXPORTER: 'none' }, 'g')).toMatchObject({ enabled: false, offBecause: 'OTEL_TRACES_EXPORTER=none' });
  });

  it('refuses exporters and protocols it cannot serve instead of exporting nothing', () => {
    expect(() => readTracingConfig({ ...ENDPOINT, OTEL_TRACES_EXPORTER: 'jaeger' }, 'g')).toThrow(/only "otlp"/);
    expect(() => readTracingConfig({ ...ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 'g')).toThrow(/http\/json/);
    expect(readTracingConfig({ ...ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, 'g').enabled).toBe(true);
  });

  it('names the service from OTEL_SERVICE_NAME, else the default given', () => {
    expect(readTracingConfig(ENDPOINT, 'faceshard-shard').serviceName).toBe('faceshard-shard');
    expect(readTracingConfig({ ...ENDPOINT, OTEL_SERVICE_NAME: 'edge-gw' }, 'faceshard-gateway').serviceName).toBe('edge-gw');
  });

  it('defaults to parentbased_always_on, the spec default', () => {
    expect(readTracingConfig(ENDPOINT, 'g').sampler).toEqual({ root: 'always_on', parentBased: true, ratio: 1 });
  });

  it('maps every spec sampler name to root + parentBased, case-insensitively', () => {
    for (const name of SAMPLER_NAMES) {
      const sampler = readTracingConfig({ ...ENDPOINT, OTEL_TRACES_SAMPLER: name.toUpperCase(), OTEL_TRACES_SAMPLER_ARG: '0.25' }, 'g').sampler;
      expect(sampler.parentBased).toBe(name.startsWith('parentbased_'));
      expect(sampler.root).toBe(name.replace('parentbased_', ''));
      expect(sampler.ratio).toBe(sampler.root === 'traceidratio' ? 0.25 : sampler.root === 'always_on' ? 1 : 0);
    }
  });

  it('takes any ratio in 0..1 and refuses everything else', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (ratio) => {
        expect(readTracingConfig({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: String(ratio) }, 'g').sampler.ratio).toBe(ratio);
      }),
    );
    fc.assert(
      fc.property(fc.oneof(fc.double({ min: 1.000001, max: 1e9, noNaN: true }), fc.double({ min: -1e9, max: -0.000001, noNaN: true })), (ratio) => {
        expect(() => readTracingConfig({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: String(ratio) }, 'g')).toThrow(/0\.\.1/);
      }),
    );
    expect(() => readTracingConfig({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: 'half' }, 'g')).toThrow(/0\.\.1/);
    expect(readTracingConfig({ OTEL_TRACES_SAMPLER: 'traceidratio' }, 'g').sampler.ratio).toBe(1);
  });

  it('fails the start on a misspelt sampler rather than silently sampling everything', () => {
    expect(() => readTracingConfig({ OTEL_TRACES_SAMPLER: 'always-on' }, 'g')).toThrow(/OTEL_TRACES_SAMPLER must be one of/);
  });

  it('reads the batch processor variables and refuses a batch larger than the queue', () => {
    expect(readTracingConfig({ OTEL_BSP_SCHEDULE_DELAY: '200', OTEL_BSP_MAX_QUEUE_SIZE: '100', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '50' }, 'g').batch).toMatchObject({
      scheduledDelayMillis: 200,
      maxQueueSize: 100,
      maxExportBatchSize: 50,
    });
    expect(() => readTracingConfig({ OTEL_BSP_MAX_QUEUE_SIZE: '10' }, 'g')).toThrow(/must not exceed/);
  });
});
