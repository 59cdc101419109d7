import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { call, NATS_URL, SHARD_MAIN, startProcess, TestCluster, type ManagedProcess } from '../support/cluster-harness';
import { randomUnitVectors } from '../support/vectors';

/**
 * The operator's path for a shard whose log is damaged (README, durability): it refuses to start
 * (WAL_CORRUPT) rather than serve less than it acknowledged; started once with WAL_SALVAGE=1 it
 * opens with the records before the damage and says so, loudly, as an error line of its own log
 * (level, shardId, the salvage report), not as a raw line beside it.
 */
const DIM = 16;
const COUNT = 30;
const vectors = randomUnitVectors(COUNT, DIM, 77);

/** Byte offset of every frame in a segment: [u32 body length][u32 crc][body]. */
function frameOffsets(bytes: Buffer): number[] {
  const offsets: number[] = [];
  for (let at = 0; at < bytes.length; at += 8 + bytes.readUInt32LE(at)) offsets.push(at);
  return offsets;
}

describe('a shard process whose write-ahead log is damaged', () => {
  const cluster = new TestCluster({ SHARD_DOWN_AFTER_MS: '15000' });
  const extra: ManagedProcess[] = [];
  afterAll(async () => {
    for (const p of extra) p.child.kill('SIGKILL');
    await cluster.stop();
  });

  it('refuses to start with WAL_CORRUPT; with WAL_SALVAGE=1 starts with what came before the damage and logs the salvage as an error of its own log', async () => {
    await cluster.startShard('wa');
    const url = await cluster.startGateway();
    await cluster.waitForMembers(['wa']);
    expect((await call(url, 'POST', '/v1/collections', { name: 'w', dimension: DIM })).status).toBe(201);
    // One identity per request: one log record each, in this order.
    for (let i = 0; i < COUNT; i++) {
      expect((await call(url, 'PUT', `/v1/collections/w/identities/w-${i}`, { faces: [{ faceId: 'f', vector: Array.from(vectors[i]) }] })).status).toBe(200);
    }
    await cluster.kill('wa'); // kill -9: no snapshot at close, the log holds every record

    const walDir = join(cluster.root, 'wa', 'store', 'wal');
    const segment = join(walDir, readdirSync(walDir).sort().at(-1)!);
    const bytes = readFileSync(segment);
    const offsets = frameOffsets(bytes);
    expect(offsets.length).toBeGreaterThan(COUNT);
    // Damage a record in the middle: intact records follow it, so this is not a torn tail.
    const damaged = offsets.length - 10;
    bytes[offsets[damaged] + 12] ^= 0x5a;
    writeFileSync(segment, bytes);

    const env = { NATS_URL, FACESHARD_CLUSTER: cluster.name, FACESHARD_ROLE: 'shard', SHARD_ID: 'wa', DATA_DIR: join(cluster.root, 'wa'), HEARTBEAT_EVERY_MS: '300', SHARD_DOWN_AFTER_MS: '15000' };
    const refused = await startProcess(SHARD_MAIN, env, 20_000).then(
      () => null,
      (error: Error) => error.message,
    );
    const fatal = (refused ?? '').split('\n').find((l) => l.includes('"event":"fatal"'));
    expect(JSON.parse(fatal ?? '{}'), refused ?? 'it started').toMatchObject({ event: 'fatal', role: 'shard', code: 'WAL_CORRUPT' });

    const salvaged = await startProcess(SHARD_MAIN, { ...env, WAL_SALVAGE: '1' }, 20_000);
    extra.push(salvaged);
    const lines = salvaged.output.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    const report = lines.find((l) => l.event === 'wal-salvaged');
    expect(report, salvaged.output.join('')).toMatchObject({ level: 'error', shardId: 'wa', role: 'shard', droppedRecords: 9, file: segment });
    expect(report.msg).toMatch(/^WAL SALVAGE: .*DROPPED 9 intact record\(s\)/);
    // Nothing of the store's reports went to stderr raw.
    expect(salvaged.output.filter((l) => l.includes('WAL SALVAGE') && !l.startsWith('{'))).toEqual([]);

    await cluster.waitForMembers(['wa']);
    const kept = COUNT - 10; // the damaged record and the 9 intact ones after it are dropped
    for (let i = 0; i < COUNT; i++) {
      expect((await call(url, 'GET', `/v1/collections/w/identities/w-${i}`)).status, `w-${i}`).toBe(i < kept ? 200 : 404);
    }
  }, 120_000);
});
