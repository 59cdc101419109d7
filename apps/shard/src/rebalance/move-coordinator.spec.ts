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
});
