/**
 * Hands out hnswlib labels for face vectors. Labels stay dense (0..next-1) because freed
 * labels are reused, which lets per-label metadata live in plain arrays indexed by label.
 *
 * Allocation depends only on this object's state (free stack + next), so replaying the same
 * operations from the same snapshot always yields the same labels.
 */
export class LabelAllocator {
  private readonly free: number[];
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
    this.free = [...state.free];
  }

  /** Reuses the most recently freed label (LIFO), else a brand-new one. */
  allocate(): { label: number; reused: boolean } {
    const reusedLabel = this.free.pop();
    if (reusedLabel !== undefined) return { label: reusedLabel, reused: true };
    return { label: this.nextLabel++, reused: false };
  }

  release(label: number): void {
    if (!Number.isInteger(label) || label < 0 || label >= this.nextLabel) throw new Error(`label ${label} was never allocated`);
    this.free.push(label);
  }

  /** Labels ever handed out: hnswlib's element count. */
  get next(): number {
    return this.nextLabel;
  }

  get live(): number {
    return this.nextLabel - this.free.length;
  }

  get freeCount(): number {
    return this.free.length;
  }

  state(): { next: number; free: number[] } {
    return { next: this.nextLabel, free: [...this.free] };
  }
}

/** Capacity to resize to so that `needed` elements fit: doubling, never below `minimum`. */
export function grownCapacity(current: number, needed: number, minimum: number): number {
  let capacity = Math.max(current, minimum, 1);
  while (capacity < needed) capacity *= 2;
  return capacity;
}
