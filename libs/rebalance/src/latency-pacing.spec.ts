import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LATENCY_PACING, nextPace, pacedPauseMs, searchSlowdown, startPace, validLatencyPacing, type LatencyPacingConfig, type PaceState } from './latency-pacing';

const ON: LatencyPacingConfig = { ...DEFAULT_LATENCY_PACING, maxP99Factor: 2 };

/** Feeds chunks of `moved` identities every `everyMs` with the given slowdowns; the states after each. */
function run(config: LatencyPacingConfig, slowdowns: (number | null)[], moved = 256, everyMs = 100): PaceState[] {
  let state = startPace(config, 0);
  return slowdowns.map((slowdown, i) => (state = nextPace(config, state, { now: (i + 1) * everyMs, moved, slowdown })));
}

const slowdown = fc.option(fc.double({ min: 0.1, max: 50, noNaN: true }), { nil: null });
const chunk = fc.record({ moved: fc.integer({ min: 1, max: 512 }), everyMs: fc.integer({ min: 1, max: 2000 }), slowdown });

describe('latency pacing (AIMD)', () => {
  it('the pace stays a finite rate within [min, start + increase × elapsed], whatever the latency', () => {
    fc.assert(
      fc.property(fc.array(chunk, { maxLength: 200 }), (chunks) => {
        let state = startPace(ON, 0);
        let now = 0;
        for (const c of chunks) {
          now += c.everyMs;
          state = nextPace(ON, state, { now, moved: c.moved, slowdown: c.slowdown });
          expect(Number.isFinite(state.idsPerSecond)).toBe(true);
          expect(state.idsPerSecond).toBeGreaterThanOrEqual(ON.minIdsPerSecond);
          expect(state.idsPerSecond).toBeLessThanOrEqual(ON.startIdsPerSecond + (ON.increasePerSecond * now) / 1000 + 1e-6);
        }
      }),
    );
  });

  it('searches slower than the factor: the pace only goes down, to the floor', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 2.0001, max: 50, noNaN: true }), { minLength: 1, maxLength: 100 }), (over) => {
        const states = run(ON, over);
        for (let i = 1; i < states.length; i++) expect(states[i].idsPerSecond).toBeLessThanOrEqual(states[i - 1].idsPerSecond);
        expect(states[states.length - 1].idsPerSecond).toBeLessThanOrEqual(ON.startIdsPerSecond);
      }),
    );
    const long = run(ON, Array(400).fill(10));
    expect(long[long.length - 1].idsPerSecond).toBe(ON.minIdsPerSecond);
  });

  it('searches within the factor (or nobody searching): the pace only goes up, additively', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.double({ min: 0, max: 2, noNaN: true }), { nil: null }), { minLength: 1, maxLength: 100 }), (within) => {
        const states = run(ON, within, 256, 50); // 5,120 ids/s achieved: the pace is what binds
        for (let i = 1; i < states.length; i++) expect(states[i].idsPerSecond).toBeGreaterThanOrEqual(states[i - 1].idsPerSecond);
      }),
    );
    // 10 s of chunks every 100 ms within the factor: a decision every holdMs, each adding increasePerSecond per second since the one before.
    const states = run(ON, Array(100).fill(1.5), 1000, 100);
    expect(states[states.length - 1].idsPerSecond).toBeCloseTo(ON.startIdsPerSecond + 10 * ON.increasePerSecond, 0);
    const changes = states.filter((s, i) => s.idsPerSecond !== (i === 0 ? ON.startIdsPerSecond : states[i - 1].idsPerSecond)).length;
    expect(changes).toBe(10_000 / ON.holdMs);
  });

  it('backs off to a share of what the move achieved, once per hold time', () => {
    // Achieved 256 ids per 100 ms = 2,560/s while the pace had grown beyond it.
    let state: PaceState = { idsPerSecond: 5000, achievedIdsPerSecond: 2560, windowStart: 0, windowMoved: 0, lastChunkAt: 0, decidedAt: 0, heldUntil: 0 };
    state = nextPace(ON, state, { now: 100, moved: 256, slowdown: 3 });
    expect(state.idsPerSecond).toBeCloseTo(ON.backOff * 2560, 6);
    const afterFirst = state.idsPerSecond;
    // Until the next decision the latency window still shows the old pace: no second back-off, no growth.
    for (let t = 200; t < 100 + ON.holdMs; t += 100) {
      state = nextPace(ON, state, { now: t, moved: 256, slowdown: 3 });
      expect(state.idsPerSecond).toBe(afterFirst);
    }
    state = nextPace(ON, state, { now: 100 + ON.holdMs, moved: 256, slowdown: 3 });
    expect(state.idsPerSecond).toBeLessThan(afterFirst);
  });

  it('a move held back by its receiver does not build up a pace it cannot back off from', () => {
    // 256 ids every 400 ms = 640/s achieved, searches fine for 60 s: the pace stays within 2× that.
    const states = run(ON, Array(150).fill(1), 256, 400);
    expect(states[states.length - 1].idsPerSecond).toBeLessThanOrEqual(2 * 640 + 1e-6);
  });

  it('off (factor 0): the pace never changes', () => {
    const off = { ...ON, maxP99Factor: 0 };
    fc.assert(
      fc.property(fc.array(slowdown, { maxLength: 100 }), (any) => {
        for (const state of run(off, any)) expect(state.idsPerSecond).toBe(off.startIdsPerSecond);
      }),
    );
  });

  it('the paced pause keeps a chunk at or under the pace', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.double({ min: 0, max: 60_000, noNaN: true }), fc.double({ min: 1, max: 100_000, noNaN: true }), (moved, interval, pace) => {
        const pause = pacedPauseMs(pace, moved, interval);
        expect(pause).toBeGreaterThanOrEqual(0);
        expect((moved / (interval + pause)) * 1000).toBeLessThanOrEqual(pace * (1 + 1e-9));
        if (pause > 0) expect((moved / (interval + pause)) * 1000).toBeCloseTo(pace, 3);
      }),
    );
  });

  it('slowdown: the worst report with enough samples in both windows', () => {
    const report = (recentP99Ms: number, baselineP99Ms: number, samples = 100) => ({ recentP99Ms, baselineP99Ms, recentSamples: samples, baselineSamples: samples });
    expect(searchSlowdown([report(4, 2), report(9, 3), undefined])).toBe(3);
    expect(searchSlowdown([report(40, 2, 5), report(3, 2)])).toBe(1.5); // 5 samples say nothing
    expect(searchSlowdown([undefined, report(5, 0)])).toBeNull();
    expect(searchSlowdown([])).toBeNull();
  });

  it('refuses configurations that cannot mean anything', () => {
    expect(() => validLatencyPacing({ ...ON, maxP99Factor: 0.5 })).toThrow();
    expect(() => validLatencyPacing({ ...ON, backOff: 1 })).toThrow();
    expect(() => validLatencyPacing({ ...ON, minIdsPerSecond: 0 })).toThrow();
    expect(() => validLatencyPacing({ ...ON, startIdsPerSecond: 10 })).toThrow();
    expect(validLatencyPacing(ON)).toEqual(ON);
    expect(validLatencyPacing(DEFAULT_LATENCY_PACING)).toEqual(DEFAULT_LATENCY_PACING);
  });
});
