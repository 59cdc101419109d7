import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalMetadataStore } from '@faceshard/cluster';
import { FaceshardError, type SearchLatencyReport, type ShardOp, type ShardRequest, type ShardResponse, type VersionedIdentity } from '@faceshard/contracts';
import type { SearchLatencyBeat, ShardTransport } from '@faceshard/messaging';
import { DEFAULT_LATENCY_PACING } from '@faceshard/rebalance';
import { DEFAULT_MOVE_OPTIONS, MoveCoordinator } from './move-coordinator';

const identity = (id: string): VersionedIdentity => ({ identityId: id, version: 1, faces: [{ faceId: `${id}-f`, vector: Float32Array.of(1, 0) }] });

/**
 * A transport whose shards answer from scripts: `exportChunk` hands out `chunks` in order (the
 * second one only after `secondExportMs`), `applyVersioned` fails while `failApplies` > 0;
 * `gateways` publish these search latency reports every 100 ms.
 */
function scriptedTransport(script: { chunks: string[][]; secondExportMs: number; failApplies: number; gateways?: SearchLatencyReport[] }) {
  const applied: string[] = [];
  const transport = {
    onSearchLatency(listener: (beat: SearchLatencyBeat) => void) {
      const timer = setInterval(() => script.gateways?.forEach((report, i) => listener({ gatewayId: `g${i}`, ...report })), 100);
      return () => clearInterval(timer);
    },
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

  /** Runs the coordinator until c joined (the move is over) or `timeoutMs` passed. */
  async function runUntilJoined(coordinator: MoveCoordinator, timeoutMs: number): Promise<void> {
    coordinator.start();
    try {
      const finished = async () => {
        const ring = await metadata.readRing();
        return !ring.move && ring.members.includes('c');
      };
      for (let waited = 0; !(await finished()) && waited < timeoutMs; waited += 20) await new Promise((r) => setTimeout(r, 20));
    } finally {
      await coordinator.stop();
    }
  }

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
    // The move fails once, retries after 500 ms from the last acknowledged chunk and completes.
    await runUntilJoined(coordinator, 10_000);
    expect(unhandled).toEqual([]);
    const ring = await metadata.readRing();
    expect(ring.move).toBeUndefined();
    expect(ring.members).toEqual(['a', 'c']);
    expect(new Set(applied)).toEqual(new Set(['id1', 'id2', 'id3']));
  });

  describe('latency pacing (REBALANCE_MAX_SEARCH_P99_FACTOR)', () => {
    /** `count` identities in chunks of 20 (the pace starts at 1,000/s, held for 2 s); the move's pace events. */
    async function paced(gateways: SearchLatencyReport[], maxSearchP99Factor = 2, count = 2600) {
      const chunks = Array.from({ length: count / 20 }, (_, c) => Array.from({ length: 20 }, (_, i) => `id${String(c * 20 + i).padStart(5, '0')}`));
      const { transport, applied } = scriptedTransport({ chunks, secondExportMs: 0, failApplies: 0, gateways });
      const events: Record<string, unknown>[] = [];
      const coordinator = new MoveCoordinator('a', metadata, transport, { ...DEFAULT_MOVE_OPTIONS, settleMs: 0, pollMs: 10, maxSearchP99Factor }, (e) => events.push(e));
      await runUntilJoined(coordinator, 15_000);
      expect(new Set(applied).size).toBe(count);
      return events.filter((e) => e.event === 'move-pace') as { idsPerSecond: number; slowdown: number | null; backedOff: boolean }[];
    }
    const report = (recentP99Ms: number): SearchLatencyReport => ({ recentP99Ms, recentSamples: 200, baselineP99Ms: 2, baselineSamples: 1000 });

    it("backs off when a gateway's search p99 is over the factor × its p99 without a move", async () => {
      const paces = await paced([report(20)]);
      const backOffs = paces.filter((p) => p.backedOff);
      expect(backOffs.length).toBeGreaterThan(0);
      expect(backOffs[0].slowdown).toBe(10);
      expect(Math.min(...paces.map((p) => p.idsPerSecond))).toBeLessThan(DEFAULT_LATENCY_PACING.startIdsPerSecond);
    });

    it('the slowest of the gateways decides', async () => {
      const paces = await paced([report(2), report(20)]);
      expect(paces.some((p) => p.backedOff && p.slowdown === 10)).toBe(true);
    });

    it('speeds up while the searches stay within the factor', async () => {
      const within = await paced([report(3), report(3.9)], 2, 4400);
      expect(within.some((p) => p.backedOff)).toBe(false);
      expect(Math.max(...within.map((p) => p.idsPerSecond))).toBeGreaterThan(1.5 * DEFAULT_LATENCY_PACING.startIdsPerSecond);
    });
  });
});
