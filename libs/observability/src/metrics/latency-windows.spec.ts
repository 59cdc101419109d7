import { describe, expect, it } from 'vitest';
import { LatencyWindows } from './latency-windows';

function windowsAt(start = 10_000) {
  const clock = { now: start };
  return { clock, windows: new LatencyWindows({ recentMs: 1000, baselineSamples: 100 }, () => clock.now) };
}

describe('LatencyWindows', () => {
  it('p99 of the recent window next to the p99 of the latest quiet requests', () => {
    const { clock, windows } = windowsAt();
    expect(windows.report()).toBeUndefined();
    for (let i = 0; i < 100; i++) windows.record(i === 99 ? 5 : 1, true); // nearest-rank p99 of 100: the 99th = 1
    expect(windows.report()).toEqual({ recentP99Ms: 1, recentSamples: 100, baselineP99Ms: 1, baselineSamples: 100 });
    clock.now += 100;
    for (let i = 0; i < 50; i++) windows.record(8, false); // not quiet: the recent window only
    expect(windows.report()).toEqual({ recentP99Ms: 8, recentSamples: 150, baselineP99Ms: 1, baselineSamples: 100 });
  });

  it('forgets requests older than recentMs; the baseline keeps the latest quiet ones', () => {
    const { clock, windows } = windowsAt();
    for (let i = 0; i < 3000; i++) windows.record(2, true);
    clock.now += 1001;
    expect(windows.report()).toBeUndefined(); // nothing recent
    for (let i = 0; i < 100; i++) windows.record(3, true);
    expect(windows.report()).toEqual({ recentP99Ms: 3, recentSamples: 100, baselineP99Ms: 3, baselineSamples: 100 });
    clock.now += 600;
    windows.record(9, false);
    clock.now += 600; // the 100 quiet ones are 1,200 ms old now, the slow one 600 ms
    expect(windows.report()).toEqual({ recentP99Ms: 9, recentSamples: 1, baselineP99Ms: 3, baselineSamples: 100 });
  });

  it('no baseline yet (every request so far during a move): no report', () => {
    const { windows } = windowsAt();
    for (let i = 0; i < 10; i++) windows.record(4, false);
    expect(windows.report()).toBeUndefined();
  });
});
