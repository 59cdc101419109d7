import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeWalRecord, type WalOp } from './wal-ops';
import { looksLikeRecordStart } from './wal-record-start';

const ops: WalOp[] = [
  { type: 'create', spec: { name: 'c', dimension: 4, metric: 'cosine' } },
  { type: 'drop', name: 'c' },
  { type: 'delete', collection: 'c', identityIds: ['a', 'b'] },
  { type: 'upsert', collection: 'c', identities: [{ identityId: 'a', mode: 'replace', attributes: { x: 1 }, faces: [{ faceId: 'f', vector: new Float32Array(4) }] }] },
];

describe('record start test (lets replay find intact records after damage)', () => {
  it('holds for every kind of log record, at small and huge LSNs', () => {
    for (const op of ops) {
      for (const lsn of [1, 300, 2 ** 40]) expect(looksLikeRecordStart(encodeWalRecord({ lsn, op })), `${op.type} at ${lsn}`).toBe(true);
    }
  });

  it('rejects zero fill and text, and random bytes almost always', () => {
    expect(looksLikeRecordStart(Buffer.alloc(16))).toBe(false);
    expect(looksLikeRecordStart(Buffer.from('hello world'))).toBe(false);
    let passed = 0;
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), (bytes) => {
        if (looksLikeRecordStart(bytes)) passed++;
      }),
      { numRuns: 5000, seed: 7 },
    );
    expect(passed).toBeLessThan(3);
  });
});
