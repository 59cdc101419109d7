import { describe, expect, it } from 'vitest';
import { FaceshardError } from '@faceshard/contracts';
import { retryAfterSeconds, toHttpError } from './http-error.filter';

describe('retryAfterSeconds', () => {
  it("takes a busy shard's estimate for 429, rounded up to whole seconds", () => {
    const [status, body] = toHttpError(new FaceshardError('BUSY', 'busy', { retryAfterMs: 1500 }));
    expect(status).toBe(429);
    expect(retryAfterSeconds(status, body)).toBe(2);
  });

  it('says one second for other retryable 503s, and nothing for errors not worth retrying', () => {
    const [status, body] = toHttpError(new FaceshardError('SHARD_UNAVAILABLE', 'down'));
    expect(retryAfterSeconds(status, body)).toBe(1);
    const [badStatus, bad] = toHttpError(new FaceshardError('VALIDATION_FAILED', 'no'));
    expect(retryAfterSeconds(badStatus, bad)).toBeUndefined();
    const [timeoutStatus, timeout] = toHttpError(new FaceshardError('SHARD_TIMEOUT', 'late'));
    expect(retryAfterSeconds(timeoutStatus, timeout)).toBeUndefined();
  });
});

describe('toHttpError', () => {
  it('answers a raw full-disk error (ENOSPC, EDQUOT) as 507 STORAGE_FULL, retryable, and any other raw error as a bare 500', () => {
    for (const code of ['ENOSPC', 'EDQUOT']) {
      const [status, body] = toHttpError(Object.assign(new Error(`${code}: no space left on device, write`), { code }));
      expect(status).toBe(507);
      expect(body).toMatchObject({ code: 'STORAGE_FULL', retryable: true, details: { osCode: code } });
    }
    expect(toHttpError(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }))).toEqual([500, { code: 'INTERNAL', message: 'internal error', retryable: false }]);
  });
});
