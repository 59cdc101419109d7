import { describe, expect, it } from 'vitest';
import type { RingState, ShardStats } from '@faceshard/contracts';
import { RingRouting } from '@faceshard/rebalance';
import { ClusterStatusService } from './cluster-status.service';

/** GET /v1/cluster's move: how many faces its receivers revived instead of inserting. */
describe('ClusterStatusService, the move in progress', () => {
  const move = { id: 'm1', from: ['s0', 's1', 's2'], to: ['s0', 's1'], stage: 'migrate-identities' as const, startedAt: '2026-11-28T00:00:00Z' };
  const ring: RingState = { epoch: 9, members: ['s0', 's1', 's2'], move };
  const stats: Record<string, ShardStats | Error> = {
    s0: { shardId: 's0', collections: [{ name: 'a', dimension: 2, metric: 'ip', identities: 5, faces: 5, revivedFaces: 40 }, { name: 'b', dimension: 2, metric: 'ip', identities: 1, faces: 1, revivedFaces: 2 }] },
    s1: { shardId: 's1', collections: [{ name: 'a', dimension: 2, metric: 'ip', identities: 5, faces: 5, revivedFaces: 30 }] },
    s2: { shardId: 's2', collections: [{ name: 'a', dimension: 2, metric: 'ip', identities: 5, faces: 5, revivedFaces: 1000 }] }, // the leaver: not a receiver
  };
  const service = (answers: Record<string, ShardStats | Error>) =>
    new ClusterStatusService(
      { current: () => new RingRouting(ring) } as never,
      { statuses: (ids: string[]) => ids.map((shardId) => ({ shardId, health: 'up', lastHeartbeatMs: 0 })) } as never,
      { read: async (shardId: string) => (answers[shardId] instanceof Error ? Promise.reject(answers[shardId]) : answers[shardId]) } as never,
      { readDoc: async () => null } as never,
    );

  it('sums revivedFaces over the receivers (the members of the new ring), every collection', async () => {
    const status = await service(stats).describe();
    expect(status.move).toMatchObject({ id: 'm1', revivedFaces: 72 });
    expect(status.members.find((m) => m.shardId === 's0')?.collections).toEqual(expect.arrayContaining([expect.objectContaining({ revivedFaces: 40 })]));
  });

  it('says null while no receiver answered, and counts those that did', async () => {
    expect((await service({ ...stats, s0: new Error('down'), s1: new Error('down') }).describe()).move?.revivedFaces).toBeNull();
    expect((await service({ ...stats, s0: new Error('down') }).describe()).move?.revivedFaces).toBe(30);
  });
});
