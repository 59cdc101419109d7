/** What the memory of one hnswlib index depends on. */
export interface HnswShape {
  /** Allocated elements (max_elements): hnswlib allocates level 0 for all of them up front. */
  capacity: number;
  /** Elements added (deleted ones included: hnswlib only marks them). */
  elements: number;
  dimension: number;
  M: number;
}

/**
 * Bytes hnswlib (hnswalg.h) holds for an index, from its layout rather than by measuring the
 * process (several collections share one heap). Level 0, allocated for the whole capacity:
 * links (2M x 4 + 4), the float32 vector and the 8-byte label, plus per element a link-list
 * pointer (8), its level (4) and the visited-list mark (2). Upper levels: an element reaches
 * level l with probability M^-l, so on average 1/(M-1) upper link lists of M x 4 + 4 bytes;
 * and about 40 bytes per element in the label lookup table.
 */
export function estimateHnswBytes(shape: HnswShape): number {
  const { capacity, elements, dimension, M } = shape;
  const level0PerElement = 2 * M * 4 + 4 + dimension * 4 + 8 + 8 + 4 + 2;
  const upperPerElement = M > 1 ? (M * 4 + 4) / (M - 1) : 0;
  return Math.round(capacity * level0PerElement + elements * (upperPerElement + 40));
}
