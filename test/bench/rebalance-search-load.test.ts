import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { searchAtRate, searchBackToBack, type SearchLoadTarget } from '../../bench/rebalance/move-window';

/** A client whose every search takes `ms` and records when it was asked. */
function slowClient(ms: number, failAt = -1) {
  const asked: number[] = [];
  const target: SearchLoadTarget = {
    collection: 'c',
    probe: (n) => new Float32Array([n]),
    client: {
      search: async (_collection: string, vector: Float32Array) => {
        asked.push(performance.now());
        await sleep(ms);
        if (vector[0] === failAt) throw new Error(`search ${failAt} failed`);
        return { hits: [] } as never;
      },
    },
  };
  return { target, asked };
}

// Real timers with wide margins: what is checked is the loop's shape (sends wait for answers or
// not), which differs by 6x here, not a speed.
describe('bench:rebalance search loads', () => {
  it('open loop: sends on its schedule while earlier searches are unanswered, each timed from its send', async () => {
    const { target, asked } = slowClient(30);
    const until = performance.now() + 150;
    const samples = await searchAtRate(target, 200, () => performance.now() >= until);
    // 200/s for 150 ms: ~30 searches although each takes 30 ms (a closed loop would send ~5).
    expect(samples.length).toBeGreaterThanOrEqual(20);
    expect(samples.length).toBeLessThanOrEqual(32);
    expect(asked.length).toBe(samples.length);
    const gaps = asked.slice(1).map((t, i) => t - asked[i]);
    expect(Math.max(...gaps)).toBeLessThan(20); // never waited for a 30 ms answer
    for (const [, ms] of samples) {
      expect(ms).toBeGreaterThanOrEqual(29);
      expect(ms).toBeLessThan(200);
    }
  });

  it('open loop: waits for every search it sent, then fails with the first failure', async () => {
    const { target } = slowClient(20, 2);
    const until = performance.now() + 60;
    await expect(searchAtRate(target, 100, () => performance.now() >= until)).rejects.toThrow('search 2 failed');
  });

  it('closed loop: the next search leaves only when the last one answered', async () => {
    const { target, asked } = slowClient(30);
    const until = performance.now() + 150;
    const samples = await searchBackToBack(target, () => performance.now() >= until);
    expect(samples.length).toBeGreaterThanOrEqual(3);
    expect(samples.length).toBeLessThanOrEqual(6);
    const gaps = asked.slice(1).map((t, i) => t - asked[i]);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(29);
  });
});
