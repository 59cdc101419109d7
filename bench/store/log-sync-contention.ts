/**
 * Does a log that overwrites pre-zeroed blocks sync faster beside a big copy than one that appends?
 *
 *   node dist/bench/store/log-sync-contention.js --dir /work/some-folder-on-the-store-disk [--rounds 3] [--big-mb 640] [--step-mb 32]
 *
 * Hypothesis (issue 6 item 9): the log opens segments with 'a' and appends, so each fdatasync
 * changes the file's size and must commit the ext4 journal (data=ordered); that commit waits for
 * the data blocks a concurrent big copy (a snapshot's durable copy) has just had allocated. An
 * overwrite of blocks already written and synced, with no size change, needs no journal commit
 * (fdatasync skips it when only timestamps changed), so it should not wait for the copy. This is
 * why PostgreSQL pre-zeroes its WAL segments. (On the development machine the premise fails: its
 * root ext4 has no journal; an overwrite then saves only the inode-block write. bench/store README.)
 *
 * Each round runs four cells, order alternated per round: {append, overwrite} x {idle, copy}.
 * - append: a fresh file opened with 'a'; each record (200 B - 4 KB, random) is written at the end,
 *   then fdatasync.
 * - overwrite: a fresh file of 64 MB written with zeros, fdatasync'ed and its folder fsync'ed
 *   before the cell starts (not timed); records are written at increasing offsets with
 *   pwrite, then fdatasync.
 * - copy: meanwhile a `--big-mb` file is written in `--step-mb` steps, each step followed by an
 *   fdatasync of that file (the records stop when the copy ends); idle: nothing beside, 300 records;
 *   truncate / unlink (`--besides`): that file, written and synced before, removed in steps or at once.
 * `--modes` and `--besides` choose the cells (default append,overwrite x idle,copy).
 * Records are synced back to back (one writer waiting for each), as a log round after round.
 * Prints JSON (per cell and round: syncs, p50 / p99 / max of the fdatasync alone, and the copy's
 * duration) and a Markdown table on stderr.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

interface Options {
  dir: string;
  rounds: number;
  bigMb: number;
  stepMb: number;
  idleRecords: number;
  modes: Mode[];
  besides: Beside[];
  /** Where the `dirty` cell's big file goes (default: beside the log), e.g. a tmpfs. */
  dirtyDir: string | null;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { dir: '', rounds: 3, bigMb: 640, stepMb: 32, idleRecords: 300, modes: ['append', 'overwrite'], besides: ['idle', 'copy'], dirtyDir: null };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--dir') options.dir = value;
    else if (flag === '--rounds') options.rounds = Number(value);
    else if (flag === '--big-mb') options.bigMb = Number(value);
    else if (flag === '--step-mb') options.stepMb = Number(value);
    else if (flag === '--idle-records') options.idleRecords = Number(value);
    else if (flag === '--modes') options.modes = value.split(',') as Mode[];
    else if (flag === '--besides') options.besides = value.split(',') as Beside[];
    else if (flag === '--dirty-dir') options.dirtyDir = value;
    else throw new Error(`unknown option ${flag} (see the comment at the top of bench/store/log-sync-contention.ts)`);
  }
  for (const beside of options.besides) if (!BESIDES.includes(beside)) throw new Error(`unknown --besides ${beside}`);
  for (const mode of options.modes) if (mode !== 'append' && mode !== 'overwrite') throw new Error(`unknown --modes ${mode}`);
  if (!options.dir) throw new Error('--dir is required (a folder on the disk the store uses; it is created and emptied)');
  return options;
}

type Mode = 'append' | 'overwrite';
/**
 * idle: nothing; copy: the big file written in --step-mb steps, each datasync'ed; truncate: the
 * big file (written and synced before the cell, not timed) shrunk from its end in --step-mb steps,
 * each datasync'ed, as paced-removal.ts does with an old snapshot (the mount has `discard`);
 * unlink: that file removed in one call; dirty: the big file written in 64 KB writes and never
 * synced, as hnswlib's writeIndex fills its scratch file (in the log's folder: its inode is likely in
 * the same inode-table block as the log's; `--dirty-dir` puts it elsewhere, e.g. on a tmpfs).
 */
type Beside = 'idle' | 'copy' | 'truncate' | 'unlink' | 'dirty';
const BESIDES: Beside[] = ['idle', 'copy', 'truncate', 'unlink', 'dirty'];

const PREZERO_BYTES = 64 << 20;
const MB = 1 << 20;

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeAll(handle: FileHandle, data: Buffer, position: number | null): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position === null ? null : position + done);
    done += bytesWritten;
  }
}

/** A log file ready for records: empty (append) or 64 MB of synced zeros (overwrite). */
async function prepareLog(path: string, mode: Mode): Promise<FileHandle> {
  if (mode === 'append') {
    const handle = await open(path, 'a');
    await handle.datasync();
    await fsyncDir(join(path, '..'));
    return handle;
  }
  const handle = await open(path, 'w+');
  const zeros = Buffer.alloc(4 * MB);
  for (let at = 0; at < PREZERO_BYTES; at += zeros.length) await writeAll(handle, zeros, at);
  await handle.datasync();
  await fsyncDir(join(path, '..'));
  return handle;
}

/** The big file written and datasync'ed in steps; resolves with its duration. */
async function bigCopy(path: string, options: Options): Promise<number> {
  const started = performance.now();
  const handle = await open(path, 'w');
  try {
    const step = Buffer.alloc(options.stepMb * MB, 0x5a);
    for (let at = 0; at < options.bigMb * MB; at += step.length) {
      await writeAll(handle, step, at);
      await handle.datasync();
    }
  } finally {
    await handle.close();
  }
  return performance.now() - started;
}

/** The big file, written and synced, for a removal cell (not timed). */
async function writeBigSynced(path: string, options: Options): Promise<void> {
  const handle = await open(path, 'w');
  try {
    const step = Buffer.alloc(32 * MB, 0x5a);
    for (let at = 0; at < options.bigMb * MB; at += step.length) await writeAll(handle, step, at);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await fsyncDir(join(path, '..'));
}

/** The big file removed: shrunk in steps (each datasync'ed) or unlinked at once; resolves with its duration. */
async function bigRemoval(path: string, beside: 'truncate' | 'unlink', options: Options): Promise<number> {
  const started = performance.now();
  if (beside === 'truncate') {
    const handle = await open(path, 'r+');
    try {
      for (let size = options.bigMb * MB; size > 0; ) {
        size = Math.max(0, size - options.stepMb * MB);
        await handle.truncate(size);
        await handle.datasync();
      }
    } finally {
      await handle.close();
    }
  }
  rmSync(path);
  await fsyncDir(join(path, '..'));
  return performance.now() - started;
}

/** The big file written in 64 KB writes, not synced (removed with the cell). */
async function bigDirty(path: string, options: Options): Promise<number> {
  const started = performance.now();
  const handle = await open(path, 'w');
  try {
    const chunk = Buffer.alloc(64 * 1024, 0x5a);
    for (let at = 0; at < options.bigMb * MB; at += chunk.length) await writeAll(handle, chunk, null);
  } finally {
    await handle.close();
  }
  return performance.now() - started;
}

interface Cell {
  round: number;
  mode: Mode;
  beside: Beside;
  syncs: number;
  p50: number;
  p99: number;
  max: number;
  over10ms: number;
  copyMs: number | null;
  load: number;
}

async function runCell(round: number, mode: Mode, beside: Beside, options: Options, random: () => number): Promise<Cell> {
  const cellDir = join(options.dir, `r${round}-${mode}-${beside}`);
  mkdirSync(cellDir, { recursive: true });
  const log = await prepareLog(join(cellDir, 'log'), mode);
  const syncMs: number[] = [];
  let position = 0;
  let copyDone = beside === 'idle';
  let copyMs: number | null = null;
  const big = join(cellDir, 'big');
  if (beside === 'truncate' || beside === 'unlink') await writeBigSynced(big, options);
  const work = beside === 'copy' ? bigCopy(big, options) : beside === 'dirty' ? bigDirty(options.dirtyDir ? join(options.dirtyDir, `big-${round}-${mode}`) : big, options) : beside === 'truncate' || beside === 'unlink' ? bigRemoval(big, beside, options) : null;
  const copy = work
    ? work.then((ms) => {
        copyMs = ms;
        copyDone = true;
      })
    : Promise.resolve();
  const load = loadavg()[0];
  try {
    // Beside a removal that ends within a few ms, at least 20 records.
    while (beside === 'idle' ? syncMs.length < options.idleRecords : !copyDone || syncMs.length < 20) {
      const record = Buffer.alloc(200 + Math.floor(random() * 3900), 0x41);
      if (mode === 'append') await writeAll(log, record, null);
      else {
        if (position + record.length > PREZERO_BYTES) position = 0; // wraps: still an overwrite
        await writeAll(log, record, position);
        position += record.length;
      }
      const t0 = performance.now();
      await log.datasync();
      syncMs.push(performance.now() - t0);
    }
    await copy;
  } finally {
    await log.close();
    rmSync(cellDir, { recursive: true, force: true });
    if (options.dirtyDir) rmSync(join(options.dirtyDir, `big-${round}-${mode}`), { force: true });
  }
  const sorted = [...syncMs].sort((a, b) => a - b);
  const at = (q: number): number => round3(sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * q) - 1)]);
  return { round, mode, beside, syncs: sorted.length, p50: at(0.5), p99: at(0.99), max: round3(sorted[sorted.length - 1]), over10ms: sorted.filter((ms) => ms > 10).length, copyMs: copyMs === null ? null : Math.round(copyMs), load: round3(load) };
}

const round3 = (ms: number): number => Math.round(ms * 1000) / 1000;

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  rmSync(options.dir, { recursive: true, force: true });
  mkdirSync(options.dir, { recursive: true });
  const random = seeded(42);
  const cells: Cell[] = [];
  const started = new Date().toISOString();
  const order: [Mode, Beside][] = [];
  for (const beside of options.besides) for (const mode of options.modes) order.push([mode, beside]);
  for (let round = 0; round < options.rounds; round++) {
    const cellsOfRound = round % 2 === 0 ? order : [...order].reverse();
    for (const [mode, beside] of cellsOfRound) {
      const cell = await runCell(round, mode, beside, options, random);
      cells.push(cell);
      process.stderr.write(`${JSON.stringify(cell)}\n`);
    }
  }
  rmSync(options.dir, { recursive: true, force: true });
  process.stderr.write('\n| round | log | beside | syncs | fdatasync p50 / p99 / max (ms) | > 10 ms | copy / removal (ms) | load |\n|---|---|---|---|---|---|---|---|\n');
  for (const c of cells) process.stderr.write(`| ${c.round} | ${c.mode} | ${c.beside} | ${c.syncs} | ${c.p50} / ${c.p99} / ${c.max} | ${c.over10ms} | ${c.copyMs ?? ''} | ${c.load} |\n`);
  process.stdout.write(`${JSON.stringify({ started, finished: new Date().toISOString(), options, cells }, null, 2)}\n`);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
