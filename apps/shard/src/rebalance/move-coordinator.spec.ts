import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalMetadataStore } from '@faceshard/cluster';
import { FaceshardError, type ShardOp, type ShardRequest, type ShardResponse, type VersionedIdentity } from '@faceshard/contracts';
import type { ShardTransport } from '@faceshard/messaging';
import { DEFAULT_MOVE_OPTIONS, MoveCoordinator } from './move-coordinator';

const identity = (id: string): VersionedIdentity => ({ identityId: id, version: 1, faces: [{ faceId: `${id}-f`, vector: Float32Array.of(1, 0) }] });

/**
 * A transport whose shards answer from scripts: `exportChunk` hands out `chunks` in order (the
 * second one only after `secondExportMs`), `applyVersioned` fails while `failApplies` > 0.
 */
function scriptedTransport(script: { chunks: string[][]; secondExportMs: number; failApplies: number }) {
  const applied: string[] = [];
  const transport = {
    async request<O extends ShardOp>(shardId: string, op: O, req: ShardRequest<O>): Promise<ShardResponse<O>> {
      if (op === 'exportChunk') {
        const { after } = req as ShardRequest<'exportChunk'>;
        const index = after === null ? 0 : script.chunks.findIndex((ids) => ids[ids.length - 1] === after) + 1;
        if (index > 0) await new Promise((r) => setTimeout(r, script.secondExportMs));
        const ids = script.chunks[index] ?? [];
        const last = ids[ids.length - 1] ?? after;
        return { entries: ids.map((id) => ({ target: 'c', entry: identity(id) })), last, done: index >= script.chunks.length - 1, total: script.chunks.flat().length } as ShardResponse<O>;
      }
      if (op === 'applyVersioned') {
        if (script.failApplies > 0) {
          script.failApplies--;
          throw new FaceshardError('SHARD_UNAVAILABLE', `shard ${shardId} is not serving (no responders)`);
        }
        const { entries } = req as ShardRequest<'applyVersioned'>;
        applied.push(...entries.map((e) => e.identityId));
        return { applied: entries.length, skipped: 0 } as ShardResponse<O>;
      }
      if (op === 'dropMoved') return { dropped: 0 } as ShardResponse<O>;
      throw new Error(`unexpected ${op} to ${shardId}`);
    },
  } as unknown as ShardTransport;
  return { transport, applied };
}

describe('MoveCoordinator, migrate stage', () => {
  let dir: string;
  let metadata: LocalMetadataStore;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'move-coordinator-'));
    metadata = await LocalMetadataStore.open(join(dir, 'cluster.json'));
    await metadata.registerShard('a');
    await metadata.createCollection({ name: 'faces', dimension: 2, metric: 'cosine' });
    await metadata.registerShard('c'); // joins a cluster holding data: a move
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });

  afterEach(async () => {
    process.off('unhandledRejection', onUnhandled);
    await metadata.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('survives a receiver failing while the next chunk is still being read: no unhandled rejection, the move goes on from the last acknowledged chunk', async () => {
    // Chunk 1 is handed to the receiver, which fails at once, while the coordinator waits for the
    // source's export of chunk 2. That rejection must be held for the loop, not left unhandled (a
    // shard process dies of an unhandled rejection: the kill -9 test of the receiver found it).
    const { transport, applied } = scriptedTransport({ chunks: [['id1', 'id2'], ['id3']], secondExportMs: 50, failApplies: 1 });
    const coordinator = new MoveCoordinator('a', metadata, transport, { ...DEFAULT_MOVE_OPTIONS, settleMs: 0, pollMs: 10, chunksInFlight: 2 }, () => undefined);
    coordinator.start();
    try {
      // The move fails once, retries after 500 ms from the last acknowledged chunk and completes.
      const finished = async () => {
        const ring = await metadata.readRing();
        return !ring.move && ring.members.includes('c');
      };
      for (let waited = 0; !(await finished()) && waited < 10_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    } finally {
      await coordinator.stop();
    }
    expect(unhandled).toEqual([]);
    const ring = await metadata.readRing();
    expect(ring.move).toBeUndefined();
    expect(ring.members).toEqual(['a', 'c']);
    expect(new Set(applied)).toEqual(new Set(['id1', 'id2', 'id3']));
  });

  /** Waits until the join of 'c' is done (no move, 'c' in the read ring); false after `timeoutMs`. */
  async function joinDone(timeoutMs: number): Promise<boolean> {
    for (let waited = 0; waited < timeoutMs; waited += 20) {
      const ring = await metadata.readRing();
      if (!ring.move && ring.members.includes('c')) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    return false;
  }

  it('the joiner leaves the coordinator lease to a member: every stage is driven by the member', async () => {
    const { transport, applied } = scriptedTransport({ chunks: [['id1', 'id2'], ['id3']], secondExportMs: 0, failApplies: 0 });
    const options = { ...DEFAULT_MOVE_OPTIONS, settleMs: 0, pollMs: 10, leaseTtlMs: 5000 };
    const events: Record<string, unknown>[] = [];
    // The joiner starts first (as a shard that just registered does): it must not take the lease.
    const joiner = new MoveCoordinator('c', metadata, transport, options, (e) => events.push(e));
    joiner.start();
    await new Promise((r) => setTimeout(r, 100));
    expect(await metadata.readDoc('lease.coordinator')).toBeNull();
    const member = new MoveCoordinator('a', metadata, transport, options, (e) => events.push(e));
    member.start();
    try {
      expect(await joinDone(10_000)).toBe(true);
    } finally {
      await Promise.all([joiner.stop(), member.stop()]);
    }
    const drivers = new Set(events.filter((e) => e.event === 'move-started' || e.event === 'move-stage-done').map((e) => e.shardId));
    expect(drivers).toEqual(new Set(['a']));
    expect(new Set(applied)).toEqual(new Set(['id1', 'id2', 'id3']));
  });

  it('a joiner whose members run no coordinator takes the lease after standing back for a lease TTL, and completes the move', async () => {
    const { transport, applied } = scriptedTransport({ chunks: [['id1', 'id2'], ['id3']], secondExportMs: 0, failApplies: 0 });
    const joiner = new MoveCoordinator('c', metadata, transport, { ...DEFAULT_MOVE_OPTIONS, settleMs: 0, pollMs: 10, leaseTtlMs: 400 }, () => undefined);
    joiner.start();
    try {
      await new Promise((r) => setTimeout(r, 200));
      expect(await metadata.readDoc('lease.coordinator')).toBeNull(); // still standing back
      expect((await metadata.readRing()).move).toBeUndefined();
      expect(await joinDone(10_000)).toBe(true);
    } finally {
      await joiner.stop();
    }
    expect(new Set(applied)).toEqual(new Set(['id1', 'id2', 'id3']));
  });
});
