/**
 * Reads the graph out of an hnswlib index file (hnswlib 0.8's saveIndex layout, the version
 * hnswlib-node 3 bundles). hnswlib-node exposes no link lists, and the integrity check needs
 * them: a node no link points to is never visited by any search, whatever ef.
 *
 * Layout: a 96-byte header of PODs, then cur_element_count level-0 records of
 * size_data_per_element bytes (link list: uint16 count, byte 2 = deleted mark, then maxM0
 * uint32 ids; the vector at offsetData; the size_t label at label_offset), then per element a
 * uint32 byte length and its upper-level link lists (level l at (l-1) * (4 + 4 * maxM)).
 * Pure: bytes in, graph out.
 */
export interface HnswGraph {
  elementCount: number;
  dimension: number;
  maxLevel: number;
  /** Internal id of the entry point (-1 when the index is empty). */
  entryPoint: number;
  labelOf: Float64Array;
  deleted: Uint8Array;
  levelOf: Uint8Array;
  /** Level-0 neighbours of internal id i: level0Links.subarray(level0Start[i], level0Start[i + 1]). */
  level0Start: Uint32Array;
  level0Links: Uint32Array;
  /** Upper-level neighbours, per element, per level (index 0 = level 1); empty for level-0-only nodes. */
  upperLinks: Map<number, Uint32Array[]>;
  /** The stored vector of internal id i (a copy). */
  vectorOf(internalId: number): Float32Array;
}

const HEADER_BYTES = 96;
const DELETE_MARK = 0x01;

export function parseHnswIndexFile(bytes: Uint8Array): HnswGraph {
  if (bytes.byteLength < HEADER_BYTES) throw new Error(`hnsw index file too short (${bytes.byteLength} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u64 = (at: number): number => {
    const value = view.getBigUint64(at, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`hnsw index header value at ${at} is too large`);
    return Number(value);
  };
  const offsetLevel0 = u64(0);
  const elementCount = u64(16);
  const sizePerElement = u64(24);
  const labelOffset = u64(32);
  const offsetData = u64(40);
  const maxLevel = view.getInt32(48, true);
  const entryPoint = elementCount === 0 ? -1 : view.getUint32(52, true);
  const maxM = u64(56);
  const maxM0 = u64(64);
  const dimension = (labelOffset - offsetData) / 4;
  if (offsetLevel0 !== 0 || !Number.isInteger(dimension) || dimension < 1 || offsetData !== 4 + 4 * maxM0 || labelOffset + 8 !== sizePerElement) {
    throw new Error('not an hnswlib 0.8 index file (unexpected element layout)');
  }
  const level0End = HEADER_BYTES + elementCount * sizePerElement;
  if (bytes.byteLength < level0End) throw new Error(`hnsw index file truncated: ${elementCount} elements need ${level0End} bytes, file has ${bytes.byteLength}`);

  const labelOf = new Float64Array(elementCount);
  const deleted = new Uint8Array(elementCount);
  const levelOf = new Uint8Array(elementCount);
  const level0Start = new Uint32Array(elementCount + 1);
  let totalLinks = 0;
  for (let i = 0; i < elementCount; i++) totalLinks += view.getUint16(HEADER_BYTES + i * sizePerElement, true);
  const level0Links = new Uint32Array(totalLinks);
  let cursor = 0;
  for (let i = 0; i < elementCount; i++) {
    const at = HEADER_BYTES + i * sizePerElement;
    const count = view.getUint16(at, true);
    if (count > maxM0) throw new Error(`element ${i}: ${count} level-0 links exceeds maxM0 ${maxM0}`);
    deleted[i] = view.getUint8(at + 2) & DELETE_MARK;
    level0Start[i] = cursor;
    for (let j = 0; j < count; j++) level0Links[cursor++] = view.getUint32(at + 4 + 4 * j, true);
    labelOf[i] = Number(view.getBigUint64(at + labelOffset, true));
  }
  level0Start[elementCount] = cursor;

  const upperLinks = new Map<number, Uint32Array[]>();
  const blockBytes = 4 + 4 * maxM;
  let at = level0End;
  for (let i = 0; i < elementCount; i++) {
    if (at + 4 > bytes.byteLength) throw new Error(`hnsw index file truncated in the upper levels of element ${i}`);
    const length = view.getUint32(at, true);
    at += 4;
    if (length % blockBytes !== 0 || at + length > bytes.byteLength) throw new Error(`element ${i}: bad upper link list length ${length}`);
    const levels = length / blockBytes;
    levelOf[i] = levels;
    if (levels > 0) {
      const lists: Uint32Array[] = [];
      for (let l = 0; l < levels; l++) {
        const block = at + l * blockBytes;
        const count = view.getUint16(block, true);
        if (count > maxM) throw new Error(`element ${i} level ${l + 1}: ${count} links exceeds maxM ${maxM}`);
        const list = new Uint32Array(count);
        for (let j = 0; j < count; j++) list[j] = view.getUint32(block + 4 + 4 * j, true);
        lists.push(list);
      }
      upperLinks.set(i, lists);
    }
    at += length;
  }

  const vectorOf = (internalId: number): Float32Array => {
    const start = HEADER_BYTES + internalId * sizePerElement + offsetData;
    const out = new Float32Array(dimension);
    for (let d = 0; d < dimension; d++) out[d] = view.getFloat32(start + 4 * d, true);
    return out;
  };
  return { elementCount, dimension, maxLevel, entryPoint, labelOf, deleted, levelOf, level0Start, level0Links, upperLinks, vectorOf };
}
