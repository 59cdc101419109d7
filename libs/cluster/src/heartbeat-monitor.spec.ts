import { afterEach, describe, expect, it, vi } from 'vitest';
import { FaceshardError } from '@faceshard/contracts';
import { HeartbeatMonitor } from './heartbeat-monitor';

function fakeClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms), set: (ms: number) => (t = ms) };
}

/** One fake clock as both the monotonic and the wall clock: for tests where they agree. */
const oneClock = (clock: ReturnType<typeof fakeClock>) => ({ monotonicNow: clock.now, wallNow: clock.now });

describe('HeartbeatMonitor', () => {
  it('reports a shard never heard from as down with no last heartbeat', () => {
    const m = new HeartbeatMonitor({ downAfterMs: 1000, ...oneClock(fakeClock()) });
    expect(m.health('s1')).toBe('down');
    expect(m.statuses(['s1'])).toEqual([{ shardId: 's1', health: 'down', lastHeartbeatMs: null }]);
  });

  it('is up from a beat until downAfterMs has passed without another, inclusive', () => {
    const clock = fakeClock();
    const m = new HeartbeatMonitor({ downAfterMs: 1000, ...oneClock(clock) });
    m.observe({ shardId: 's1', sentAtMs: 0 });
    const seenAt = clock.now();
    expect(m.health('s1')).toBe('up');
    clock.advance(1000);
    expect(m.health('s1')).toBe('up');
    clock.advance(1);
    expect(m.health('s1')).toBe('down');
    expect(m.lastHeartbeatMs('s1')).toBe(seenAt);
    m.observe({ shardId: 's1', sentAtMs: 0 });
    expect(m.health('s1')).toBe('up');
  });

  it('uses the time a beat arrives, not the sender\'s clock', () => {
    const clock = fakeClock(50_000);
    const m = new HeartbeatMonitor({ downAfterMs: 1000, ...oneClock(clock) });
    m.observe({ shardId: 'skewed-past', sentAtMs: 1 });
    m.observe({ shardId: 'skewed-future', sentAtMs: 10_000_000 });
    expect(m.statuses(['skewed-past', 'skewed-future'])).toEqual([
      { shardId: 'skewed-past', health: 'up', lastHeartbeatMs: 50_000 },
      { shardId: 'skewed-future', health: 'up', lastHeartbeatMs: 50_000 },
    ]);
    clock.advance(1001);
    expect(m.health('skewed-future')).toBe('down');
  });

  it('tracks shards independently and lists statuses in the order asked', () => {
    const clock = fakeClock();
    const m = new HeartbeatMonitor({ downAfterMs: 500, ...oneClock(clock) });
    m.observe({ shardId: 'a', sentAtMs: 0 });
    clock.advance(400);
    m.observe({ shardId: 'b', sentAtMs: 0 });
    clock.advance(200);
    expect(m.statuses(['b', 'a', 'c']).map((s) => [s.shardId, s.health])).toEqual([
      ['b', 'up'],
      ['a', 'down'],
      ['c', 'down'],
    ]);
  });

  it('measures liveness on the monotonic clock: a wall clock stepping back an hour does not revive a dead shard', () => {
    const monotonic = fakeClock(500);
    const wall = fakeClock(1_700_000_000_000);
    const m = new HeartbeatMonitor({ downAfterMs: 1000, monotonicNow: monotonic.now, wallNow: wall.now });
    m.observe({ shardId: 's', sentAtMs: 0 });
    expect(m.lastHeartbeatMs('s')).toBe(1_700_000_000_000);
    monotonic.advance(5_000);
    wall.set(1_700_000_000_000 - 3_600_000 + 5_000);
    expect(m.health('s')).toBe('down');
  });

  it('measures liveness on the monotonic clock: a wall clock jumping forward does not kill a live shard', () => {
    const monotonic = fakeClock(500);
    const wall = fakeClock(1_700_000_000_000);
    const m = new HeartbeatMonitor({ downAfterMs: 1000, monotonicNow: monotonic.now, wallNow: wall.now });
    m.observe({ shardId: 's', sentAtMs: 0 });
    monotonic.advance(200);
    wall.advance(3_600_000);
    expect(m.health('s')).toBe('up');
  });

  it('forgets a shard on request', () => {
    const m = new HeartbeatMonitor({ downAfterMs: 1000, ...oneClock(fakeClock()) });
    m.observe({ shardId: 's', sentAtMs: 0 });
    m.forget('s');
    expect(m.statuses(['s'])).toEqual([{ shardId: 's', health: 'down', lastHeartbeatMs: null }]);
  });

  it('rejects a non-positive downAfterMs', () => {
    expect(() => new HeartbeatMonitor({ downAfterMs: 0 })).toThrow(FaceshardError);
    expect(() => new HeartbeatMonitor({ downAfterMs: Number.NaN })).toThrow(FaceshardError);
  });

  describe('with its default clocks', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('ignores a wall-clock step (faked Date), and still reports the wall time a beat arrived', () => {
      vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-01-01T12:00:00Z') });
      const m = new HeartbeatMonitor({ downAfterMs: 60_000 });
      m.observe({ shardId: 's', sentAtMs: 0 });
      expect(m.lastHeartbeatMs('s')).toBe(Date.parse('2026-01-01T12:00:00Z'));
      vi.setSystemTime(new Date('2026-01-01T14:00:00Z')); // two hours forward
      expect(m.health('s')).toBe('up');
    });
  });
});
