import { describe, expect, it } from 'vitest';
import { moveReport, withRawRatio } from '../../bench/rebalance/move-report';
import type { MoveWindow } from '../../bench/rebalance/move-window';
import { leaveReceiverShape } from '../../bench/rebalance/raw-inserts';
import { niceOfStat, threadCores, threadCpuSeconds, threadGroup } from '../../bench/rebalance/thread-cpu';
import { unitVectors } from '../../bench/rebalance/unit-vectors';

function window(overrides: Partial<MoveWindow> = {}): MoveWindow {
  return {
    idle: Array.from({ length: 100 }, (_, i) => 1 + i / 100), // p99 1.98
    during: Array.from({ length: 100 }, (_, i) => 2 + i / 50), // p99 3.96
    idleSeconds: 10,
    duringStartSeconds: Array.from({ length: 100 }, (_, i) => i / 5), // over the 20 s migrate stage
    migrateSeconds: 20,
    wholeSeconds: 25,
    cpuWithoutMove: null,
    cpuDuringMigrate: { seconds: 20, cores: { s2: 0.8, s0: 0.3 }, machineCores: 1.9, machineCoresAvailable: 2 },
    receiverThreads: {},
    receiverNice: {},
    coordinator: 's0',
    loads: [1, 2, 3],
    ...overrides,
  };
}

describe('bench:rebalance report of one move', () => {
  it('gives the rate over the migrate stage, the fraction against the ideal and p99 during against without', () => {
    const report = moveReport(window(), 32_000, 100_000, 1 / 3, ['s2']);
    expect(report).toMatchObject({ moved: 32_000, movedFraction: 0.32, idealFraction: 0.333, migrateSeconds: 20, movedPerSecond: 1600, wholeMoveSeconds: 25 });
    expect(report.searchWithoutMove).toEqual({ n: 100, perSecond: 10, p50: 1.49, p99: 1.98 });
    expect(report.searchDuringMove).toEqual({ n: 100, perSecond: 5, p50: 2.98, p99: 3.96 });
    expect(report.p99DuringVsWithout).toBe(2);
    expect(report.receiverMovedPerCpuSecond).toBe(2000); // 1600/s on 0.8 of a core
    expect(report.movedPerSecondVsRaw).toBeNull();
  });

  it('counts the CPU of every receiver of a leave, and none when the receivers were not metered', () => {
    const cpu = { seconds: 20, cores: { s0: 0.5, s1: 0.3, s2: 0.2 }, machineCores: 1.9, machineCoresAvailable: 2 };
    expect(moveReport(window({ cpuDuringMigrate: cpu }), 32_000, 100_000, 1 / 3, ['s0', 's1']).receiverMovedPerCpuSecond).toBe(2000);
    expect(moveReport(window({ cpuDuringMigrate: null }), 32_000, 100_000, 1 / 3, ['s2']).receiverMovedPerCpuSecond).toBeNull();
  });

  it('compares the rate with the mean of the raw passes before and after, keeping extra fields', () => {
    const report = { ...moveReport(window(), 32_000, 100_000, 1 / 3, ['s2']), extra: 7 };
    const rated = withRawRatio(report, 1500, 2500);
    expect(rated.movedPerSecondVsRaw).toBe(0.8);
    expect(rated.extra).toBe(7);
  });
});

describe('per-thread CPU of a receiver', () => {
  it('names the thread whose id is the process id main, others by their name', () => {
    expect(threadGroup(100, 100, 'node\n')).toBe('main');
    expect(threadGroup(100, 101, 'V8 DefaultWorke\n')).toBe('V8 DefaultWorke');
    expect(threadGroup(100, 102, '\n')).toBe('unnamed');
  });

  it('reads the nice value of a stat line (field 19), also with spaces and parentheses in the thread name', () => {
    const stat = '4242 (node (x) y) R 1 4242 4242 0 -1 4194304 100 0 0 0 250 30 0 0 30 10 11 0 123 456 789';
    expect(niceOfStat(stat)).toBe(10);
    expect(() => niceOfStat('garbage')).toThrow();
  });

  it('gives cores per group between two readings, largest first, leaving out a group that went backwards', () => {
    const before = new Map([['main', 10], ['libuv-worker', 1], ['gone', 5]]);
    const after = new Map([['main', 26], ['libuv-worker', 2], ['V8 DefaultWorke', 0.4], ['gone', 1]]);
    expect(Object.entries(threadCores(before, after, 20))).toEqual([['main', 0.8], ['libuv-worker', 0.05], ['V8 DefaultWorke', 0.02]]);
  });

  it('reads this process: its main thread has used CPU; a process that does not exist reads empty', () => {
    const groups = threadCpuSeconds(process.pid);
    expect(groups.get('main')).toBeGreaterThan(0);
    expect(threadCpuSeconds(2 ** 22 + 1).size).toBe(0);
  });
});

describe("the raw pass shaped like a leave's receiver", () => {
  it('holds half of the identities and gets back the third of them that the join took (every third vector it holds)', () => {
    const { held, returned } = leaveReceiverShape(100_000);
    expect(held).toBe(50_000);
    expect(returned.length).toBe(16_667); // count/6: what each of the two receivers gets in a leave
    expect(returned.every((row) => row < held && row % 3 === 0)).toBe(true);
    expect(new Set(returned).size).toBe(returned.length);
  });
});

describe('unitVectors (the benchmark data)', () => {
  it('gives unit-length rows, the same for the same seed and different for another', () => {
    const a = unitVectors(50, 16, 7);
    expect(a).toHaveLength(800);
    for (let r = 0; r < 50; r++) {
      let norm = 0;
      for (let j = 0; j < 16; j++) norm += a[r * 16 + j]! ** 2;
      expect(Math.sqrt(norm)).toBeCloseTo(1, 5);
    }
    expect(unitVectors(50, 16, 7)).toEqual(a);
    expect(unitVectors(50, 16, 8)).not.toEqual(a);
  });
});
