import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheusText } from '@faceshard/observability';
import { planMove } from '@faceshard/rebalance';
import { RingPlacement } from '@faceshard/ring';
import { call, sleep, TestCluster } from '../support/cluster-harness';
import { RebalanceLoad, settledCounts, waitForCluster } from '../support/rebalance-load';
import { randomUnitVectors } from '../support/vectors';

/**
 * Issue 7: a third shard joins a loaded 2-shard cluster. It starts `joining`, the coordinator
 * streams its share from both sources, commits the read ring, then the write ring, and the
 * sources drop what they gave away. A search load and a write load (with deletes) run all along.
 */
const DIM = 16;
const BASE = 900;
const EXTRA = 200;
const vectors = randomUnitVectors(BASE + EXTRA, DIM, 777);

describe('grow 2 -> 3 shards under search and write load', () => {
  const cluster = new TestCluster({ REBALANCE_SETTLE_MS: '600', REBALANCE_CHUNK_IDS: '100', SHARD_DOWN_AFTER_MS: '15000' });
  let url = '';
  let load: RebalanceLoad;

  beforeAll(async () => {
    await Promise.all(['ga', 'gb'].map((id) => cluster.startShard(id)));
    url = await cluster.startGateway();
    await cluster.waitForMembers(['ga', 'gb']);
    load = new RebalanceLoad(url, 'grow', 'g', vectors, BASE);
    expect((await call(url, 'POST', '/v1/collections', { name: 'grow', dimension: DIM })).status).toBe(201);
    await load.seed(BASE);
  });

  afterAll(() => cluster.stop());

  it('moves exactly the planned identities to the newcomer; nothing lost, nothing resurrected, searches never fail', async () => {
    load.start(BASE, BASE + EXTRA);
    await sleep(300);
    await cluster.startShard('gc');
    // Operators watch the move in Prometheus: scrape the gateway while it runs.
    const scraping = { on: true, movedBySource: new Map<string, number>() };
    const scraper = (async () => {
      while (scraping.on) {
        const text = await (await fetch(`${url}/metrics`)).text();
        for (const sample of parsePrometheusText(text).filter((x) => x.name === 'faceshard_rebalance_moved_identities')) {
          scraping.movedBySource.set(sample.labels.source!, Math.max(sample.value, scraping.movedBySource.get(sample.labels.source!) ?? 0));
        }
        await sleep(100);
      }
    })();
    const { status, sawMove } = await waitForCluster(cluster, url, (s) => !s.move && s.members.find((m: any) => m.shardId === 'gc')?.state === 'active');
    scraping.on = false;
    await scraper;
    await load.stop();
    expect(sawMove).toBe(true);
    expect(status.readMembers).toEqual(['ga', 'gb', 'gc']);
    expect(load.searches).toBeGreaterThan(10);
    expect(load.failedSearches).toEqual([]);
    expect(load.missing).toEqual([]);

    // Every acknowledged identity by id (on its owner under the new ring) and by search; every deleted one gone.
    const ring = new RingPlacement({ epoch: 0, members: ['ga', 'gb', 'gc'] });
    for (const i of load.acknowledged) {
      const got = await call(url, 'GET', `/v1/collections/grow/identities/${load.idOf(i)}`);
      expect(got.status, load.idOf(i)).toBe(200);
      expect(got.body.shardId).toBe(ring.ownerOf(load.idOf(i)));
    }
    for (const i of [...load.acknowledged].filter((_, n) => n % 6 === 0)) {
      const res = await call(url, 'POST', '/v1/collections/grow/search', { vector: Array.from(vectors[i]), k: 1 });
      expect(res.body.hits[0]?.identityId, load.idOf(i)).toBe(load.idOf(i));
    }
    for (const i of load.deleted) expect((await call(url, 'GET', `/v1/collections/grow/identities/${load.idOf(i)}`)).status, load.idOf(i)).toBe(404);

    // Counts: each shard holds exactly what the new ring gives it (sources dropped what they
    // gave away; nothing moved between ga and gb, which kept their positions), and the planned
    // share of the newcomer is within 10% of the ideal 1/3.
    const expected: Record<string, number> = { ga: 0, gb: 0, gc: 0 };
    for (const i of load.acknowledged) expected[ring.ownerOf(load.idOf(i))]++;
    expect(await settledCounts(url, 'grow')).toEqual(expected);
    const plan = planMove(['ga', 'gb'], ['ga', 'gb', 'gc'], Array.from({ length: BASE }, (_, i) => load.idOf(i)));
    expect([...plan.bySource.values()].every((targets) => [...targets.keys()].every((t) => t === 'gc'))).toBe(true);
    expect(Math.abs(plan.moved / (BASE / 3) - 1)).toBeLessThan(0.1);

    // The move's gauges showed identities moving from both sources, and are gone once it ended.
    expect([...scraping.movedBySource.keys()].sort()).toEqual(['ga', 'gb']);
    expect([...scraping.movedBySource.values()].every((moved) => moved > 0)).toBe(true);
    const after = parsePrometheusText(await (await fetch(`${url}/metrics`)).text());
    expect(after.filter((x) => x.name.startsWith('faceshard_rebalance_'))).toEqual([]);
  }, 120_000);
});
