import { FaceshardError } from '@faceshard/contracts';

export interface AdmissionLimits {
  /** Requests of this class running at once. */
  maxConcurrent: number;
  /** Requests waiting for a slot; one more is refused with BUSY. */
  maxQueued: number;
  /** What BUSY tells the caller to wait before retrying. */
  retryAfterMs: number;
}

interface Waiter {
  deadline: number | undefined;
  grant: () => void;
  expire: (error: FaceshardError) => void;
  timer?: NodeJS.Timeout;
}

/**
 * Admission control for one class of shard requests (searches, or writes). At most
 * maxConcurrent run; up to maxQueued wait in arrival order; beyond that a request is refused
 * at once with a retryable BUSY (details.retryAfterMs), so a flood becomes fast, explicit
 * refusals instead of an unbounded queue. Each request carries its caller's deadline (on the
 * monotonic clock): work whose deadline passed before it started is dropped with
 * DEADLINE_EXCEEDED instead of being done for a caller that already gave up.
 *
 * A freed slot is handed on in a later turn of the event loop (setImmediate), so heartbeats
 * and new requests are read between queued searches, which run synchronously.
 */
export class AdmissionGate {
  private running = 0;
  private readonly queue: Waiter[] = [];

  constructor(
    readonly name: string,
    private readonly limits: AdmissionLimits,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(limits.maxConcurrent >= 1) || !(limits.maxQueued >= 0)) {
      throw new FaceshardError('VALIDATION_FAILED', `${name}: maxConcurrent must be >= 1 and maxQueued >= 0`);
    }
  }

  get stats(): { running: number; queued: number } {
    return { running: this.running, queued: this.queue.length };
  }

  async run<T>(deadline: number | undefined, work: () => Promise<T>): Promise<T> {
    this.checkDeadline(deadline);
    if (this.running < this.limits.maxConcurrent) {
      this.running++;
    } else {
      if (this.queue.length >= this.limits.maxQueued) {
        throw new FaceshardError('BUSY', `shard is busy: ${this.running} ${this.name} running and ${this.queue.length} queued; retry later`, {
          retryAfterMs: this.limits.retryAfterMs,
          running: this.running,
          queued: this.queue.length,
        });
      }
      await this.wait(deadline);
    }
    try {
      this.checkDeadline(deadline);
      return await work();
    } finally {
      this.release();
    }
  }

  private wait(deadline: number | undefined): Promise<void> {
    return new Promise<void>((grant, expire) => {
      const waiter: Waiter = { deadline, grant, expire };
      if (deadline !== undefined) {
        // Leave the queue when the caller gives up, freeing the place for someone who has not.
        waiter.timer = setTimeout(() => {
          const at = this.queue.indexOf(waiter);
          if (at >= 0) this.queue.splice(at, 1);
          expire(this.expired(deadline));
        }, Math.max(0, deadline - this.now()));
        waiter.timer.unref();
      }
      this.queue.push(waiter);
    });
  }

  /** The slot passes to the next waiter (running stays the same), or is given back. */
  private release(): void {
    const next = this.queue.shift();
    if (!next) {
      this.running--;
      return;
    }
    if (next.timer) clearTimeout(next.timer);
    setImmediate(next.grant);
  }

  private checkDeadline(deadline: number | undefined): void {
    if (deadline !== undefined && this.now() > deadline) throw this.expired(deadline);
  }

  private expired(deadline: number): FaceshardError {
    return new FaceshardError('DEADLINE_EXCEEDED', `${this.name}: the caller's deadline passed ${Math.round(this.now() - deadline)} ms ago; dropped unstarted`);
  }
}
