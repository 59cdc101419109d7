/**
 * What a snapshot of a large HNSW index costs writers on this machine with no faceshard code: the
 * ceiling that `snapshot-stall` (faceshard's ShardStore) is judged against (issue 6 item 9).
 *
 *   npm run build && node dist/bench/store/snapshot-ceiling.js --identities 1000000 --dir /work/some-folder [--rounds 2]
 *   node dist/bench/store/snapshot-ceiling.js --from-index /work/loop-data/1m/snapshots/<n>/c0.hnsw --dir /work/some-folder
 *     (the very graph snapshot-stall's kept folder holds: the same bytes to write, no fill)
 *
 * One process, the layout of a shard reduced to its raw parts:
 * - a raw hnswlib index (same M / efConstruction / dimension / vectors as snapshot-stall's fill);
 * - a writer appending one log record of an upsert's size (the vector, an id, two attributes) to a
 *   file and fdatasync-ing it, one at a time, back to back (a write-ahead log's floor: no index
 *   insert, no encoding beyond a Buffer copy);
 * - a searcher running k=10 searches back to back (setImmediate between them), as snapshot-stall's;
 * - the same event-loop and timer-only-process probes as snapshot-stall (stall-probes.ts).
 * Phases, each with the writer and searcher running, `--rounds` times in turn:
 * - `steady`: 5 s with nothing else;
 * - `write-index`: hnswlib's own writeIndex of the whole index into a scratch file on the same disk
 *   (a libuv thread; the page cache only: the file is removed unsynced);
 * - `durable`: the plain durable snapshot: writeIndex, then fsync of the file, rename, fsync of the
 *   folder.
 * Prints JSON; a Markdown table of the rounds on stderr.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { HierarchicalNSW } from 'hnswlib-node';
import { SeededRandom } from '../data/prng';
import { percentile, round, startProbes, type ProbeReport } from './stall-probes';

const PHASES = ['steady', 'write-index', 'durable'] as const;
type Phase = (typeof PHASES)[number];
const STEADY_MS = 5000;

interface Options {
  identities: number;
  dimension: number;
  m: number;
  efConstruction: number;
  dir: string;
  rounds: number;
  /** Read this hnswlib index file (e.g. snapshot-stall's kept snapshot, `<dir>/snapshots/<n>/c0.hnsw`) instead of filling one. */
  fromIndex: string | null;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { identities: 100_000, dimension: 128, m: 8, efConstruction: 40, dir: '', rounds: 2, fromIndex: null };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--identities') options.identities = Number(value);
    else if (flag === '--dimension') options.dimension = Number(value);
    else if (flag === '--m') options.m = Number(value);
    else if (flag === '--ef-construction') options.efConstruction = Number(value);
    else if (flag === '--dir') options.dir = value;
    else if (flag === '--rounds') options.rounds = Number(value);
    else if (flag === '--from-index') options.fromIndex = value;
    else throw new Error(`unknown option ${flag} (see the comment at the top of bench/store/snapshot-ceiling.ts)`);
  }
  if (!options.dir) throw new Error('--dir is required: a folder on the disk a shard would use (the log and the snapshot go there)');
  return options;
}

/** One log record of an upsert's size: the vector's bytes, an id and two short attributes. */
function logRecord(n: number, vector: number[]): Buffer {
  const head = Buffer.from(JSON.stringify({ identityId: `person-${n}`, attributes: { name: `Person ${n}`, team: `t${n % 97}` } }));
  const body = Buffer.from(new Float32Array(vector).buffer);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(head.length + body.length);
  return Buffer.concat([length, head, body]);
}

function vectorOf(random: () => number, dimension: number): number[] {
  return Array.from({ length: dimension }, () => random() - 0.5);
}

async function durableSnapshot(index: HierarchicalNSW, dir: string): Promise<void> {
  const scratch = join(dir, 'index.hnsw.tmp');
  await index.writeIndex(scratch);
  const file = await open(scratch, 'r+');
  await file.sync();
  await file.close();
  await rename(scratch, join(dir, 'index.hnsw'));
  const folder = await open(dir, 'r');
  await folder.sync();
  await folder.close();
}

/** One phase of one round, as printed (JSON and the table). */
function phaseRow(m: { round: number; phase: Phase; phaseMs: number; loadBefore: number; waits: number[]; syncs: number[]; searches: number[]; probe: ProbeReport }) {
  const { waits, syncs, searches, probe } = m;
  return {
    round: m.round,
    phase: m.phase,
    phaseMs: Math.round(m.phaseMs),
    loadavg1: [round(m.loadBefore), round(loadavg()[0])],
    writer: { writes: waits.length, p50WaitMs: round(percentile(waits, 50)), p99WaitMs: round(percentile(waits, 99)), maxWaitMs: round(Math.max(0, ...waits)) },
    logDatasync: { p50Ms: round(percentile(syncs, 50)), p99Ms: round(percentile(syncs, 99)), maxMs: round(Math.max(0, ...syncs)) },
    search: { searches: searches.length, p99Ms: round(percentile(searches, 99)), maxMs: round(Math.max(0, ...searches)) },
    eventLoop: { p99GapMs: probe.eventLoop.p99GapMs, maxGapMs: probe.eventLoop.maxGapMs },
    timerOnlyProcessMaxGapMs: probe.baselineProcess?.maxGapMs ?? null,
    gcMaxMs: probe.gc.maxMs,
  };
}
type PhaseRow = ReturnType<typeof phaseRow>;

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  mkdirSync(options.dir, { recursive: true });
  const seeded = new SeededRandom(42);
  const random = (): number => seeded.nextFloat();
  const index = new HierarchicalNSW('cosine', options.dimension);
  const fillStart = performance.now();
  if (options.fromIndex) await index.readIndex(options.fromIndex);
  else {
    index.initIndex(options.identities + 100_000, options.m, options.efConstruction, 100);
    for (let n = 0; n < options.identities; n++) {
      index.addPoint(vectorOf(random, options.dimension), n);
      if (n % 200_000 === 0) process.stderr.write(`filled ${n} in ${Math.round((performance.now() - fillStart) / 1000)} s\n`);
    }
  }
  const fillSeconds = (performance.now() - fillStart) / 1000;
  process.stderr.write(`index of ${index.getCurrentCount()} points ready in ${Math.round(fillSeconds)} s\n`);
  const log: FileHandle = await open(join(options.dir, 'log'), 'a');
  let next = options.identities + 1_000_000;
  const rows: PhaseRow[] = [];
  try {
    for (let r = 1; r <= options.rounds; r++) {
      for (const phase of PHASES as readonly Phase[]) {
        const probes = await startProbes(new Set(), 0, null);
        let running = true;
        const waits: number[] = [];
        const syncs: number[] = [];
        const searches: number[] = [];
        const writer = (async () => {
          while (running) {
            const started = performance.now();
            await log.write(logRecord(next, vectorOf(random, options.dimension)));
            const synced = performance.now();
            await log.datasync();
            const done = performance.now();
            syncs.push(done - synced);
            waits.push(done - started);
            next++;
          }
        })();
        const query = vectorOf(random, options.dimension);
        const searcher = (async () => {
          while (running) {
            const started = performance.now();
            index.searchKnn(query, 10);
            searches.push(performance.now() - started);
            await new Promise((resolve) => setImmediate(resolve));
          }
        })();
        const loadBefore = loadavg()[0];
        const started = performance.now();
        if (phase === 'steady') await new Promise((resolve) => setTimeout(resolve, STEADY_MS));
        else if (phase === 'write-index') {
          const scratch = join(options.dir, 'scratch.hnsw');
          await index.writeIndex(scratch);
          await unlink(scratch);
        } else await durableSnapshot(index, options.dir);
        const phaseMs = performance.now() - started;
        running = false;
        await Promise.all([writer, searcher]);
        const { records: _records, ...probe } = await probes.stop();
        const row = phaseRow({ round: r, phase, phaseMs, loadBefore, waits, syncs, searches, probe });
        rows.push(row);
        process.stderr.write(`round ${r} ${phase}: ${JSON.stringify(row)}\n`);
      }
    }
  } finally {
    await log.close();
    rmSync(options.dir, { recursive: true, force: true });
  }
  process.stderr.write('\n| round | phase | ms | writes | writer p50 / p99 / max | log fdatasync p50 / p99 / max | loop p99 / max gap | timer-only max | load |\n|---|---|---|---|---|---|---|---|---|\n');
  for (const row of rows) {
    process.stderr.write(
      `| ${row.round} | ${row.phase} | ${row.phaseMs} | ${row.writer.writes} | ${row.writer.p50WaitMs} / ${row.writer.p99WaitMs} / ${row.writer.maxWaitMs} | ${row.logDatasync.p50Ms} / ${row.logDatasync.p99Ms} / ${row.logDatasync.maxMs} | ${row.eventLoop.p99GapMs} / ${row.eventLoop.maxGapMs} | ${row.timerOnlyProcessMaxGapMs} | ${row.loadavg1.join('–')} |\n`,
    );
  }
  process.stdout.write(
    `${JSON.stringify({ bench: 'store/snapshot-ceiling', options, fillSeconds: Math.round(fillSeconds), rounds: rows, machine: { cpus: cpus().length, node: process.version } }, null, 2)}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
