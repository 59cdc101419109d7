import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cpuSeconds, cpuSecondsOfStat, waitUntilIdle } from '../../bench/cluster/process-idle';

describe('process CPU time for the settle wait (bench:cluster)', () => {
  it('reads utime + stime after the command name, even one with spaces and parentheses', () => {
    const rest = 'S 1 1234 1234 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 11 0 100 1000000 2000 18446744073709551615';
    expect(cpuSecondsOfStat(`1234 (node) ${rest}`)).toBeCloseTo(3.0, 10);
    expect(cpuSecondsOfStat(`1234 (my (odd) name) ${rest}`)).toBeCloseTo(3.0, 10);
    expect(() => cpuSecondsOfStat('garbage')).toThrow(/stat/);
  });

  it('reads a live process and tells an idle one from a gone one', async () => {
    expect(cpuSeconds(process.pid)).toBeGreaterThan(0);
    const sleeper = spawn('sleep', ['30']);
    try {
      const waited = await waitUntilIdle([sleeper.pid!], { idleShare: 0.05, windowSeconds: 0.2, maxSeconds: 5 });
      expect(waited).toMatchObject({ idle: true });
    } finally {
      sleeper.kill();
    }
    expect(cpuSeconds(2 ** 22 + 1)).toBeNaN();
  });
});
