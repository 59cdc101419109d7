/**
 * What a shard's identity map costs the event loop while it grows: N string keys (`p<i>`, as the
 * benches' identities) set one by one into a plain Map and into the store's SegmentedMap, each set
 * timed. A V8 Map doubles its table in one synchronous rehash of every entry, so one set in ~2^k
 * takes as long as copying the whole map; the segmented map rehashes 1/64 of it at a time.
 *
 *   node dist/bench/store/map-growth.js --keys 2000000 --rounds 3
 *
 * Prints JSON per round and kind: the longest single set, the sets over 5 ms (with the size the
 * map had when they happened), p99.9 and the total. Rounds alternate the two kinds, each in a
 * fresh map, after a forced GC when run with `node --expose-gc`.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { SegmentedMap } from '../../libs/index/src/segmented-map';

interface Options {
  keys: number;
  rounds: number;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { keys: 2_000_000, rounds: 3 };
  for (let i = 0; i < argv.length; i += 2) {
    const value = Number(argv[i + 1]);
    if (argv[i] === '--keys' && Number.isInteger(value) && value > 0) options.keys = value;
    else if (argv[i] === '--rounds' && Number.isInteger(value) && value > 0) options.rounds = value;
    else throw new Error(`unknown or bad option ${argv[i]} ${argv[i + 1] ?? ''} (--keys N --rounds R)`);
  }
  return options;
}

interface Settable {
  set(key: string, value: object): unknown;
  readonly size: number;
}

function timeGrowth(map: Settable, keys: string[]) {
  const times = new Float64Array(keys.length);
  const slow: { atSize: number; ms: number }[] = [];
  const value = {};
  const started = performance.now();
  for (let i = 0; i < keys.length; i++) {
    const t0 = performance.now();
    map.set(keys[i], value);
    const ms = performance.now() - t0;
    times[i] = ms;
    if (ms > 5) slow.push({ atSize: map.size, ms: round(ms) });
  }
  const totalMs = performance.now() - started;
  const sorted = times.slice().sort();
  return {
    maxSetMs: round(sorted[sorted.length - 1]),
    p999SetMs: round(sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.999) - 1)]),
    setsOver5ms: slow,
    totalMs: round(totalMs),
  };
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;

function main(): void {
  const options = parseOptions(process.argv.slice(2));
  const keys = Array.from({ length: options.keys }, (_, i) => `p${i}`);
  const gc = (globalThis as { gc?: () => void }).gc;
  const results: unknown[] = [];
  for (let round = 0; round < options.rounds; round++) {
    for (const kind of round % 2 === 0 ? ['Map', 'SegmentedMap'] : ['SegmentedMap', 'Map']) {
      gc?.();
      const map: Settable = kind === 'Map' ? new Map<string, object>() : new SegmentedMap<object>();
      results.push({ round, kind, ...timeGrowth(map, keys) });
    }
  }
  console.log(JSON.stringify({ at: new Date().toISOString(), loadavg: loadavg(), keys: options.keys, forcedGc: gc !== undefined, results }, null, 1));
}

main();
