/**
 * One identity's faceId -> hnswlib label, in insertion order: the part of Map<string, number>
 * an identity record uses, laid out for the common case of one face.
 *
 * Why not a Map: a shard holds one of these per identity (500k-1M of them), and nearly every
 * identity has one face. A Map is two heap objects (the Map and its hash table, ~190 bytes with
 * room for four entries); this is one object of ~48 bytes holding the first face inline, and a
 * Map only for the faces after it. Fewer, smaller objects per identity is less RSS and less for
 * V8's garbage collector to trace (bench/store/search-tail.ts, bench/store/README.md).
 */
export class FaceLabels implements Iterable<[string, number]> {
  /** The first face (undefined: none). */
  private firstFaceId: string | undefined = undefined;
  private firstLabel = -1;
  /** Every face after the first, in insertion order (null until there is a second face). */
  private rest: Map<string, number> | null = null;

  get size(): number {
    return (this.firstFaceId === undefined ? 0 : 1) + (this.rest?.size ?? 0);
  }

  get(faceId: string): number | undefined {
    if (faceId === this.firstFaceId) return this.firstLabel;
    return this.rest?.get(faceId);
  }

  has(faceId: string): boolean {
    return this.get(faceId) !== undefined;
  }

  /** Like Map.set: a face already present keeps its place in the order. */
  set(faceId: string, label: number): this {
    if (faceId === this.firstFaceId) {
      this.firstLabel = label;
    } else if (this.firstFaceId === undefined && this.rest === null) {
      this.firstFaceId = faceId;
      this.firstLabel = label;
    } else {
      (this.rest ??= new Map()).set(faceId, label);
    }
    return this;
  }

  delete(faceId: string): boolean {
    if (faceId === this.firstFaceId) {
      // The slot stays empty rather than taking the next face: the faces after it keep their
      // order, and a loop over the faces that deletes the one it is at goes on as over a Map.
      this.firstFaceId = undefined;
      this.firstLabel = -1;
      return true;
    }
    const deleted = this.rest?.delete(faceId) ?? false;
    if (this.rest?.size === 0) this.rest = null;
    return deleted;
  }

  /**
   * Iterates over the faces present when it starts (a copy: deleting the face a loop is at, as
   * replace and delete do, goes on as over a Map). Arrays, not generators: a snapshot lists the
   * faces of every identity, and generators made that ~8x slower than a Map (1M identities:
   * ~400 ms against ~50 ms of the event loop).
   */
  [Symbol.iterator](): IterableIterator<[string, number]> {
    return this.entries()[Symbol.iterator]();
  }

  entries(): [string, number][] {
    const out: [string, number][] = this.firstFaceId === undefined ? [] : [[this.firstFaceId, this.firstLabel]];
    if (this.rest) for (const entry of this.rest) out.push(entry);
    return out;
  }

  keys(): string[] {
    const out = this.firstFaceId === undefined ? [] : [this.firstFaceId];
    if (this.rest) for (const faceId of this.rest.keys()) out.push(faceId);
    return out;
  }

  values(): number[] {
    const out = this.firstFaceId === undefined ? [] : [this.firstLabel];
    if (this.rest) for (const label of this.rest.values()) out.push(label);
    return out;
  }
}
