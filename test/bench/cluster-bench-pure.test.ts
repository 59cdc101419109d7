import { describe, expect, it } from 'vitest';
import { chooseEf } from '../../bench/cluster/ef-choice';
import { identityIdOf, identityIndexOf } from '../../bench/cluster/http-bench';
import { percentileSorted, summariseLatencies } from '../../bench/cluster/latency';
import { runWithConcurrency, timedRounds } from '../../bench/cluster/load';
import { batchingVariants } from '../../bench/cluster/deployments';
import { BIG_RUN_DEFAULTS, BIG_RUN_IDENTITIES, DEFAULT_OPTIONS, parseBenchOptions, UsageError } from '../../bench/cluster/options';
import { elementsInIndexHeader, parseVmRss } from '../../bench/cluster/memory';
import { formatTable, ladderTable, memoryTable, rawAtTarget, rawBaselineAt, summaryTable, type ConfigResult } from '../../bench/cluster/report';
import { selfTimeRanking, type CpuProfile } from '../../bench/cluster/cpu-profile';
import { FaceshardClient, vectorToB64 } from '../../bench/cluster/faceshard-client';
import { pausedSecondsWithin } from '../../bench/cluster/raw-alongside';
import { onCores, parseCpuList, planCpuPlacement } from '../../bench/cluster/cpu-placement';

describe('parseBenchOptions', () => {
  it('gives the defaults with no arguments', () => {
    expect(parseBenchOptions([])).toEqual(DEFAULT_OPTIONS);
  });

  it('reads the documented command line', () => {
    const o = parseBenchOptions(['--identities', '100000', '--probes', '2000', '--shards', '1,2,4', '--concurrency', '8', '--target-recall', '0.95', '--out', 'bench/results/cluster.json']);
    expect(o).toMatchObject({ identities: 100000, probes: 2000, shards: [1, 2, 4], concurrency: 8, targetRecall: 0.95, out: 'bench/results/cluster.json' });
  });

  it('accepts --flag=value, sorts the ef ladder, and switches parts off', () => {
    const o = parseBenchOptions(['--ef=256,32,64', '--shards=none', '--no-embedded', '--no-raw', '--full-ladder', '--nats', 'nats://h:1', '--dist', '/x']);
    expect(o).toMatchObject({ efLadder: [32, 64, 256], shards: [], embedded: false, raw: false, fullLadder: true, natsUrl: 'nats://h:1', distDir: '/x' });
  });

  it('switches the one-client pass off and splits node flags for the child processes', () => {
    const o = parseBenchOptions(['--no-one-client', '--node-args', ' --cpu-prof  --cpu-prof-dir=/tmp/p ']);
    expect(o).toMatchObject({ oneClient: false, nodeArgs: ['--cpu-prof', '--cpu-prof-dir=/tmp/p'] });
    expect(parseBenchOptions([])).toMatchObject({ oneClient: true, nodeArgs: [] });
  });

  it('builds search bodies once per pass unless --client-body each asks for one per request', () => {
    expect(parseBenchOptions([])).toMatchObject({ clientBody: 'once' });
    expect(parseBenchOptions(['--client-body', 'each'])).toMatchObject({ clientBody: 'each' });
    expect(() => parseBenchOptions(['--client-body', 'never'])).toThrow(/--client-body takes once or each/);
  });

  it('a big run changes only what was not given: shards, embedded, raw alongside, ef ladder', () => {
    const big = parseBenchOptions(['--identities', String(BIG_RUN_IDENTITIES)]);
    expect(big).toMatchObject({ ...BIG_RUN_DEFAULTS, raw: true, m: DEFAULT_OPTIONS.m });
    expect(parseBenchOptions(['--identities', '1000000', '--ef-construction', '200', '--target-recall', '0.9'])).toMatchObject({ efConstruction: 200, targetRecall: 0.9, targetRank1Gap: null, fullLadder: true });
    expect(parseBenchOptions(['--identities', '1000000', '--target-rank1-gap', '0.02'])).toMatchObject({ targetRank1Gap: 0.02 });
    expect(parseBenchOptions(['--identities', '1000000'])).toMatchObject({ settleSeconds: BIG_RUN_DEFAULTS.settleSeconds });
    expect(BIG_RUN_DEFAULTS.settleSeconds).toBeGreaterThan(DEFAULT_OPTIONS.settleSeconds);
    expect(parseBenchOptions(['--identities', '1000000', '--settle', '30'])).toMatchObject({ settleSeconds: 30 });
    expect(parseBenchOptions(['--target-rank1-gap', '0.005'])).toMatchObject({ targetRank1Gap: 0.005, targetRecall: DEFAULT_OPTIONS.targetRecall });
    expect(parseBenchOptions([])).toMatchObject({ targetRank1Gap: null, oneClientLadder: false });
    expect(parseBenchOptions(['--identities', '1000000'])).toMatchObject({ oneClientLadder: true });
    expect(parseBenchOptions(['--identities', '1000000', '--no-one-client-ladder'])).toMatchObject({ oneClientLadder: false });
    expect(parseBenchOptions(['--one-client-ladder'])).toMatchObject({ oneClientLadder: true });
    const given = parseBenchOptions(['--identities', '1000000', '--shards', '1,4', '--embedded', '--raw-first', '--ef', '64,128']);
    expect(given).toMatchObject({ shards: [1, 4], embedded: true, rawAlongside: false, efLadder: [64, 128] });
    expect(parseBenchOptions(['--identities', String(BIG_RUN_IDENTITIES - 1)])).toMatchObject({ shards: DEFAULT_OPTIONS.shards, embedded: true, rawAlongside: false });
    expect(parseBenchOptions(['--raw-alongside', '--centre'])).toMatchObject({ rawAlongside: true, centre: true });
  });

  it('takes the batched fan-out modes to compare and the gateway\'s batch settings', () => {
    expect(parseBenchOptions([])).toMatchObject({ searchBatching: ['on'], batchWindowUs: [], batchMax: null });
    expect(parseBenchOptions(['--search-batching', 'off,on', '--batch-window-us', '500,1000', '--batch-max', '8'])).toMatchObject({ searchBatching: ['off', 'on'], batchWindowUs: [500, 1000], batchMax: 8 });
    expect(() => parseBenchOptions(['--search-batching', 'maybe'])).toThrow(/--search-batching/);
    expect(() => parseBenchOptions(['--search-batching', 'on,on'])).toThrow(/--search-batching/);
  });

  it('makes one gateway per batched fan-out mode, and one "on" gateway per window asked for', () => {
    expect(batchingVariants(['on'], [], null)).toEqual([{ label: 'batching on', env: {} }]);
    expect(batchingVariants(['off', 'on'], [200, 1000], 8)).toEqual([
      { label: 'batching off', env: { SEARCH_BATCH_WINDOW_US: '0' } },
      { label: 'batching on, window 200 µs', env: { SEARCH_BATCH_MAX: '8', SEARCH_BATCH_WINDOW_US: '200' } },
      { label: 'batching on, window 1000 µs', env: { SEARCH_BATCH_MAX: '8', SEARCH_BATCH_WINDOW_US: '1000' } },
    ]);
  });

  it('answers help', () => {
    expect(parseBenchOptions(['--identities', '5', '--help'])).toBe('help');
  });

  it('rejects bad values with a message naming the option', () => {
    expect(() => parseBenchOptions(['--identities', '0'])).toThrow(/--identities/);
    expect(() => parseBenchOptions(['--identities', '1.5'])).toThrow(UsageError);
    expect(() => parseBenchOptions(['--shards', '1,,2'])).toThrow(/--shards/);
    expect(() => parseBenchOptions(['--target-recall', '1.2'])).toThrow(/--target-recall/);
    expect(() => parseBenchOptions(['--target-recall', ''])).toThrow(/--target-recall/);
    expect(() => parseBenchOptions(['--batch', '1001'])).toThrow(/at most 1000/);
    expect(() => parseBenchOptions(['--ef', '5,64'])).toThrow(/--k/);
    expect(() => parseBenchOptions(['--probes'])).toThrow(/needs a value/);
    expect(() => parseBenchOptions(['--frobnicate'])).toThrow(/unknown option/);
  });
});

describe('--cpu-placement', () => {
  it('is off unless asked for', () => {
    expect(parseBenchOptions([])).toMatchObject({ cpuPlacement: false });
    expect(parseBenchOptions(['--cpu-placement'])).toMatchObject({ cpuPlacement: true });
  });

  it('gives each shard a core of its own from the end and the gateway and client the cores left over', () => {
    expect(planCpuPlacement([0, 1], 1)).toMatchObject({ shardCores: [[1]], rest: [0] });
    expect(planCpuPlacement([0, 1, 2, 3], 2)).toMatchObject({ shardCores: [[3], [2]], rest: [0, 1] });
  });

  it('leaves the gateway and client on every core when the shards take them all, shards round-robin', () => {
    const p = planCpuPlacement([0, 1], 3);
    expect(p).toMatchObject({ shardCores: [[1], [0], [1]], rest: [0, 1] });
    expect(p.description).toMatch(/unpinned/);
  });

  it('reads Linux CPU lists with ranges', () => {
    expect(parseCpuList(' 0-2,5\n')).toEqual([0, 1, 2, 5]);
    expect(() => parseCpuList('x')).toThrow(/not a CPU list/);
  });

  it('starts a process through taskset -c only when given cores', () => {
    expect(onCores([1], '/usr/bin/node', ['a.js'])).toEqual({ command: 'taskset', args: ['-c', '1', '/usr/bin/node', 'a.js'] });
    expect(onCores(undefined, '/usr/bin/node', ['a.js'])).toEqual({ command: '/usr/bin/node', args: ['a.js'] });
  });
});

describe('memory figures', () => {
  it('reads VmRSS in kB from /proc/<pid>/status as bytes, NaN when absent', () => {
    expect(parseVmRss('Name:\tnode\nVmPeak:\t 999 kB\nVmRSS:\t  123456 kB\nThreads: 7\n')).toBe(123456 * 1024);
    expect(parseVmRss('Name:\tnode\n')).toBeNaN();
  });

  it('reads cur_element_count, the third size_t of an hnswlib index header', () => {
    const header = new Uint8Array(40);
    const view = new DataView(header.buffer);
    view.setBigUint64(0, 99n, true); // offsetLevel0
    view.setBigUint64(8, 1_048_576n, true); // max_elements
    view.setBigUint64(16, 1_000_000n, true); // cur_element_count
    expect(elementsInIndexHeader(header)).toBe(1_000_000);
    expect(elementsInIndexHeader(header.subarray(0, 24))).toBe(1_000_000);
    expect(() => elementsInIndexHeader(header.subarray(0, 16))).toThrow();
  });
});

describe('latency summaries', () => {
  it('uses nearest-rank percentiles', () => {
    const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    expect(percentileSorted(sorted, 50)).toBe(50);
    expect(percentileSorted(sorted, 99)).toBe(99);
    expect(percentileSorted(sorted, 100)).toBe(100);
    expect(percentileSorted([7], 99)).toBe(7);
    expect(percentileSorted([], 50)).toBeNaN();
    expect(() => percentileSorted([1], 0)).toThrow(/percentile/);
  });

  it('sorts numerically before summarising', () => {
    const s = summariseLatencies([10, 2, 1, 30]);
    expect(s).toEqual({ count: 4, meanMs: 10.75, p50Ms: 2, p99Ms: 30, maxMs: 30 });
  });
});

describe('chooseEf', () => {
  const ladder = [
    { ef: 128, recall: 0.97 },
    { ef: 32, recall: 0.8 },
    { ef: 64, recall: 0.95 },
    { ef: 256, recall: 0.99 },
  ];

  it('takes the smallest ef that reaches the target', () => {
    expect(chooseEf(ladder, 0.95)).toEqual({ point: { ef: 64, recall: 0.95 }, reachedTarget: true });
    expect(chooseEf(ladder, 0.96).point.ef).toBe(128);
  });

  it('falls back to the best recall, flagged, when nothing reaches it', () => {
    expect(chooseEf(ladder, 0.999)).toEqual({ point: { ef: 256, recall: 0.99 }, reachedTarget: false });
    expect(chooseEf([{ ef: 64, recall: 0.9 }, { ef: 32, recall: 0.9 }], 1).point.ef).toBe(32);
    expect(() => chooseEf([], 0.9)).toThrow(/empty/);
  });

  it('takes the smallest ef whose rank-1 reaches a rank-1 target (exact minus a gap, float rounding forgiven)', () => {
    const withRank1 = [
      { ef: 512, recall: 0.96, rank1: 0.712 },
      { ef: 256, recall: 0.9, rank1: 0.69 },
      { ef: 1024, recall: 0.98, rank1: 0.721 },
      { ef: 2048, recall: 0.99, rank1: 0.725 },
    ];
    // 0.731 - 0.01 is 0.7209999999999999 in floats; a rank-1 of 0.721 reaches it.
    expect(chooseEf(withRank1, { rank1: 0.731 - 0.01 })).toEqual({ point: withRank1[2], reachedTarget: true });
    expect(chooseEf(withRank1, { rank1: 0.722 }).point.ef).toBe(2048);
    expect(chooseEf(withRank1, { rank1: 0.73 })).toEqual({ point: withRank1[3], reachedTarget: false });
  });
});

describe('runWithConcurrency / timedRounds', () => {
  it('runs every task once with at most `concurrency` at a time', async () => {
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    await runWithConcurrency(20, 3, async (i) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 1));
      seen.push(i);
      running--;
    });
    expect(peak).toBe(3);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('rejects on the first failure and stops taking new tasks', async () => {
    let started = 0;
    await expect(
      runWithConcurrency(100, 2, async (i) => {
        started++;
        await new Promise((r) => setTimeout(r, 1));
        if (i === 3) throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(started).toBeLessThan(10);
  });

  it('repeats rounds until the minimum time and records one latency per call', async () => {
    // Immediate calls: a round takes microseconds, so reaching 20 ms needs many rounds even on a
    // loaded machine (a 2 ms timer per call made one round exceed the minimum under load).
    const run = await timedRounds(5, 2, 0.02, async () => undefined);
    expect(run.seconds).toBeGreaterThanOrEqual(0.02);
    expect(run.requests % 5).toBe(0);
    expect(run.requests).toBeGreaterThan(5);
    expect(run.latenciesMs.length).toBe(run.requests);
    const once = await timedRounds(5, 2, 0, async () => undefined);
    expect(once.requests).toBe(5);
  });
});

describe('identity ids and vectors on the wire', () => {
  it('round-trips identity indices and refuses strangers', () => {
    expect(identityIndexOf(identityIdOf(12345))).toBe(12345);
    expect(() => identityIndexOf('someone')).toThrow(/did not insert/);
  });

  it('encodes little-endian float32 as base64, from a view into a larger array', () => {
    const big = new Float32Array([9, 1.5, -2, 9]);
    const b64 = vectorToB64(big.subarray(1, 3));
    const bytes = Buffer.from(b64, 'base64');
    expect(bytes.length).toBe(8);
    expect(bytes.readFloatLE(0)).toBe(1.5);
    expect(bytes.readFloatLE(4)).toBe(-2);
  });

  it('a search body built beforehand is the bytes search() sends: vectorB64, k, and ef only when given', () => {
    const client = new FaceshardClient('http://127.0.0.1:1', 1);
    const v = new Float32Array([0.25, -1]);
    expect(JSON.parse(client.searchBody(v, 10, 64).toString())).toEqual({ vectorB64: vectorToB64(v), k: 10, ef: 64 });
    expect(client.searchBody(v, 5).toString()).toBe(JSON.stringify({ vectorB64: vectorToB64(v), k: 5 }));
    client.close();
  });
});

describe('report tables', () => {
  it('pads columns: first left-aligned, the rest right-aligned', () => {
    expect(formatTable(['name', 'n'], [['a', '1'], ['bbb', '22']])).toBe(['name   n', '----  --', 'a      1', 'bbb   22'].join('\n'));
  });

  it('marks an ef that missed the target and shows failed configurations', () => {
    const latency = { count: 1, meanMs: 1, p50Ms: 1, p99Ms: 2, maxMs: 2 };
    const ok: ConfigResult = {
      name: 'x',
      kind: 'cluster',
      shards: 2,
      insert: { identities: 10, faces: 10, seconds: 1, identitiesPerSecond: 1234.4 },
      ladder: [],
      chosen: { ef: 512, recall: 0.9, rank1: 0.8, qps: 100, latency, reachedTarget: false, concurrency: 8, seconds: 5 },
      loadAverage1m: { start: 1, end: 2 },
      notes: [],
    };
    const failed: ConfigResult = { ...ok, name: 'y', chosen: null, error: 'no shards', insert: { ...ok.insert, identitiesPerSecond: NaN } };
    const table = summaryTable([ok, failed], 0.833, 10);
    expect(table).toContain('512*');
    expect(table).toContain('1,234');
    expect(table).toContain('exact 0.833');
    expect(table).toContain('FAILED: no shards');
    expect(table).toContain('1.0-2.0');
  });
});

describe('comparison with raw hnswlib at the same ef', () => {
  const latency = (p50Ms: number) => ({ count: 1, meanMs: p50Ms, p50Ms, p99Ms: p50Ms, maxMs: p50Ms });
  const raw: ConfigResult = {
    name: 'raw',
    kind: 'raw-hnswlib',
    shards: 1,
    insert: { identities: 10, faces: 10, seconds: 1, identitiesPerSecond: 10 },
    ladder: [
      { ef: 32, recall: 0.9, rank1: 0.8, qps: 5000, latency: latency(0.2) },
      { ef: 64, recall: 0.95, rank1: 0.8, qps: 3000, latency: latency(0.3) },
    ],
    chosen: { ef: 64, recall: 0.95, rank1: 0.8, qps: 4000, latency: latency(0.25), reachedTarget: true, concurrency: 1, seconds: 5 },
    loadAverage1m: { start: 0, end: 0 },
    notes: [],
  };
  const cluster: ConfigResult = {
    ...raw,
    name: 'cluster',
    kind: 'cluster',
    ladder: [],
    chosen: { ef: 64, recall: 0.95, rank1: 0.8, qps: 2000, latency: latency(3), reachedTarget: true, concurrency: 8, seconds: 5, oneClient: { qps: 1000, latency: latency(0.75), seconds: 5 } },
  };

  it('takes the timed pass when raw chose that ef, the ladder point otherwise, nothing when raw never ran it', () => {
    expect(rawBaselineAt([raw], 64)).toEqual({ qps: 4000, p50Ms: 0.25 });
    expect(rawBaselineAt([raw], 32)).toEqual({ qps: 5000, p50Ms: 0.2 });
    expect(rawBaselineAt([raw], 128)).toBeNull();
    expect(rawBaselineAt([cluster], 64)).toBeNull();
  });

  it('prints the QPS ratio and the p50 the path adds with one client', () => {
    const table = summaryTable([raw, cluster], 0.8, 10);
    const clusterRow = table.split('\n').find((l) => l.startsWith('cluster'))!;
    expect(clusterRow).toContain(' 0.50 '); // 2000 / 4000
    expect(clusterRow).toContain(' 0.500 '); // 0.75 - 0.25 ms
  });

  it('compares at equal recall with raw at its own chosen ef, only when both reached the target', () => {
    // Raw reached the target at ef 64 (4000 QPS); the cluster reached it at ef 32 (its ladder
    // round there is raw's 5000 QPS: the same-ef ratio says 0.40, the equal-recall one 0.50).
    const atSmallerEf: ConfigResult = { ...cluster, chosen: { ...cluster.chosen!, ef: 32 } };
    const row = (results: ConfigResult[]) => summaryTable(results, 0.8, 10).split('\n').find((l) => l.startsWith('cluster'))!;
    expect(summaryTable([raw, atSmallerEf], 0.8, 10).split('\n')[0]).toContain('x raw at target');
    expect(row([raw, atSmallerEf])).toMatch(/ 0\.40 +0\.50 \(raw ef 64\) /);
    expect(rawAtTarget([raw, atSmallerEf])).toEqual({ qps: 4000, ef: 64 });
    const missed: ConfigResult = { ...atSmallerEf, chosen: { ...atSmallerEf.chosen!, reachedTarget: false } };
    expect(row([raw, missed])).toMatch(/ 0\.40 +- /);
    const rawMissed: ConfigResult = { ...raw, chosen: { ...raw.chosen!, reachedTarget: false } };
    expect(rawAtTarget([rawMissed, atSmallerEf])).toBeNull();
    expect(row([rawMissed, atSmallerEf])).toMatch(/ 0\.40 +- /);
  });

  it('the ladder table shows one-client latencies per ef: raw its own, faceshard its one-client round, "-" without one', () => {
    const withSingle: ConfigResult = {
      ...cluster,
      ladder: [
        { ef: 32, recall: 0.9, rank1: 0.8, qps: 900, latency: latency(8), oneClient: { qps: 400, latency: latency(2.5), seconds: 1 } },
        { ef: 64, recall: 0.95, rank1: 0.8, qps: 800, latency: latency(9) },
      ],
    };
    const lines = ladderTable([raw, withSingle], 10).split('\n');
    expect(lines[0]).toMatch(/1-client p50\s+1-client p99$/);
    expect(lines.find((l) => l.startsWith('raw') && /\s32\s/.test(l))).toMatch(/0\.20\s+0\.20$/);
    expect(lines.find((l) => l.startsWith('cluster') && /\s32\s/.test(l))).toMatch(/2\.50\s+2\.50$/);
    expect(lines.find((l) => l.startsWith('cluster') && /\s64\s/.test(l))).toMatch(/-\s+-$/);
  });
});

describe('CPU profile self-time ranking', () => {
  // Three samples 1 ms apart in function a, then b, then idle; the last lasts until endTime.
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: { functionName: 'a', url: 'file:///x/dist/apps/shard/src/a.js', lineNumber: 9 } },
      { id: 2, callFrame: { functionName: 'b', url: 'file:///x/node_modules/nats/lib/b.js', lineNumber: 0 } },
      { id: 3, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
    ],
    startTime: 1_000,
    endTime: 6_000,
    samples: [1, 1, 2, 3],
    timeDeltas: [0, 1_000, 1_000, 1_000],
  };

  it('ranks functions by self time, names them by short file and line, leaves idle out of the shares', () => {
    const r = selfTimeRanking(profile);
    expect(r.map((e) => e.name)).toEqual(['a (apps/shard/src/a.js:10)', 'b (nats/lib/b.js:1)']);
    expect(r[0].selfMs).toBe(2);
    expect(r[0].share).toBeCloseTo(2 / 3);
  });

  it('counts only samples inside the window', () => {
    const r = selfTimeRanking(profile, { fromUs: 2_500 });
    expect(r).toEqual([{ name: 'b (nats/lib/b.js:1)', selfMs: 1, share: 1 }]);
  });
});

describe('pausedSecondsWithin (the frozen time of the raw build left out of its build time)', () => {
  it('counts only the part of each pause inside the build, an open pause up to the end', () => {
    const pauses = [
      { fromMs: 0, toMs: 2_000 }, // before the build started at 1 s: half of it counts
      { fromMs: 5_000, toMs: 6_500 }, // inside
      { fromMs: 9_000, toMs: null }, // still frozen: counts up to the end at 10 s
    ];
    expect(pausedSecondsWithin(pauses, 1_000, 10_000)).toBeCloseTo(1 + 1.5 + 1, 9);
    expect(pausedSecondsWithin(pauses, 3_000, 4_000)).toBe(0);
    expect(pausedSecondsWithin([], 0, 10_000)).toBe(0);
  });
});
