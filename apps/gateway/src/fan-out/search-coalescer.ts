import { FaceshardError } from '@faceshard/contracts';
import type { Scheduler } from './scheduler';

export interface CoalescerLimits {
  /** Longest a query waits for company, in microseconds. 0 = never coalesce. */
  windowUs: number;
  /** A message leaves as soon as this many queries wait for it. 1 or less = never coalesce. */
  maxQueries: number;
  /** Most cost one message may carry (see `cost`); a submission over it is split. */
  maxCost: number;
  /**
   * Largest spread of deadlines within one message, in ms. A message is sent with the earliest
   * deadline of its queries (it must not outlive that caller), so a query with a later deadline
   * gives up at most this much of its own time by travelling with others.
   */
  deadlineSlackMs: number;
}

/** One message's worth of queries, all for the same key. */
export interface Batch<T, Q> {
  target: T;
  queries: readonly Q[];
  /** The earliest deadline among the queries (scheduler clock, ms). */
  deadline: number;
}

export interface CoalescerDeps<T, Q, A> {
  limits: CoalescerLimits;
  scheduler: Scheduler;
  /** Sends one message; answers[i] answers batch.queries[i]. */
  send: (batch: Batch<T, Q>) => Promise<A[]>;
  /** What a query spends of a message's budget (e.g. the bytes of its vector and of its k hits). */
  cost: (query: Q) => number;
  /**
   * True for a failure that may be one query's fault rather than the target's (a request error,
   * a message too large): the message's submissions are then re-sent one by one, so that the
   * error reaches only the caller it belongs to. Anything else fails every query of the message.
   */
  splitOnError: (error: unknown) => boolean;
}

interface Submission<Q, A> {
  queries: readonly Q[];
  deadline: number;
  cost: number;
  resolve: (answers: A[]) => void;
  reject: (error: unknown) => void;
}

/** Everything about one key (one shard and collection): what waits, what is in flight. */
interface Lane<T, Q, A> {
  target: T;
  inFlight: number;
  pending: Submission<Q, A>[];
  pendingQueries: number;
  pendingCost: number;
  minDeadline: number;
  maxDeadline: number;
  cancelTimer?: () => void;
}

/**
 * Coalesces concurrent queries to the same key (shard + collection) into one message, only
 * under load. A submission to a key with nothing in flight and nothing waiting leaves at once:
 * a lone request never waits. While a message to the key is outstanding, submissions wait
 * together, and leave when the first of these happens: `maxQueries` are waiting, `windowUs`
 * passed since the first of them arrived, or the key's last outstanding reply came back (the
 * shard is free again: nothing is gained by waiting longer).
 *
 * A submission's queries (e.g. every face of one photo) always travel in one message, unless
 * they alone exceed `maxCost`: then they are split into messages of at most `maxCost`. Each
 * submission gets exactly the answers to its own queries, in order; a failed message fails
 * each of its submissions with the same error (or is re-sent one submission per message when
 * `splitOnError` says the error may belong to only one of them).
 *
 * Pure logic: no I/O but `send`, no clock but the scheduler's.
 */
export class SearchCoalescer<T, Q, A> {
  private readonly lanes = new Map<string, Lane<T, Q, A>>();
  private readonly coalescing: boolean;

  constructor(private readonly deps: CoalescerDeps<T, Q, A>) {
    const { windowUs, maxQueries, maxCost, deadlineSlackMs } = deps.limits;
    if (!(windowUs >= 0) || !(maxQueries >= 0) || !(maxCost > 0) || !(deadlineSlackMs >= 0)) {
      throw new FaceshardError('VALIDATION_FAILED', 'coalescer limits: windowUs, maxQueries and deadlineSlackMs must be >= 0, maxCost > 0');
    }
    this.coalescing = windowUs > 0 && maxQueries > 1;
  }

  /** Answers to `queries` in their order, from one message to `target` (or several, see the class). */
  submit(key: string, target: T, queries: readonly Q[], deadline: number): Promise<A[]> {
    if (queries.length === 0) return Promise.resolve([]);
    const chunks = this.chunksOf(queries);
    if (chunks.length === 1) return this.submitChunk(key, target, chunks[0]!.queries, chunks[0]!.cost, deadline, false);
    // The parts of one oversized submission all leave at once if the key is idle (a lone request never waits).
    const lane = this.lanes.get(key);
    const idle = !lane || (lane.inFlight === 0 && lane.pending.length === 0);
    return Promise.all(chunks.map((chunk) => this.submitChunk(key, target, chunk.queries, chunk.cost, deadline, idle))).then((parts) => parts.flat());
  }

  /** Keys with queries waiting or messages in flight (for tests and status). */
  get activeKeys(): number {
    return this.lanes.size;
  }

  /** In arrival order, as few chunks of at most maxCost as a greedy cut gives (a query over it alone). */
  private chunksOf(queries: readonly Q[]): { queries: Q[]; cost: number }[] {
    const chunks: { queries: Q[]; cost: number }[] = [];
    let current: { queries: Q[]; cost: number } | null = null;
    for (const query of queries) {
      const cost = this.deps.cost(query);
      if (current && current.cost + cost > this.deps.limits.maxCost) current = null;
      if (!current) chunks.push((current = { queries: [], cost: 0 }));
      current.queries.push(query);
      current.cost += cost;
    }
    return chunks;
  }

  private submitChunk(key: string, target: T, queries: readonly Q[], cost: number, deadline: number, sendNow: boolean): Promise<A[]> {
    return new Promise<A[]>((resolve, reject) => {
      const submission: Submission<Q, A> = { queries, deadline, cost, resolve, reject };
      let lane = this.lanes.get(key);
      if (!lane) {
        lane = { target, inFlight: 0, pending: [], pendingQueries: 0, pendingCost: 0, minDeadline: Infinity, maxDeadline: -Infinity };
        this.lanes.set(key, lane);
      }
      // Nothing outstanding to this key: the shard is idle, waiting would only add latency.
      if (sendNow || !this.coalescing || (lane.inFlight === 0 && lane.pending.length === 0)) {
        this.dispatch(key, lane, [submission]);
        return;
      }
      if (lane.pending.length > 0 && !this.fits(lane, submission)) this.flush(key, lane);
      this.enqueue(lane, submission);
      if (lane.pendingQueries >= this.deps.limits.maxQueries) {
        this.flush(key, lane);
      } else if (!lane.cancelTimer) {
        const waiting = lane;
        lane.cancelTimer = this.deps.scheduler.after(this.deps.limits.windowUs, () => {
          waiting.cancelTimer = undefined;
          this.flush(key, waiting);
        });
      }
    });
  }

  private fits(lane: Lane<T, Q, A>, submission: Submission<Q, A>): boolean {
    if (lane.pendingCost + submission.cost > this.deps.limits.maxCost) return false;
    const spread = Math.max(lane.maxDeadline, submission.deadline) - Math.min(lane.minDeadline, submission.deadline);
    return spread <= this.deps.limits.deadlineSlackMs;
  }

  private enqueue(lane: Lane<T, Q, A>, submission: Submission<Q, A>): void {
    lane.pending.push(submission);
    lane.pendingQueries += submission.queries.length;
    lane.pendingCost += submission.cost;
    lane.minDeadline = Math.min(lane.minDeadline, submission.deadline);
    lane.maxDeadline = Math.max(lane.maxDeadline, submission.deadline);
  }

  private flush(key: string, lane: Lane<T, Q, A>): void {
    lane.cancelTimer?.();
    lane.cancelTimer = undefined;
    if (lane.pending.length === 0) return;
    const submissions = lane.pending;
    lane.pending = [];
    lane.pendingQueries = 0;
    lane.pendingCost = 0;
    lane.minDeadline = Infinity;
    lane.maxDeadline = -Infinity;
    this.dispatch(key, lane, submissions);
  }

  private dispatch(key: string, lane: Lane<T, Q, A>, submissions: Submission<Q, A>[]): void {
    lane.inFlight++;
    const queries = submissions.length === 1 ? submissions[0]!.queries : submissions.flatMap((s) => s.queries);
    const deadline = Math.min(...submissions.map((s) => s.deadline));
    let sent: Promise<A[]>;
    try {
      sent = this.deps.send({ target: lane.target, queries, deadline });
    } catch (error) {
      sent = Promise.reject(error);
    }
    // One then(): each handler ends with settled() (no finally(), which costs promises of its own per message).
    sent.then(
      (answers) => {
        try {
          if (!Array.isArray(answers) || answers.length !== queries.length) {
            const error = new FaceshardError('INTERNAL', `a batched search got ${Array.isArray(answers) ? answers.length : 'no'} answers for ${queries.length} queries`);
            for (const s of submissions) s.reject(error);
            return;
          }
          if (submissions.length === 1) {
            submissions[0]!.resolve(answers);
            return;
          }
          let at = 0;
          for (const s of submissions) {
            s.resolve(answers.slice(at, at + s.queries.length));
            at += s.queries.length;
          }
        } finally {
          this.settled(key, lane);
        }
      },
      (error: unknown) => {
        try {
          if (submissions.length > 1 && this.deps.splitOnError(error)) {
            for (const s of submissions) this.dispatch(key, lane, [s]);
            return;
          }
          for (const s of submissions) s.reject(error);
        } finally {
          this.settled(key, lane);
        }
      },
    );
  }

  /** A reply came back: if it was the last outstanding one, whatever waits leaves now. */
  private settled(key: string, lane: Lane<T, Q, A>): void {
    lane.inFlight--;
    if (lane.inFlight > 0) return;
    if (lane.pending.length > 0) this.flush(key, lane);
    else if (this.lanes.get(key) === lane) this.lanes.delete(key);
  }
}
