import { describe, expect, it } from 'vitest';
import { formatClusterStatus, formatIdentify, formatVerify, table } from './format';

describe('CLI output', () => {
  it('aligns table columns', () => {
    expect(table([['A', 'BB'], ['ccc', 'd']])).toBe('A    BB\nccc  d');
  });

  it('status: members with state, health, heartbeat age and counts, epochs, totals, no move', () => {
    const now = Date.UTC(2026, 10, 27, 9, 0, 0);
    const text = formatClusterStatus({
      ringEpoch: 7,
      members: [
        { shardId: 's1', health: 'up', lastHeartbeatMs: now - 120.4, collections: [{ name: 'a', identities: 10, faces: 12 }, { name: 'b', identities: 1, faces: 1 }] },
        { shardId: 's2', health: 'down', state: 'leaving', lastHeartbeatMs: null, collections: null },
      ],
    }, now);
    expect(text).toContain('2 member(s), ring epoch 7');
    expect(text).toMatch(/s1\s+active\s+up\s+120 ms ago\s+11\s+13\s+2/);
    expect(text).toMatch(/s2\s+leaving\s+down\s+-\s+n\/a\s+n\/a\s+n\/a/);
    expect(text).toContain('total: 11 identities, 13 faces');
    expect(text).toContain('no move in progress');
  });

  it('status: read/write epochs and a move with per-source progress, rate and ETA', () => {
    const text = formatClusterStatus({
      ringEpoch: 9,
      readEpoch: 8,
      writeEpoch: 9,
      members: [],
      move: {
        id: 'm1',
        from: ['s1', 's2'],
        to: ['s1'],
        stage: 'migrate-identities',
        startedAt: '2026-11-27T09:00:00Z',
        sources: [{ source: 's2', moved: 250, toMove: 1000, done: false, perSecond: 50, etaSeconds: 15 }],
      },
    });
    expect(text).toContain('ring epoch 9, read ring 8, write ring 9');
    expect(text).toContain('move in progress: [s1, s2] -> [s1], stage migrate-identities, since 2026-11-27T09:00:00Z, 250/1000 identities moved (25.0%)');
    expect(text).toMatch(/ {2}s2\s+moving\s+250\/1000\s+50\/s\s+ETA 15 s/);
    expect(formatClusterStatus({ ringEpoch: 1, readEpoch: null, members: [], move: null })).toContain('ring epoch 1\n');
  });

  it('identify: every face with its matches, flagged; partial answers said', () => {
    const text = formatIdentify({
      faces: [
        { box: { x: 10.2, y: 20, width: 50, height: 60 }, matches: [{ identityId: 'ann', faceId: 'f1', similarity: 0.912, match: true }, { identityId: 'bob', similarity: 0.4, match: false }] },
        { matches: [] },
      ],
      partial: true,
      missingShards: ['s3'],
    });
    expect(text.split('\n')).toEqual([
      'face 1 at 10,20 50x60',
      '  MATCH  0.912  ann (f1)',
      '         0.400  bob',
      'face 2',
      '  no candidates',
      'partial answer: no reply from s3',
    ]);
    expect(formatIdentify({ faces: [] })).toBe('no face found');
  });

  it('verify: the verdict with similarity and threshold', () => {
    expect(formatVerify({ similarity: 0.71234, match: true, threshold: 0.6 })).toBe('same person: similarity 0.712 (threshold 0.6)');
    expect(formatVerify({ similarity: 0.1, match: false, threshold: 0.6 })).toBe('different people: similarity 0.100 (threshold 0.6)');
    expect(formatVerify({ similarity: 0.95, match: true, threshold: 0.9411, falseMatchRate: 1e-4 })).toBe('same person: similarity 0.950 (threshold 0.9411, false-match rate 0.0001)');
  });
});
