import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FaceshardError } from '@faceshard/contracts';
import { profileFileName, readProfileRequest } from './profile-request';

const refused = (input: { kind?: unknown; seconds?: unknown }, max = 60) => {
  try {
    readProfileRequest(input, max);
  } catch (error) {
    return error instanceof FaceshardError ? error.code : 'not a FaceshardError';
  }
  return 'accepted';
};

describe('readProfileRequest', () => {
  it('takes every whole number of seconds in 1..max, as a query string or a number', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 1, max: 600 }), (seconds, max) => {
        const expected = seconds <= max ? 'accepted' : 'VALIDATION_FAILED';
        expect(refused({ kind: 'cpu', seconds }, max)).toBe(expected);
        expect(refused({ kind: 'cpu', seconds: String(seconds) }, max)).toBe(expected);
        if (seconds <= max) expect(readProfileRequest({ kind: 'cpu', seconds: String(seconds) }, max)).toEqual({ kind: 'cpu', seconds });
      }),
    );
  });

  it('refuses CPU profiles without a whole, positive duration', () => {
    for (const seconds of [undefined, 0, -1, 1.5, '1.5', '', ' 2', '2s', 'NaN', Infinity, null, true]) {
      expect(refused({ kind: 'cpu', seconds }), String(seconds)).toBe('VALIDATION_FAILED');
    }
  });

  it('takes a heap snapshot without seconds only', () => {
    expect(readProfileRequest({ kind: 'heap' }, 60)).toEqual({ kind: 'heap' });
    expect(refused({ kind: 'heap', seconds: '5' })).toBe('VALIDATION_FAILED');
  });

  it('refuses any other kind', () => {
    for (const kind of [undefined, 'CPU', 'disk', 1, '']) expect(refused({ kind, seconds: 1 })).toBe('VALIDATION_FAILED');
  });
});

describe('profileFileName', () => {
  it('names the target, the UTC second and the extension DevTools expects, with nothing unsafe for a header', () => {
    const at = new Date('2026-11-27T11:15:00.123Z');
    expect(profileFileName('gateway', 'cpu', at)).toBe('faceshard-gateway-20261127T111500Z.cpuprofile');
    expect(profileFileName('shard-a', 'heap', at)).toBe('faceshard-shard-a-20261127T111500Z.heapsnapshot');
    fc.assert(
      fc.property(fc.string(), (target) => {
        expect(profileFileName(target, 'cpu', at)).toMatch(/^faceshard-[A-Za-z0-9_.-]*-20261127T111500Z\.cpuprofile$/);
      }),
    );
  });
});
