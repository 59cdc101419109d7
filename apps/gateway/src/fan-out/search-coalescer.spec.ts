import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FaceshardError } from '@faceshard/contracts';
import { ManualScheduler } from './manual-scheduler';
import { SearchCoalescer, type Batch, type CoalescerLimits } from './search-coalescer';

/** A query of the tests: its key, an id to recognise its answer by, a cost, and whether the shard refuses it. */
interface Q {
  key: string;
  id: number;
  cost: number;
  bad?: boolean;
}

interface SentMessage {
  batch: Batch<string, Q>;
  at: number;
  settled: boolean;
  outcome?: 'answered' | 'timeout' | 'refused';
  resolve: (answers: string[]) => void;
  reject: (error: unknown) => void;
}

const answerTo = (q: Q) => `${q.key}:${q.id}`;
const drain = () => new Promise((resolve) => setImmediate(resolve));
const LIMITS: CoalescerLimits = { windowUs: 1000, maxQueries: 4, maxCost: 100, deadlineSlackMs: 50 };

/** A coalescer whose every message waits until the test answers it, on a clock the test moves. */
function harness(limits: CoalescerLimits = LIMITS) {
  const scheduler = new ManualScheduler();
  const sent: SentMessage[] = [];
  const coalescer = new SearchCoalescer<string, Q, string>({
    limits,
    scheduler,
    cost: (q) => q.cost,
    // As the gateway does: a request error may be one query's alone.
    splitOnError: (error) => error instanceof FaceshardError && error.code === 'VALIDATION_FAILED',
    send: (batch) =>
      new Promise<string[]>((resolve, reject) => {
        sent.push({ batch, at: scheduler.now(), settled: false, resolve, reject });
      }),
  });
  let nextId = 0;
  const query = (key = 'a', extra: Partial<Q> = {}): Q => ({ key, id: nextId++, cost: 1, ...extra });
  /** Answers a message as a shard would: refused as a whole if any of its queries is bad. */
  const answer = (message: SentMessage, outcome: 'ok' | 'timeout' = 'ok'): void => {
    message.settled = true;
    message.outcome = outcome === 'timeout' ? 'timeout' : message.batch.queries.some((q) => q.bad) ? 'refused' : 'answered';
    if (message.outcome === 'timeout') message.reject(new FaceshardError('SHARD_TIMEOUT', 'late'));
    else if (message.outcome === 'refused') message.reject(new FaceshardError('VALIDATION_FAILED', 'bad query'));
    else message.resolve(message.batch.queries.map(answerTo));
  };
  const ids = (m: SentMessage) => m.batch.queries.map((q) => q.id);
  return { scheduler, sent, coalescer, query, answer, ids, unsettled: () => sent.filter((m) => !m.settled) };
}

/** Records how a promise ends, without letting a rejection go unhandled. */
function watch<T>(promise: Promise<T>) {
  const state: { value?: T; error?: unknown; done: boolean } = { done: false };
  promise.then(
    (value) => Object.assign(state, { value, done: true }),
    (error) => Object.assign(state, { error, done: true }),
  );
  return state;
}

describe('SearchCoalescer', () => {
  it('sends a lone submission at once, in the same call, without arming a timer', () => {
    const h = harness();
    void h.coalescer.submit('a', 'a', [h.query()], 100);
    expect(h.sent.map(h.ids)).toEqual([[0]]);
    expect(h.scheduler.pendingTimers).toBe(0);
  });

  it('while a message is outstanding, coalesces what arrives and sends it when the window ends, each caller getting its own answers', async () => {
    const h = harness();
    const first = watch(h.coalescer.submit('a', 'a', [h.query()], 100));
    const second = watch(h.coalescer.submit('a', 'a', [h.query()], 100));
    const third = watch(h.coalescer.submit('a', 'a', [h.query(), h.query()], 100));
    expect(h.sent.map(h.ids)).toEqual([[0]]);
    h.scheduler.advanceUs(999);
    expect(h.sent).toHaveLength(1);
    h.scheduler.advanceUs(1);
    expect(h.sent.map(h.ids)).toEqual([[0], [1, 2, 3]]);
    h.answer(h.sent[1]!);
    h.answer(h.sent[0]!);
    await drain();
    expect(first.value).toEqual(['a:0']);
    expect(second.value).toEqual(['a:1']);
    expect(third.value).toEqual(['a:2', 'a:3']);
    expect(h.coalescer.activeKeys).toBe(0);
  });

  it('sends as soon as maxQueries wait, before the window ends', () => {
    const h = harness();
    void h.coalescer.submit('a', 'a', [h.query()], 100);
    for (let i = 0; i < 4; i++) void h.coalescer.submit('a', 'a', [h.query()], 100);
    expect(h.sent.map(h.ids)).toEqual([[0], [1, 2, 3, 4]]);
    expect(h.scheduler.pendingTimers).toBe(0);
  });

  it('sends what waits as soon as the last outstanding reply is back (the shard is free: no reason to wait longer)', async () => {
    const h = harness();
    void h.coalescer.submit('a', 'a', [h.query()], 100);
    void h.coalescer.submit('a', 'a', [h.query()], 100);
    h.answer(h.sent[0]!);
    await drain();
    expect(h.sent.map(h.ids)).toEqual([[0], [1]]);
    expect(h.scheduler.pendingTimers).toBe(0);
  });

  it('keeps keys apart: a busy shard never delays a query to another one, and no message mixes keys', () => {
    const h = harness();
    void h.coalescer.submit('a', 'a', [h.query('a')], 100);
    void h.coalescer.submit('a', 'a', [h.query('a')], 100);
    void h.coalescer.submit('b', 'b', [h.query('b')], 100);
    expect(h.sent.map((m) => [m.batch.target, ...h.ids(m)])).toEqual([
      ['a', 0],
      ['b', 2],
    ]);
  });

  it('keeps the queries of one submission (the faces of one photo) in one message, and splits only what exceeds maxCost', async () => {
    const h = harness({ ...LIMITS, maxCost: 10 });
    const photo = watch(h.coalescer.submit('a', 'a', [h.query('a', { cost: 4 }), h.query('a', { cost: 4 }), h.query('a', { cost: 4 })], 100));
    expect(h.sent.map(h.ids)).toEqual([[0, 1], [2]]);
    for (const m of h.unsettled()) h.answer(m);
    await drain();
    expect(photo.value).toEqual(['a:0', 'a:1', 'a:2']);
  });

  it('sends a waiting message early rather than overfill it (cost), and the newcomer waits for the next', () => {
    const h = harness({ ...LIMITS, maxCost: 10 });
    void h.coalescer.submit('a', 'a', [h.query()], 100);
    void h.coalescer.submit('a', 'a', [h.query('a', { cost: 6 })], 100);
    void h.coalescer.submit('a', 'a', [h.query('a', { cost: 6 })], 100);
    expect(h.sent.map(h.ids)).toEqual([[0], [1]]);
    h.scheduler.advanceUs(1000);
    expect(h.sent.map(h.ids)).toEqual([[0], [1], [2]]);
  });

  it('sends a message with its earliest deadline, and never lets deadlines further apart than the slack share one', () => {
    const h = harness({ ...LIMITS, deadlineSlackMs: 5 });
    void h.coalescer.submit('a', 'a', [h.query()], 100);
    void h.coalescer.submit('a', 'a', [h.query()], 103);
    void h.coalescer.submit('a', 'a', [h.query()], 101);
    void h.coalescer.submit('a', 'a', [h.query()], 110); // 9 ms after the earliest waiting: starts the next message
    expect(h.sent.map((m) => [h.ids(m), m.batch.deadline])).toEqual([
      [[0], 100],
      [[1, 2], 101],
    ]);
    h.scheduler.advanceUs(1000);
    expect(h.sent.map((m) => [h.ids(m), m.batch.deadline])[2]).toEqual([[3], 110]);
  });

  it('fails every caller of a message with its error when the shard times out (each then reports that shard missing)', async () => {
    const h = harness();
    const lone = watch(h.coalescer.submit('a', 'a', [h.query()], 100));
    const a = watch(h.coalescer.submit('a', 'a', [h.query()], 100));
    const b = watch(h.coalescer.submit('a', 'a', [h.query()], 100));
    h.scheduler.advanceUs(1000);
    h.answer(h.sent[1]!, 'timeout');
    h.answer(h.sent[0]!);
    await drain();
    expect(lone.value).toEqual(['a:0']);
    for (const caller of [a, b]) expect(caller.error).toMatchObject({ code: 'SHARD_TIMEOUT' });
    expect(h.sent).toHaveLength(2); // a timeout is the shard's trouble: not re-sent
  });

  it('re-sends a message refused for a request error one submission at a time, so that only the guilty caller fails', async () => {
    const h = harness();
    void h.coalescer.submit('a', 'a', [h.query()], 100);
    const good = watch(h.coalescer.submit('a', 'a', [h.query()], 100));
    const bad = watch(h.coalescer.submit('a', 'a', [h.query('a', { bad: true })], 100));
    h.scheduler.advanceUs(1000);
    h.answer(h.sent[1]!);
    await drain();
    expect(h.unsettled().map(h.ids)).toEqual([[0], [1], [2]]);
    for (const m of h.unsettled()) h.answer(m);
    await drain();
    expect(good.value).toEqual(['a:1']);
    expect(bad.error).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('fails every caller with INTERNAL when a reply holds a different number of answers than queries', async () => {
    const h = harness();
    const caller = watch(h.coalescer.submit('a', 'a', [h.query(), h.query()], 100));
    h.sent[0]!.resolve(['only one']);
    await drain();
    expect(caller.error).toMatchObject({ code: 'INTERNAL' });
  });

  it('turns a send that throws at once into that message\'s failure', async () => {
    const coalescer = new SearchCoalescer<string, Q, string>({
      limits: LIMITS,
      scheduler: new ManualScheduler(),
      cost: () => 1,
      splitOnError: () => false,
      send: () => {
        throw new FaceshardError('SHARD_UNAVAILABLE', 'down');
      },
    });
    await expect(coalescer.submit('a', 'a', [{ key: 'a', id: 1, cost: 1 }], 100)).rejects.toMatchObject({ code: 'SHARD_UNAVAILABLE' });
    expect(coalescer.activeKeys).toBe(0);
  });

  it.each([
    ['windowUs 0', { windowUs: 0 }],
    ['maxQueries 1', { maxQueries: 1 }],
  ])('never coalesces when off (%s): each submission its own message, at once', (_label, off) => {
    const h = harness({ ...LIMITS, ...off });
    for (let i = 0; i < 5; i++) void h.coalescer.submit('a', 'a', [h.query()], 100);
    expect(h.sent.map(h.ids)).toEqual([[0], [1], [2], [3], [4]]);
    expect(h.scheduler.pendingTimers).toBe(0);
  });

  it('refuses limits that make no sense', () => {
    const deps = { scheduler: new ManualScheduler(), cost: () => 1, splitOnError: () => false, send: async () => [] };
    expect(() => new SearchCoalescer({ ...deps, limits: { ...LIMITS, maxCost: 0 } })).toThrow(FaceshardError);
    expect(() => new SearchCoalescer({ ...deps, limits: { ...LIMITS, windowUs: -1 } })).toThrow(FaceshardError);
  });
});

type Command =
  | { kind: 'submit'; key: 'a' | 'b'; costs: number[]; deadlineOffsetMs: number; bad: boolean }
  | { kind: 'advance'; us: number }
  | { kind: 'answer'; pick: number; outcome: 'ok' | 'timeout' };

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('submit' as const), key: fc.constantFrom('a' as const, 'b' as const), costs: fc.array(fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 5 }) }, fc.integer({ min: 1, max: 60 })), { minLength: 1, maxLength: 4 }), deadlineOffsetMs: fc.constantFrom(0, 0, 0, 1, 3, 30), bad: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), us: fc.integer({ min: 0, max: 2500 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('answer' as const), pick: fc.nat(), outcome: fc.constantFrom('ok' as const, 'ok' as const, 'timeout' as const) }) },
);

const limitsArb: fc.Arbitrary<CoalescerLimits> = fc.record({
  windowUs: fc.constantFrom(0, 200, 1000, 1000),
  maxQueries: fc.integer({ min: 1, max: 12 }),
  maxCost: fc.integer({ min: 30, max: 150 }),
  deadlineSlackMs: fc.constantFrom(0, 5, 50, 50),
});

describe('SearchCoalescer, any interleaving of submissions, timers and replies (property)', () => {
  it('answers every query with exactly its own answer, loses and duplicates none, and keeps every promise about waiting, size and deadlines', async () => {
    await fc.assert(
      fc.asyncProperty(limitsArb, fc.array(commandArb, { minLength: 1, maxLength: 60, size: 'max' }), async (limits, commands) => {
        const h = harness(limits);
        const coalescing = limits.windowUs > 0 && limits.maxQueries > 1;
        const submissions: { queries: Q[]; state: ReturnType<typeof watch<string[]>>; submittedAt: number }[] = [];
        const submissionOf = new Map<number, number>();
        const firstSentAt = new Map<number, number>();
        const timedOut = new Set<number>();
        const deadlineOf = new Map<number, number>();
        const sentBefore = () => h.sent.length;
        const noteSends = (from: number) => {
          for (const m of h.sent.slice(from)) for (const q of m.batch.queries) if (!firstSentAt.has(q.id)) firstSentAt.set(q.id, m.at);
        };

        for (const command of commands) {
          const from = sentBefore();
          if (command.kind === 'submit') {
            // Busy = a message to this key not yet answered, or a query of this key not yet sent.
            const busy = h.unsettled().some((m) => m.batch.target === command.key) || submissions.some((s) => s.queries[0]!.key === command.key && s.queries.some((q) => !firstSentAt.has(q.id)));
            const queries = command.costs.map((cost, i) => h.query(command.key, { cost, bad: command.bad && i === 0 }));
            const deadline = h.scheduler.now() + 1000 + command.deadlineOffsetMs;
            for (const q of queries) {
              submissionOf.set(q.id, submissions.length);
              deadlineOf.set(q.id, deadline);
            }
            submissions.push({ queries, state: watch(h.coalescer.submit(command.key, command.key, queries, deadline)), submittedAt: h.scheduler.now() });
            // A lone request never waits: its first message left within submit().
            if (!busy || !coalescing) expect(h.sent.slice(from).some((m) => m.batch.queries.some((q) => q.id === queries[0]!.id))).toBe(true);
          } else if (command.kind === 'advance') {
            h.scheduler.advanceUs(command.us);
          } else {
            const open = h.unsettled();
            if (open.length > 0) {
              const message = open[command.pick % open.length]!;
              if (command.outcome === 'timeout') for (const q of message.batch.queries) timedOut.add(q.id);
              h.answer(message, command.outcome);
            }
          }
          noteSends(from);
          await drain();
          noteSends(from);
          // Nothing waits for company on a key with no message outstanding: the shard is free.
          for (const key of ['a', 'b']) {
            const waiting = submissions.some((s) => s.queries[0]!.key === key && s.queries.some((q) => !firstSentAt.has(q.id)));
            if (waiting) expect(h.unsettled().some((m) => m.batch.target === key)).toBe(true);
          }
        }
        // Let everything finish: timers fire, every message (and every re-send) is answered.
        for (let round = 0; round < 100 && (h.unsettled().length > 0 || h.scheduler.pendingTimers > 0); round++) {
          const from = sentBefore();
          h.scheduler.advanceUs(limits.windowUs);
          noteSends(from);
          for (const m of h.unsettled()) h.answer(m);
          await drain();
          noteSends(from);
        }
        expect(h.unsettled()).toEqual([]);
        expect(h.coalescer.activeKeys).toBe(0);

        for (const s of submissions) {
          expect(s.state.done).toBe(true);
          const hadTimeout = s.queries.some((q) => timedOut.has(q.id));
          if (s.state.error === undefined) {
            // Exactly its own answers, in its own order.
            expect(s.state.value).toEqual(s.queries.map(answerTo));
          } else if ((s.state.error as FaceshardError).code === 'SHARD_TIMEOUT') {
            expect(hadTimeout).toBe(true);
          } else {
            expect((s.state.error as FaceshardError).code).toBe('VALIDATION_FAILED');
            expect(s.queries.some((q) => q.bad)).toBe(true);
          }
          // A bad query fails only its own caller; a good one fails only with its shard's timeout.
          if (s.queries.some((q) => q.bad) && !hadTimeout) expect(s.state.error).toMatchObject({ code: 'VALIDATION_FAILED' });
          if (!s.queries.some((q) => q.bad) && !hadTimeout) expect(s.state.error).toBeUndefined();
          // No query waited for company longer than the window.
          for (const q of s.queries) expect(firstSentAt.get(q.id)! - s.submittedAt).toBeLessThanOrEqual(limits.windowUs / 1000 + 1e-9);
        }

        const answeredOk = new Map<number, number>();
        for (const m of h.sent) {
          const queries = m.batch.queries;
          expect(queries.every((q) => q.key === m.batch.target)).toBe(true);
          if (queries.length > 1) expect(queries.reduce((sum, q) => sum + q.cost, 0)).toBeLessThanOrEqual(limits.maxCost);
          const deadlines = queries.map((q) => deadlineOf.get(q.id)!);
          expect(m.batch.deadline).toBe(Math.min(...deadlines));
          expect(Math.max(...deadlines) - Math.min(...deadlines)).toBeLessThanOrEqual(limits.deadlineSlackMs);
          const from = new Set(queries.map((q) => submissionOf.get(q.id)));
          if (!coalescing) expect(from.size).toBe(1);
          // Over maxQueries only by the submission that tipped it over (or one submission alone).
          const lastSubmission = submissionOf.get(queries[queries.length - 1]!.id);
          const beforeLast = queries.filter((q) => submissionOf.get(q.id) !== lastSubmission).length;
          if (from.size > 1) expect(beforeLast).toBeLessThan(Math.max(limits.maxQueries, 1));
          if (m.outcome === 'answered') for (const q of queries) answeredOk.set(q.id, (answeredOk.get(q.id) ?? 0) + 1);
        }
        // Each query was answered by at most one message; an answered caller's queries by exactly one.
        for (const count of answeredOk.values()) expect(count).toBe(1);
        for (const s of submissions) if (s.state.error === undefined) for (const q of s.queries) expect(answeredOk.get(q.id)).toBe(1);
      }),
      { numRuns: 200 },
    );
  });
});
