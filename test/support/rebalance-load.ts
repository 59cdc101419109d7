import { afterAll, beforeAll, expect } from 'vitest';
import { RingPlacement } from '@faceshard/ring';
import { call, sleep, TestCluster } from './cluster-harness';

/**
 * The loads the rebalancing tests run while a move goes on: searches and gets of acknowledged
 * identities (every failure recorded) and writes of new identities with some deletes. The
 * identity `i` is `${prefix}-${i}` with vector `vectors[i]`.
 */
export class RebalanceLoad {
  readonly acknowledged: Set<number>;
  readonly deleted = new Set<number>();
  searches = 0;
  readonly failedSearches: string[] = [];
  readonly missing: string[] = [];
  private running = true;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly url: string,
    private readonly collection: string,
    private readonly prefix: string,
    private readonly vectors: Float32Array[],
    base: number,
  ) {
    this.acknowledged = new Set(Array.from({ length: base }, (_, i) => i));
  }

  idOf(i: number): string {
    return `${this.prefix}-${i}`;
  }

  body(i: number) {
    return { identityId: this.idOf(i), attributes: { i }, faces: [{ faceId: 'f', vector: Array.from(this.vectors[i]) }] };
  }

  /** Writes identities 0..count-1, retrying what a busy machine failed, until all are acknowledged. */
  async seed(count: number): Promise<void> {
    let pending = Array.from({ length: count }, (_, i) => i);
    for (let round = 0; pending.length > 0; round++) {
      if (round === 10) throw new Error(`could not seed ${pending.length} identities`);
      const failed: number[] = [];
      for (let start = 0; start < pending.length; start += 450) {
        const part = pending.slice(start, start + 450);
        const res = await call(this.url, 'POST', `/v1/collections/${this.collection}/identities/batch`, { identities: part.map((i) => this.body(i)) });
        if (res.status !== 200) failed.push(...part);
        else for (const f of res.body.failed) failed.push(Number(f.identityId.slice(this.prefix.length + 1)));
      }
      pending = failed;
      if (failed.length > 0) await sleep(500);
    }
  }

  /** Starts both loads; writes take ids from `firstNew` on, deleting every 20th id from the start. */
  start(firstNew: number, lastNew: number): void {
    const path = `/v1/collections/${this.collection}`;
    this.loops.push(
      (async () => {
        for (let n = 0; this.running; n++) {
          const ids = [...this.acknowledged];
          const i = ids[(n * 7919) % ids.length];
          const res = await call(this.url, 'POST', `${path}/search`, { vector: Array.from(this.vectors[i]), k: 3 });
          this.searches++;
          if (res.status !== 200 || res.body.partial) this.failedSearches.push(`${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
          else if (this.acknowledged.has(i) && res.body.hits[0]?.identityId !== this.idOf(i)) this.missing.push(`search ${this.idOf(i)}`);
          const got = await call(this.url, 'GET', `${path}/identities/${this.idOf(i)}`);
          if (this.acknowledged.has(i) && got.status !== 200) this.missing.push(`get ${this.idOf(i)} ${got.status}`);
        }
      })(),
      (async () => {
        for (let i = firstNew; this.running && i < lastNew; i++) {
          // A failed write may still have been stored (e.g. by the old owner during a move): like a
          // correct client, retry it until it is acknowledged, so that what the test counts as
          // written is what the cluster holds. Giving up would leave an identity of unknown fate.
          for (let attempt = 0; ; attempt++) {
            const { identityId: _inThePath, ...putBody } = this.body(i);
            const res = await call(this.url, 'PUT', `${path}/identities/${this.idOf(i)}`, putBody);
            if (res.status === 200) {
              this.acknowledged.add(i);
              break;
            }
            if (attempt === 200) throw new Error(`write of ${this.idOf(i)} never acknowledged: ${res.status} ${JSON.stringify(res.body)}`);
            await sleep(50);
          }
          if (i % 20 === 0) {
            const victim = i - firstNew;
            // Out of the acknowledged set first: a search racing the delete may legitimately miss it.
            this.acknowledged.delete(victim);
            const res = await call(this.url, 'DELETE', `${path}/identities/${this.idOf(victim)}`);
            if (res.status === 200) this.deleted.add(victim);
            else this.acknowledged.add(victim);
          }
          await sleep(5);
        }
      })(),
    );
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }
}

/** What useSeededCluster gives a describe: its cluster, and (once its beforeAll ran) the gateway's URL and the seeding load. */
export interface SeededCluster {
  readonly cluster: TestCluster;
  url: string;
  load: RebalanceLoad;
}

/**
 * For a describe of the rebalancing tests: a TestCluster with `env`, and before its tests the
 * named shards and a gateway, every shard up, `collection` created and identities 0..count-1
 * seeded through a RebalanceLoad; the cluster is stopped after them. Read `url` and `load` inside
 * the tests (they are set by the beforeAll).
 */
export function useSeededCluster(
  env: Record<string, string>,
  shardIds: string[],
  o: { collection: string; dimension: number; prefix: string; vectors: Float32Array[]; count: number },
): SeededCluster {
  const seeded = { cluster: new TestCluster(env), url: '', load: undefined as unknown as RebalanceLoad };
  beforeAll(async () => {
    const { cluster } = seeded;
    await Promise.all(shardIds.map((id) => cluster.startShard(id)));
    seeded.url = await cluster.startGateway();
    await cluster.waitForMembers(shardIds);
    seeded.load = new RebalanceLoad(seeded.url, o.collection, o.prefix, o.vectors, o.count);
    const created = await call(seeded.url, 'POST', '/v1/collections', { name: o.collection, dimension: o.dimension });
    if (created.status !== 201) throw new Error(`creating ${o.collection}: ${created.status} ${JSON.stringify(created.body)}`);
    await seeded.load.seed(o.count);
  }, 60_000);
  afterAll(() => seeded.cluster.stop());
  return seeded;
}

/** Polls GET /v1/cluster until `done` says so; on timeout throws with the shards' move log lines. */
export async function waitForCluster(cluster: TestCluster, url: string, done: (status: any) => boolean, timeoutMs = 60_000): Promise<{ status: any; sawMove: boolean }> {
  const deadline = Date.now() + timeoutMs;
  let sawMove = false;
  for (;;) {
    const status = (await call(url, 'GET', '/v1/cluster')).body;
    if (status.move) sawMove = true;
    if (done(status)) return { status, sawMove };
    if (Date.now() > deadline) {
      const logs = [...cluster.shards].map(([id, p]) => `${id}:\n${p.output.filter((l) => l.includes('move')).slice(-15).join('')}`);
      throw new Error(`cluster did not get there: ${JSON.stringify(status)}\n${logs.join('\n')}`);
    }
    await sleep(200);
  }
}

/**
 * Identities per shard once the loads have stopped: a status read while they ran would miss the
 * last writes and deletes (shards report counts with their heartbeats, hence the pause).
 */
export async function settledCounts(url: string, collection: string): Promise<Record<string, number>> {
  await sleep(1_500);
  return countsOf((await call(url, 'GET', '/v1/cluster')).body, collection);
}

/** Identities per shard of the collection, from GET /v1/cluster. */
export function countsOf(status: any, collection: string): Record<string, number> {
  return Object.fromEntries(status.members.map((m: any) => [m.shardId, m.collections?.find((c: any) => c.name === collection)?.identities ?? 0]));
}

/**
 * After a move: identities 0..count-1 held exactly where the ring of `members` places them (the
 * shards' counts), and every `every`-th found by GET (on its owner, unless `ownerInGet` is false)
 * and as its own best match by search.
 */
export async function expectHeldOnTheirOwners(
  url: string,
  collection: string,
  load: RebalanceLoad,
  vectors: Float32Array[],
  o: { count: number; members: string[]; every: number; ownerInGet?: boolean },
): Promise<void> {
  const placement = new RingPlacement({ epoch: 0, members: o.members });
  const expected: Record<string, number> = Object.fromEntries(o.members.map((m) => [m, 0]));
  for (let i = 0; i < o.count; i++) expected[placement.ownerOf(load.idOf(i))]!++;
  expect(await settledCounts(url, collection)).toEqual(expected);
  for (let i = 0; i < o.count; i += o.every) {
    const got = await call(url, 'GET', `/v1/collections/${collection}/identities/${load.idOf(i)}`);
    expect(got.status, load.idOf(i)).toBe(200);
    if (o.ownerInGet !== false) expect(got.body.shardId, load.idOf(i)).toBe(placement.ownerOf(load.idOf(i)));
    const found = await call(url, 'POST', `/v1/collections/${collection}/search`, { vector: Array.from(vectors[i]!), k: 1 });
    expect(found.body.hits[0]?.identityId, `search ${load.idOf(i)}`).toBe(load.idOf(i));
  }
}
