import { describe, expect, it } from 'vitest';
import { decodeWalRecord, encodeWalRecord, type WalRecord } from './wal-ops';

describe('log record codec', () => {
  it('round-trips create, drop and delete', () => {
    const records: WalRecord[] = [
      { lsn: 1, op: { type: 'create', spec: { name: 'gallery', dimension: 128, metric: 'cosine' } } },
      { lsn: 2, op: { type: 'drop', name: 'gallery' } },
      { lsn: 2 ** 40, op: { type: 'delete', collection: 'gallery', identityIds: ['a', 'b'] } },
    ];
    for (const record of records) expect(decodeWalRecord(encodeWalRecord(record))).toEqual(record);
  });

  it('keeps vectors bit-exact, including vectors that are views at odd offsets', () => {
    const backing = new Float32Array([9, 1.5, -0, 3.4028234663852886e38, 1e-45, -7.25, 9]);
    const view = backing.subarray(1, 6);
    const record: WalRecord = {
      lsn: 5,
      op: {
        type: 'upsert',
        collection: 'c',
        identities: [{ identityId: 'p1', mode: 'append', attributes: { name: 'Ada', tags: ['x'], n: 3 }, faces: [{ faceId: 'f1', vector: view }] }],
      },
    };
    const decoded = decodeWalRecord(encodeWalRecord(record));
    if (decoded.op.type !== 'upsert') throw new Error('wrong type');
    const vector = decoded.op.identities[0].faces[0].vector;
    expect(vector).toBeInstanceOf(Float32Array);
    expect(Array.from(vector)).toEqual(Array.from(view));
    expect(Object.is(vector[1], -0)).toBe(true);
    expect(decoded.op.identities[0].attributes).toEqual({ name: 'Ada', tags: ['x'], n: 3 });
    expect(decoded.op.identities[0].mode).toBe('append');
  });

  it('distinguishes omitted attributes (keep) from given ones (replace)', () => {
    const record: WalRecord = {
      lsn: 3,
      op: { type: 'upsert', collection: 'c', identities: [{ identityId: 'p', mode: 'replace', faces: [] }] },
    };
    const decoded = decodeWalRecord(encodeWalRecord(record));
    if (decoded.op.type !== 'upsert') throw new Error('wrong type');
    expect('attributes' in decoded.op.identities[0]).toBe(false);
  });

  it('stores vectors as raw bytes, not number arrays', () => {
    const vector = new Float32Array(512).fill(0.1);
    const bytes = encodeWalRecord({ lsn: 1, op: { type: 'upsert', collection: 'c', identities: [{ identityId: 'p', mode: 'replace', faces: [{ faceId: 'f', vector }] }] } });
    expect(bytes.length).toBeLessThan(512 * 4 + 64);
  });

  it('rejects records without an lsn or of an unknown type', async () => {
    const { Packr } = await import('msgpackr');
    const packr = new Packr({ useRecords: false });
    expect(() => decodeWalRecord(packr.pack({ t: 'c', n: 'x' }))).toThrow(/lsn/);
    expect(() => decodeWalRecord(packr.pack({ l: 1, t: 'zz' }))).toThrow(/unknown/);
  });
});
