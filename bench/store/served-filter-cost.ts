/**
 * What leaving handed-over identities out of a search costs (a join's source in a move's last
 * stage, apps/shard/src/served-identities.ts): the same searches of one ShardStore collection
 * plain, then with `admitsIdentity` leaving out the third of the identities a 3-member ring places
 * on the joiner (memoised, as the shard does), alternated. Prints JSON; no faceshard process, no
 * network: the store alone.
 *
 *   npm run build && flock /work/team/bench.lock node dist/bench/store/served-filter-cost.js
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShardStore } from '@faceshard/index';
import { RingPlacement } from '@faceshard/ring';
import { parseArgsOrExit } from '../cli-options';
import { unitVectors } from '../rebalance/unit-vectors';

async function main(): Promise<void> {
  const { values } = parseArgsOrExit('node dist/bench/store/served-filter-cost.js', {
    options: {
      identities: { type: 'string', default: '50000' },
      dimension: { type: 'string', default: '128' },
      searches: { type: 'string', default: '2000' },
      ef: { type: 'string', default: '128' },
      k: { type: 'string', default: '10' },
      rounds: { type: 'string', default: '2' },
    },
  });
  const n = Number(values.identities);
  const dim = Number(values.dimension);
  const searches = Number(values.searches);
  const ef = Number(values.ef);
  const k = Number(values.k);
  const dir = mkdtempSync(join(tmpdir(), 'served-filter-cost-'));
  const store = await ShardStore.open({ dataDir: dir, graphUpkeepIdleMs: 0 });
  try {
    await store.ensureCollection({ name: 'c', dimension: dim, metric: 'cosine' });
    const data = unitVectors(n, dim, 11);
    for (let start = 0; start < n; start += 1000) {
      const batch = [];
      for (let i = start; i < Math.min(n, start + 1000); i++) batch.push({ identityId: `id-${i}`, mode: 'replace' as const, faces: [{ faceId: 'f', vector: data.subarray(i * dim, (i + 1) * dim) }] });
      await store.upsert('c', batch);
    }
    const ring = new RingPlacement({ epoch: 0, members: ['a', 'b', 'joiner'] });
    const remembered = new Map<string, boolean>();
    const admitsIdentity = (id: string) => {
      let answer = remembered.get(id);
      if (answer === undefined) remembered.set(id, (answer = ring.ownerOf(id) !== 'joiner'));
      return answer;
    };
    const queries = unitVectors(searches, dim, 12);
    const time = (options: { admitsIdentity?: (id: string) => boolean }) => {
      const us: number[] = [];
      for (let q = 0; q < searches; q++) {
        const started = process.hrtime.bigint();
        store.search('c', queries.subarray(q * dim, (q + 1) * dim), k, { ef, ...options });
        us.push(Number(process.hrtime.bigint() - started) / 1000);
      }
      us.sort((a, b) => a - b);
      return { meanUs: Math.round(us.reduce((a, b) => a + b, 0) / us.length), p50Us: Math.round(us[Math.floor(us.length / 2)]!), p99Us: Math.round(us[Math.floor(us.length * 0.99)]!) };
    };
    time({}); // warm-up (and the memo, for the filtered pass)
    time({ admitsIdentity });
    const rounds = [];
    for (let r = 0; r < Number(values.rounds); r++) rounds.push({ plain: time({}), leavingOutAThird: time({ admitsIdentity }) });
    console.log(JSON.stringify({ identities: n, dimension: dim, searches, ef, k, rounds }, null, 1));
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
