/**
 * A Map from string keys split over a fixed number of smaller Maps, chosen by a hash of the key.
 *
 * Why: a V8 Map grows by rehashing every entry into a table twice the size, in one synchronous
 * step. A shard's identity map at 1M entries is one Map, and its growth past 2^20 entries held the
 * event loop for 74–134 ms (97 ms at 2^19, 347 ms at 2^21; bench/store/map-growth.ts) — the
 * longest stall of our own in the 1M snapshot-stall runs. Split 64 ways, each part rehashes 1/64
 * of the entries when it grows. It also lifts V8's limit of 2^24 entries per Map (a shard could
 * otherwise not hold more than ~16.7M identities in one collection).
 *
 * Iteration visits the parts in turn, each in its own insertion order: NOT the global insertion
 * order of a Map. Callers that need an order sort (the exporter's cursor and the identity listing do).
 */
const PARTS = 64; // a power of two: the part is the hash's low bits

export class SegmentedMap<V> implements Iterable<[string, V]> {
  /** Made on first use, so that a small collection costs a few Maps, not 64. */
  private readonly parts: (Map<string, V> | undefined)[] = new Array(PARTS);
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(key: string): V | undefined {
    return this.parts[partOf(key)]?.get(key);
  }

  has(key: string): boolean {
    return this.parts[partOf(key)]?.has(key) ?? false;
  }

  set(key: string, value: V): this {
    const at = partOf(key);
    const part = (this.parts[at] ??= new Map());
    const before = part.size;
    part.set(key, value);
    this.count += part.size - before;
    return this;
  }

  delete(key: string): boolean {
    const deleted = this.parts[partOf(key)]?.delete(key) ?? false;
    if (deleted) this.count--;
    return deleted;
  }

  /** Entries in the fullest part: what one growth step rehashes at most (for tests and benches). */
  largestPartSize(): number {
    let largest = 0;
    for (const part of this.parts) if (part && part.size > largest) largest = part.size;
    return largest;
  }

  clear(): void {
    this.parts.fill(undefined);
    this.count = 0;
  }

  *keys(): IterableIterator<string> {
    for (const part of this.parts) if (part) yield* part.keys();
  }

  *values(): IterableIterator<V> {
    for (const part of this.parts) if (part) yield* part.values();
  }

  *entries(): IterableIterator<[string, V]> {
    for (const part of this.parts) if (part) yield* part.entries();
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries();
  }
}

/** FNV-1a over the key's UTF-16 code units, folded to a part number. */
function partOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return (hash ^ (hash >>> 16)) & (PARTS - 1);
}
