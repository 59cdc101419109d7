import { readFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import type { RingState } from '@faceshard/contracts';
import { onlyReceiving } from '@faceshard/rebalance';

/** The calling thread's nice value (on Linux, pid 0 is the calling thread: threads are tasks). */
export interface ThreadNice {
  get(): number;
  set(nice: number): void;
  /** Whether this process may set a thread back to `nice` once it is lower (higher nice value). */
  mayRaiseTo(nice: number): boolean;
}

/**
 * Linux lets a thread raise its priority again only with CAP_SYS_NICE (root outside a container;
 * Docker's default capabilities leave it out) or up to what RLIMIT_NICE allows (20 - limit). Reads
 * /proc/self/status and /proc/self/limits; false where they cannot be read (not Linux).
 */
export function mayRaisePriorityTo(nice: number, proc: (path: string) => string = (path) => readFileSync(path, 'utf8')): boolean {
  try {
    const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(proc('/proc/self/status'))?.[1];
    const CAP_SYS_NICE = 23n;
    if (capEff !== undefined && ((BigInt(`0x${capEff}`) >> CAP_SYS_NICE) & 1n) === 1n) return true;
    const limit = /^Max nice priority\s+(\S+)/m.exec(proc('/proc/self/limits'))?.[1];
    if (limit === undefined) return false;
    return limit === 'unlimited' || 20 - Number(limit) <= nice;
  } catch {
    return false;
  }
}

/** Off unless set: see bench/rebalance/README.md for what it measured. */
export const DEFAULT_RECEIVER_NICE = 0;

const callingThread: ThreadNice = { get: () => getPriority(0), set: (nice) => setPriority(0, nice), mayRaiseTo: (nice) => mayRaisePriorityTo(nice) };

/**
 * Per thread: the nice it had before the first receiver lowered it, and the receivers holding it
 * lowered. In the embedded platform several shards share one event loop thread; two joining at
 * once must not restore each other's value.
 */
const lowerings = new WeakMap<ThreadNice, { restoreTo: number; holders: Set<ReceiverPriority> }>();

/**
 * REBALANCE_RECEIVER_NICE: while this shard only receives a move (a joiner before the read ring is
 * committed: it answers no get and no search, see onlyReceiving), its event loop thread, where
 * the HNSW inserts of the move run, is `nice` steps lower in priority than it was; the nice it had
 * comes back as soon as the ring puts it in the read ring or the move goes (committed or not).
 * On a machine whose cores the receiver shares with the members that serve searches (and the
 * gateway and NATS), those then run first whenever they are runnable, and the move gets the rest.
 *
 * Must be fed rings on the event loop thread (the metadata watch's callback): only that thread is
 * changed, not libuv's pool nor V8's helpers. Linux orders threads by nice only against threads of
 * the same autogroup / cgroup (sched(7)): processes in separate pods or sessions are not affected.
 * Restoring needs the right to raise a priority (CAP_SYS_NICE or RLIMIT_NICE): where the process
 * lacks it the thread is not lowered at all (a warning is logged), since it could not serve reads
 * at its own priority after the commit.
 */
export class ReceiverPriority {
  /** The move for which lowering was declined (said once per move, not on every ring of it). */
  private declinedMove: string | null = null;

  constructor(
    private readonly shardId: string,
    private readonly nice: number,
    private readonly log: (event: Record<string, unknown>) => void,
    private readonly thread: ThreadNice = callingThread,
  ) {}

  get lowered(): boolean {
    return lowerings.get(this.thread)?.holders.has(this) ?? false;
  }

  observe(ring: RingState): void {
    if (this.nice <= 0) return;
    const receiving = onlyReceiving(ring, this.shardId);
    if (receiving && !this.lowered) this.lower(ring);
    else if (!receiving && this.lowered) this.restore(ring);
  }

  /** Back to the nice value from before (at shutdown). */
  stop(): void {
    if (this.lowered) this.restore(null);
  }

  private lower(ring: RingState): void {
    const held = lowerings.get(this.thread);
    if (held) {
      held.holders.add(this); // another receiver on this thread lowered it already
      return;
    }
    try {
      const before = this.thread.get();
      if (!this.thread.mayRaiseTo(before)) {
        if (this.declinedMove === (ring.move?.id ?? null)) return;
        this.declinedMove = ring.move?.id ?? null;
        this.log({ event: 'receiver-priority-failed', message: `not lowered: this process may not set its nice back to ${before} (needs CAP_SYS_NICE or RLIMIT_NICE)` });
        return;
      }
      const nice = Math.min(19, before + this.nice);
      this.thread.set(nice);
      lowerings.set(this.thread, { restoreTo: before, holders: new Set([this]) });
      this.log({ event: 'receiver-priority', nice, from: before, moveId: ring.move?.id, epoch: ring.epoch });
    } catch (error) {
      this.log({ event: 'receiver-priority-failed', message: (error as Error).message });
    }
  }

  private restore(ring: RingState | null): void {
    const held = lowerings.get(this.thread)!;
    held.holders.delete(this);
    if (held.holders.size > 0) return;
    lowerings.delete(this.thread);
    try {
      this.thread.set(held.restoreTo);
      this.log({ event: 'receiver-priority', nice: held.restoreTo, epoch: ring?.epoch, stage: ring?.move?.stage ?? null });
    } catch (error) {
      this.log({ event: 'receiver-priority-failed', message: `cannot restore nice ${held.restoreTo}: ${(error as Error).message}` });
    }
  }
}
