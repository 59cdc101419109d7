import { describe, expect, it } from 'vitest';
import { decodeWalRecord, encodeWalRecord, type WalRecord } from './wal-ops';

describe('log record codec', () => {
  it('round-trips create, drop, delete and pin', () => {
    const records: WalRecord[] = [
      { lsn: 1, op: { type: 'create', spec: { name: 'gallery', dimension: 128, metric: 'cosine' } } },
      { lsn: 2, op: { type: 'drop', name: 'gallery' } },
      { lsn: 2 ** 40, op: { type: 'delete', collection: 'gallery', identityIds: ['a', 'b'] } },
      { lsn: 3, op: { type: 'pin', collection: 'gallery', faces: [{ identityId: 'a', faceId: 'f0' }] } },
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

  it('round-trips generations, versions, tombstones, versioned copies and purges', () => {
    const vector = Float32Array.of(0.5, -0.25, 1);
    const records: WalRecord[] = [
      { lsn: 1, op: { type: 'create', spec: { name: 'g', dimension: 3, metric: 'ip', generation: 42 } } },
      { lsn: 2, op: { type: 'drop', name: 'g', generation: 42 } },
      { lsn: 3, op: { type: 'delete', collection: 'g', identityIds: ['a', 'b'], versions: [7, 2 ** 50] } },
      { lsn: 4, op: { type: 'purge', collection: 'g', identityIds: ['a'] } },
      {
        lsn: 5,
        op: {
          type: 'upsert',
          collection: 'g',
          identities: [{ identityId: 'p', mode: 'replace', faces: [{ faceId: 'f', vector }] }],
          versions: [1_700_000_000_000_000],
        },
      },
      {
        lsn: 6,
        op: {
          type: 'apply',
          collection: 'g',
          entries: [
            { identityId: 'p', version: 9, attributes: { n: 1 }, faces: [{ faceId: 'f', vector, meta: { quality: 0.9 } }] },
            { identityId: 'q', version: 3, faces: [] },
            { identityId: 'r', version: 4, deleted: true },
          ],
        },
      },
    ];
    for (const record of records) expect(decodeWalRecord(encodeWalRecord(record))).toEqual(record);
  });

  it('reads records written before generations and versions: no generation, no versions', async () => {
    const { Packr } = await import('msgpackr');
    const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });
    // Byte-for-byte what the log wrote before versions existed.
    expect(decodeWalRecord(packr.pack({ l: 1, t: 'c', n: 'g', d: 4, x: 'cosine' }))).toEqual({ lsn: 1, op: { type: 'create', spec: { name: 'g', dimension: 4, metric: 'cosine' } } });
    expect(decodeWalRecord(packr.pack({ l: 2, t: 'x', n: 'g' }))).toEqual({ lsn: 2, op: { type: 'drop', name: 'g' } });
    expect(decodeWalRecord(packr.pack({ l: 3, t: 'd', n: 'g', ids: ['a'] }))).toEqual({ lsn: 3, op: { type: 'delete', collection: 'g', identityIds: ['a'] } });
    const upsert = decodeWalRecord(packr.pack({ l: 4, t: 'u', n: 'g', ids: [{ i: 'p', m: 'append', f: [] }] }));
    expect(upsert).toEqual({ lsn: 4, op: { type: 'upsert', collection: 'g', identities: [{ identityId: 'p', mode: 'append', faces: [] }] } });
  });
});
