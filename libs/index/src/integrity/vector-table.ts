import type { VectorIndex } from '../collection-index';

/**
 * Label -> vector, with hnswlib's deleted marks and error behaviour, and no graph: what the
 * integrity check replays the source of truth into (a CollectionIndex over it applies the log
 * with the store's own semantics at a fraction of the cost of building an HNSW graph).
 * Vectors are kept as hnswlib keeps them: float32.
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

  searchKnn(): never {
    throw new Error('a vector table does not search');
  }

  writeIndex(): never {
    throw new Error('a vector table is not written to disk');
  }
}
