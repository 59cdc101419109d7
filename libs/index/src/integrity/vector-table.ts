import type { VectorIndex } from '../collection-index';

/**
 * Label -> vector, with hnswlib's deleted marks and error behaviour, and no graph: what the
 * integrity check replays the source of truth into (a CollectionIndex over it applies the log
 * with the store's own semantics at a fraction of the cost of building an HNSW graph).
 * Vectors are kept as hnswlib keeps them: float32. Searches are exact (fine for the small tables
 * it serves; the integrity check never searches one).
 */
export class VectorTable implements VectorIndex {
  private readonly vectors: (Float32Array | undefined)[] = [];
  private readonly deleted: boolean[] = [];
  private elements = 0;

  addPoint(point: number[], label: number): void {
    if (this.vectors[label] === undefined) this.elements++;
    this.vectors[label] = Float32Array.from(point);
    this.deleted[label] = false;
  }

  markDelete(label: number): void {
    if (this.vectors[label] === undefined) throw new Error('Label not found');
    if (this.deleted[label]) throw new Error('The requested to delete element is already deleted');
    this.deleted[label] = true;
  }

  unmarkDelete(label: number): void {
    if (this.vectors[label] === undefined) throw new Error('Label not found');
    if (!this.deleted[label]) throw new Error('The requested to undelete element is not deleted');
    this.deleted[label] = false;
  }

  getPoint(label: number): number[] {
    const vector = this.vectors[label];
    if (vector === undefined || this.deleted[label]) throw new Error('Label not found');
    return Array.from(vector);
  }

  getCurrentCount(): number {
    return this.elements;
  }

  getMaxElements(): number {
    return Number.MAX_SAFE_INTEGER; // grows as needed: never asks to be resized
  }

  resizeIndex(): void {}

  setEf(): void {}

  /**
   * Exact: scores every live vector (space 'ip', distance = 1 - dot, as hnswlib). What the small
   * side collection beside a snapshot's frozen index searches with (snapshot-overlay.ts).
   */
  searchKnn(point: number[], k: number, filter?: (label: number) => boolean): { neighbors: number[]; distances: number[] } {
    const scored: { label: number; distance: number }[] = [];
    this.vectors.forEach((vector, label) => {
      if (vector === undefined || this.deleted[label] || (filter && !filter(label))) return;
      let dot = 0;
      for (let i = 0; i < vector.length; i++) dot += vector[i] * point[i];
      scored.push({ label, distance: 1 - dot });
    });
    scored.sort((a, b) => a.distance - b.distance || a.label - b.label);
    if (scored.length > k) scored.length = k;
    return { neighbors: scored.map((s) => s.label), distances: scored.map((s) => s.distance) };
  }

  writeIndex(): never {
    throw new Error('a vector table is not written to disk');
  }
}
