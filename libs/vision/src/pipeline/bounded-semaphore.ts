import { FaceshardError } from '@faceshard/contracts';

/**
 * At most `maxConcurrent` jobs run; at most `maxQueued` more wait (FIFO); anything beyond is
 * refused at once with FaceshardError('BUSY') so that overload turns into fast 503s instead of a
 * queue that grows without bound. Hand-written because p-limit and p-queue are ESM-only in
 * their current majors and this project compiles to CommonJS.
 */
export class BoundedSemaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly maxConcurrent: number,
    readonly maxQueued: number,
  ) {
    if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) throw new RangeError(`maxConcurrent must be a positive integer, got ${maxConcurrent}`);
    if (!Number.isInteger(maxQueued) || maxQueued < 0) throw new RangeError(`maxQueued must be a non-negative integer, got ${maxQueued}`);
  }

  get running(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.active < this.maxConcurrent) {
      this.active++;
    } else if (this.waiting.length < this.maxQueued) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      throw new FaceshardError('BUSY', `face pipeline is busy (${this.active} running, ${this.waiting.length} queued)`, {
        running: this.active,
        queued: this.waiting.length,
      });
    }
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      // The finished job's slot passes straight to the next waiter, so `active` stays counted.
      if (next) next();
      else this.active--;
    }
  }
}
