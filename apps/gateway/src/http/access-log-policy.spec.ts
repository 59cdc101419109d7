import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { accessLogLevel, readAccessLogPolicy, type AccessLogPolicy } from './access-log-policy';

const SEARCH = '/v1/collections/:collection/search';
const policy: AccessLogPolicy = { slowMs: 500, sample: 0.01 };
const never = () => 0.999;
const always = () => 0;

describe('accessLogLevel', () => {
  it('logs every error whatever the draw: server errors at warn, client errors at info', () => {
    fc.assert(
      fc.property(fc.integer({ min: 400, max: 599 }), fc.double({ min: 0, max: 1e5, noNaN: true }), fc.constantFrom(SEARCH, '/health', 'unmatched'), (status, ms, route) => {
        expect(accessLogLevel(policy, route, status, ms, never)).toBe(status >= 500 ? 'warn' : 'info');
      }),
    );
  });

  it('logs a slow request at info, from the threshold on', () => {
    expect(accessLogLevel(policy, SEARCH, 200, 500, never)).toBe('info');
    expect(accessLogLevel(policy, '/health', 200, 501, never)).toBe('info');
    expect(accessLogLevel(policy, SEARCH, 200, 499.9, never)).toBe('debug');
  });

  it('logs the sampled share of ordinary requests at info, the rest at debug; probes and scrapes never by sample', () => {
    expect(accessLogLevel(policy, SEARCH, 200, 1, () => 0.0099)).toBe('info');
    expect(accessLogLevel(policy, SEARCH, 200, 1, () => 0.01)).toBe('debug');
    expect(accessLogLevel(policy, '/metrics', 200, 1, always)).toBe('debug');
    expect(accessLogLevel({ ...policy, sample: 0 }, SEARCH, 200, 1, always)).toBe('debug');
    expect(accessLogLevel({ ...policy, sample: 1 }, SEARCH, 200, 1, () => 0.999999)).toBe('info');
  });
});

describe('readAccessLogPolicy', () => {
  it('defaults, reads, and refuses what is out of range', () => {
    expect(readAccessLogPolicy({})).toEqual({ slowMs: 500, sample: 0.01 });
    expect(readAccessLogPolicy({ ACCESS_LOG_SLOW_MS: '0', ACCESS_LOG_SAMPLE: '1' })).toEqual({ slowMs: 0, sample: 1 });
    expect(() => readAccessLogPolicy({ ACCESS_LOG_SAMPLE: '2' })).toThrow(/ACCESS_LOG_SAMPLE/);
    expect(() => readAccessLogPolicy({ ACCESS_LOG_SLOW_MS: 'slow' })).toThrow(/ACCESS_LOG_SLOW_MS/);
  });
});
