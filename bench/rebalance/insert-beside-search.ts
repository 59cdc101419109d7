/**
 * How much of a join's gap to raw hnswlib is the machine, not faceshard: raw single-thread
 * hnswlib inserts (what bench:rebalance's fresh pass does: count/3 vectors into an empty index,
 * M 16 / efConstruction 200) timed alone, then beside one other process that only searches a
 * raw hnswlib index of the sources' size (count·2/3 vectors) back to back on the other core —
 * a join's receiver never runs alone: the sources and the search chain keep the other core busy.
 * Rounds alternate alone / beside; no faceshard code runs at all.
 *
 *   npm run build && flock /work/team/bench.lock node dist/bench/rebalance/insert-beside-search.js [--count 100000] [--rounds 3]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { HierarchicalNSW } from 'hnswlib-node';
import { parseArgsOrExit } from '../cli-options';
import { freshInsertRate } from './raw-inserts';
import { unitVectors } from './unit-vectors';

const DIM = 128;
const SEARCH_EF = 64;

/** The child: builds the sources' index (efConstruction 100, untimed, to start sooner), says ready, then searches until killed. */
function runSearcher(count: number): void {
  // Never outlive the parent: its IPC channel closes when it exits, however it exits.
  process.on('disconnect', () => process.exit(0));
  const n = Math.round((count * 2) / 3);
  const vectors = unitVectors(n, DIM, 11);
  const index = new HierarchicalNSW('ip', DIM);
  index.initIndex(n, 16, 100, 100);
  for (let i = 0; i < n; i++) index.addPoint(Array.from(vectors.subarray(i * DIM, (i + 1) * DIM)), i);
  index.setEf(SEARCH_EF);
  process.send?.('ready');
  let row = 0;
  // Bursts of 20 ms with a turn of the event loop between them, so that the parent's kill is seen.
  const burst = (): void => {
    const end = performance.now() + 20;
    while (performance.now() < end) {
      row = (row + 7919) % n;
      index.searchKnn(Array.from(vectors.subarray(row * DIM, (row + 1) * DIM)), 10);
    }
    setImmediate(burst);
  };
  burst();
}

async function startSearcher(count: number): Promise<ChildProcess> {
  const child = fork(__filename, ['--searcher', '--count', String(count)], { stdio: 'inherit' });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`the searcher exited (${code}) before it was ready`)));
  });
  return child;
}

async function main(): Promise<void> {
  const { values } = parseArgsOrExit('node dist/bench/rebalance/insert-beside-search.js', { options: { count: { type: 'string', default: '100000' }, rounds: { type: 'string', default: '3' }, searcher: { type: 'boolean', default: false } } });
  const count = Number(values.count);
  const rounds = Number(values.rounds);
  if (!Number.isInteger(count) || count < 3000 || !Number.isInteger(rounds) || rounds < 1) {
    console.error('usage: insert-beside-search.js [--count N >= 3000] [--rounds N >= 1]');
    process.exit(2);
  }
  if (values.searcher) return runSearcher(count);
  const vectors = unitVectors(count, DIM, 7);
  console.log(`raw hnswlib inserts of ${Math.round(count / 3)} vectors into a fresh index, alone and beside one raw searcher of ${Math.round((count * 2) / 3)} (ef ${SEARCH_EF})`);
  console.log('round  alone CPU ms/insert  beside CPU ms/insert  beside / alone  load 1m');
  for (let round = 1; round <= rounds; round++) {
    const alone = freshInsertRate(vectors, DIM, count);
    const searcher = await startSearcher(count);
    const beside = freshInsertRate(vectors, DIM, count);
    // Gone before the next round's "alone" pass starts.
    const exited = new Promise((resolve) => searcher.once('exit', resolve));
    searcher.kill();
    await exited;
    const cells = [String(round).padStart(5), alone.cpuMsPerInsert.toFixed(3).padStart(19), beside.cpuMsPerInsert.toFixed(3).padStart(20), (beside.cpuMsPerInsert / alone.cpuMsPerInsert).toFixed(2).padStart(14), loadavg()[0]!.toFixed(2).padStart(7)];
    console.log(cells.join('  '));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
