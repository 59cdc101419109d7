import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { acceptRequestId } from './request-id';
import { currentRequestId, runInRequestScope } from './request-context';

describe('acceptRequestId', () => {
  const fresh = () => 'generated';

  it('keeps a plausible incoming id (UUID, ULID, dotted token)', () => {
    for (const id of ['9b2f0c1e-8d4a-4f7e-b3c2-1a2b3c4d5e6f', '01HZX3K8Q2V7N5M4P6R8T0W2Y4', 'lb.abc:123_x']) {
      expect(acceptRequestId(id, fresh)).toBe(id);
    }
  });

  it('takes the first of repeated headers', () => {
    expect(acceptRequestId(['first', 'second'], fresh)).toBe('first');
  });

  it('replaces a missing, empty, over-long or odd-character id with a generated one', () => {
    for (const bad of [undefined, '', 'x'.repeat(129), 'has space', 'line\nbreak', '"quoted"', 'k/slash', []]) {
      expect(acceptRequestId(bad as string | string[] | undefined, fresh)).toBe('generated');
    }
  });

  it('never returns anything but the input unchanged or the generated id (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        const out = acceptRequestId(s, fresh);
        expect(out === s || out === 'generated').toBe(true);
        if (out === s) expect(s).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
      }),
    );
  });

  it('generates UUIDs by default, a different one each time', () => {
    const a = acceptRequestId(undefined);
    const b = acceptRequestId(undefined);
    expect(a).toMatch(/^[0-9a-f-]{36}$/);
    expect(a).not.toBe(b);
  });
});

describe('request context', () => {
  it('is seen by the async calls of the work it wraps, and not outside it', async () => {
    expect(currentRequestId()).toBeUndefined();
    const seen = await runInRequestScope({ requestId: 'r1' }, async () => {
      await new Promise((r) => setImmediate(r));
      return currentRequestId();
    });
    expect(seen).toBe('r1');
    expect(currentRequestId()).toBeUndefined();
  });

  it('keeps concurrent requests apart', async () => {
    const run = (id: string, ms: number) =>
      runInRequestScope({ requestId: id }, async () => {
        await new Promise((r) => setTimeout(r, ms));
        return currentRequestId();
      });
    expect(await Promise.all([run('a', 20), run('b', 5)])).toEqual(['a', 'b']);
  });
});
