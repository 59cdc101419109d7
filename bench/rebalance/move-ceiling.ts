/**
 * Can any implementation meet both of issue 7's join targets on this machine? This puts together
 * the least a join must run, with no faceshard code: one client searching back to back through the
 * bare layout of bench/cluster/hop-ceiling.ts (HTTP gateway, NATS, two source shards each searching
 * its half of 100k face-like vectors at the per-shard ef; indexes from
 * `shard-search-cost.js --save`), first alone and then beside a **receiver**: a process inserting
 * fresh vectors into raw hnswlib (M 16, efConstruction 200; a fresh index again every count/3
 * inserts, the joiner's shape) paced at `--share` (0.7, the rate target) of its own unpaced rate,
 * measured alone first. A real join costs more than this (the sources export, the messages cross
 * NATS, the receiver logs and acknowledges): if the search p99 beside this receiver is already over
 * 2× the p99 without it, no implementation meets both targets here.
 *
 *   npm run build && node dist/bench/cluster/shard-search-cost.js --ef 128 --save /tmp/hop-index
 *   node dist/bench/rebalance/move-ceiling.js --index-dir /tmp/hop-index [--ef 128] [--share 0.7] [--rounds 3] [--seconds 10]
 */
import { type ChildProcess, fork } from 'node:child_process';
import { Agent } from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { HierarchicalNSW } from 'hnswlib-node';
import { shardEf } from '@faceshard/query';
import { parseArgsOrExit } from '../cli-options';
import { readHopIndex, searchBodies } from '../cluster/hop-index';
import { forkServer, postSearch } from '../cluster/hop-parts';
import { summariseLatencies } from '../cluster/latency';
import { unitVectors } from './unit-vectors';

const DIM = 128;

/** The receiver (a child): inserts into fresh indexes of `count` vectors at `rate` per second (0 = as fast as it can), reporting its rate every second. */
function runReceiver(count: number, rate: number): void {
  process.on('disconnect', () => process.exit(0));
  const vectors = unitVectors(count, DIM, 7);
  let index = new HierarchicalNSW('ip', DIM);
  index.initIndex(count, 16, 200, 100);
  let row = 0;
  let inserted = 0;
  const t0 = performance.now();
  let reported = t0;
  const step = (): void => {
    const stepEnd = performance.now() + 20;
    while (performance.now() < stepEnd) {
      if (rate > 0 && inserted >= ((performance.now() - t0) / 1000) * rate) break; // ahead of the pace
      if (row === count) {
        index = new HierarchicalNSW('ip', DIM);
        index.initIndex(count, 16, 200, 100);
        row = 0;
      }
      index.addPoint(Array.from(vectors.subarray(row * DIM, (row + 1) * DIM)), row);
      row++;
      inserted++;
    }
    const now = performance.now();
    if (now - reported >= 1000) {
      process.send?.({ perSecond: inserted / ((now - t0) / 1000) });
      reported = now;
    }
    setTimeout(step, rate > 0 ? 1 : 0);
  };
  step();
}

function startReceiver(count: number, rate: number): { child: ChildProcess; lastRate: () => number } {
  const child = fork(__filename, ['--receiver', String(count), '--receiver', String(rate)], { stdio: 'inherit' });
  let last = NaN;
  child.on('message', (m: { perSecond: number }) => (last = m.perSecond));
  return { child, lastRate: () => last };
}

/** One client, back to back, for `seconds`: latency of each search. */
async function searchFor(port: number, bodies: string[], seconds: number): Promise<{ p50Ms: number; p99Ms: number; count: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const samples: number[] = [];
  const end = performance.now() + seconds * 1000;
  for (let i = 0; performance.now() < end; i++) {
    const t0 = performance.now();
    await postSearch(agent, port, bodies[i % bodies.length]!);
    samples.push(performance.now() - t0);
  }
  agent.destroy();
  const s = summariseLatencies(samples);
  return { p50Ms: s.p50Ms, p99Ms: s.p99Ms, count: s.count };
}

async function main(): Promise<void> {
  const { values } = parseArgsOrExit('node dist/bench/rebalance/move-ceiling.js', {
    options: {
      'index-dir': { type: 'string' },
      ef: { type: 'string', default: '128' },
      share: { type: 'string', default: '0.7' },
      rounds: { type: 'string', default: '3' },
      seconds: { type: 'string', default: '10' },
      nats: { type: 'string', default: 'nats://127.0.0.1:4222' },
      // The receiver this tool forks of itself: its vector count and rate per second (0: unpaced).
      receiver: { type: 'string', multiple: true },
    },
  });
  if (values.receiver) return runReceiver(Number(values.receiver[0]), Number(values.receiver[1]));

  const dir = values['index-dir'];
  if (!dir) throw new Error('--index-dir DIR is required (shard-search-cost.js --save DIR builds it)');
  const ef = Number(values.ef);
  const share = Number(values.share);
  const rounds = Number(values.rounds);
  const seconds = Number(values.seconds);
  const natsUrl = values.nats;
  const index = readHopIndex(dir);
  const meta = index.meta;
  const joinerCount = Math.round(meta.identities / 3);
  const bodies = searchBodies(index, 10, ef);

  // The receiver's own rate, alone.
  const alone = startReceiver(joinerCount, 0);
  await new Promise((r) => setTimeout(r, 6000));
  const unpaced = alone.lastRate();
  alone.child.kill('SIGTERM');
  const paced = Math.round(unpaced * share);
  console.log(`move ceiling: receiver alone ${unpaced.toFixed(0)} inserts/s; paced at ${share} of it = ${paced}/s; one client, ef ${ef} (each of ${meta.shards} sources at ef ${shardEf(ef, meta.shards)}); load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

  const hopCeiling = join(__dirname, '../cluster/hop-ceiling.js');
  const subject = `bench.moveceiling.${process.pid}`;
  const children: ChildProcess[] = [];
  try {
    for (let i = 0; i < meta.shards; i++) {
      const work = `hnsw:${index.partFile(i)}:${meta.dimension}:${shardEf(ef, meta.shards)}`;
      children.push((await forkServer(hopCeiling, 'shard', ['--nats', natsUrl, '--subject', `${subject}.${i}`, '--work', work])).child);
    }
    const gateway = await forkServer(hopCeiling, 'gateway', ['--nats', natsUrl, '--subject', subject, '--in-flight', '1', '--shards', String(meta.shards)]);
    children.push(gateway.child);
    await searchFor(gateway.port!, bodies, 2); // warm-up
    const rows = [];
    for (let round = 1; round <= rounds; round++) {
      const without = await searchFor(gateway.port!, bodies, seconds);
      const receiver = startReceiver(joinerCount, paced);
      children.push(receiver.child);
      await new Promise((r) => setTimeout(r, 1000));
      const beside = await searchFor(gateway.port!, bodies, seconds);
      const achieved = receiver.lastRate();
      receiver.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 500));
      const row = { round, without, beside, receiverPerSecond: achieved, p99Ratio: beside.p99Ms / without.p99Ms };
      rows.push(row);
      console.log(
        `round ${round}: without p50 ${without.p50Ms.toFixed(2)} / p99 ${without.p99Ms.toFixed(2)} ms (${without.count}); beside the receiver (${achieved.toFixed(0)}/s = ${(achieved / unpaced).toFixed(2)} of alone) p50 ${beside.p50Ms.toFixed(2)} / p99 ${beside.p99Ms.toFixed(2)} ms (${beside.count}): p99 x ${row.p99Ratio.toFixed(2)}`,
      );
    }
    console.log(JSON.stringify({ ef, share, unpaced, paced, rows }));
  } finally {
    for (const child of children) child.kill('SIGTERM');
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
