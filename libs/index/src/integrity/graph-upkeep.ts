/**
 * When to look for faces the HNSW graph has cut off (and re-link them): hnswlib's neighbour
 * pruning can leave a node with no incoming link after later inserts, and nothing in hnswlib
 * repairs that. A check (ShardStore.pinUnreachable) reads the newest snapshot's index file in
 * paced steps and walks its graph on a worker thread; when changes were logged since that
 * snapshot it takes a snapshot first (the store's paced one: the check never writes or freezes the
 * index itself). So it runs once writes to a collection have paused for `idleMs`, or, under
 * continuous writes, once the faces written since the last check make up half of the collection
 * (it doubled, in a bulk load): every face is written and read about twice in all (at a quarter,
 * the rule before, four times, for graphs the next inserts reshape anyway), and the pause that
 * ends a load checks the final graph.
 */
export class GraphUpkeep {
  private readonly pending = new Map<string, { writes: number; timer: NodeJS.Timeout | null }>();
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly idleMs: number,
    private readonly check: (collection: string) => Promise<void>,
    private readonly sizeOf: (collection: string) => number,
    private readonly onError: (collection: string, error: unknown) => void,
  ) {}

  /** `faces` face vectors were written to `collection`. */
  noteWrites(collection: string, faces: number): void {
    if (this.stopped || this.idleMs <= 0 || faces <= 0) return;
    const entry = this.pending.get(collection) ?? { writes: 0, timer: null };
    entry.writes += faces;
    if (entry.timer) clearTimeout(entry.timer);
    const dueNow = entry.writes >= Math.max(1000, this.sizeOf(collection) / 2);
    entry.timer = setTimeout(() => this.runFor(collection), dueNow ? 0 : this.idleMs);
    entry.timer.unref();
    this.pending.set(collection, entry);
  }

  /** Resolves once every check started so far is done. */
  idle(): Promise<void> {
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const entry of this.pending.values()) if (entry.timer) clearTimeout(entry.timer);
    this.pending.clear();
    await this.running;
  }

  private runFor(collection: string): void {
    this.pending.delete(collection);
    if (this.stopped) return;
    this.running = this.running.then(() => (this.stopped ? undefined : this.check(collection).catch((error: unknown) => this.reportFailure(collection, error))));
  }

  /** A check that stop() cut short (the store closing under it) failed on purpose: not worth a log line. */
  private reportFailure(collection: string, error: unknown): void {
    if (!this.stopped) this.onError(collection, error);
  }
}
