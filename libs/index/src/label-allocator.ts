/**
 * Hands out hnswlib labels for face vectors: 0, 1, 2, ... and never one twice. A freed label
 * stays in the index as a deleted node; reusing it would make hnswlib's addPoint an in-place
 * update of that node, which cuts other nodes off the graph (see CollectionIndex). Labels stay
 * dense (0..next-1), so per-label metadata lives in plain arrays indexed by label.
 *
 * Allocation depends only on this object's state (next), so replaying the same operations from
 * the same snapshot always yields the same labels.
 */
export class LabelAllocator {
  /** Freed labels, in the order they were freed (a Set: a revived one leaves from anywhere in it). */
  private readonly free: Set<number>;
  private nextLabel: number;

  constructor(state: { next: number; free: number[] } = { next: 0, free: [] }) {
    if (!Number.isInteger(state.next) || state.next < 0) throw new Error(`invalid next label ${state.next}`);
    const seen = new Set<number>();
    for (const label of state.free) {
      if (!Number.isInteger(label) || label < 0 || label >= state.next || seen.has(label)) {
        throw new Error(`invalid free label ${label} (next=${state.next})`);
      }
      seen.add(label);
    }
    this.nextLabel = state.next;
    this.free = seen;
  }

  /** A label never handed out before: a brand-new hnswlib node. */
  allocate(): number {
    return this.nextLabel++;
  }

  release(label: number): void {
    if (!Number.isInteger(label) || label < 0 || label >= this.nextLabel) throw new Error(`label ${label} was never allocated`);
    this.free.add(label);
  }

  /**
   * A freed label is live again: its node was revived (unmarkDelete) for the very face and vector
   * it held (see FreedFaces), which is not hnswlib's in-place update, so nothing is rewired.
   */
  reclaim(label: number): void {
    if (!this.free.delete(label)) throw new Error(`label ${label} is not free`);
  }

  /** Labels ever handed out: hnswlib's element count (live + freed). */
  get next(): number {
    return this.nextLabel;
  }

  get live(): number {
    return this.nextLabel - this.free.size;
  }

  get freeCount(): number {
    return this.free.size;
  }

  state(): { next: number; free: number[] } {
    return { next: this.nextLabel, free: [...this.free] };
  }

  /** The free labels in state()'s order, without copying them (valid while nothing is freed or revived). */
  freeLabels(): IterableIterator<number> {
    return this.free.values();
  }
}

/** Capacity to resize to so that `needed` elements fit: doubling, never below `minimum`. */
export function grownCapacity(current: number, needed: number, minimum: number): number {
  let capacity = Math.max(current, minimum, 1);
  while (capacity < needed) capacity *= 2;
  return capacity;
}
