import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HierarchicalNSW } from 'hnswlib-node';
import { parseHnswIndexFile } from '../integrity/hnsw-graph-file';

function pseudoRandom(seed: number): () => number {
  let x = seed;
  return () => ((x = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 4294967296;
}

/**
 * For tests: a real hnswlib file (8-D, M 4) whose graph has cut-off nodes. `elements` points with
 * labels firstLabel.. (the one at `deletedLabel` marked deleted); then the entry point (header
 * offset 52) is moved to a level-0 node whose link list is emptied, so from there no other live
 * node is reachable: every live node but that one is unreachable. Returns the file's path.
 */
export function writeIndexWithCutOffNodes(dir: string, name: string, options: { elements: number; firstLabel: number; deletedLabel: number; seed: number }): string {
  const dim = 8;
  const random = pseudoRandom(options.seed);
  const index = new HierarchicalNSW('ip', dim);
  index.initIndex({ maxElements: options.elements, m: 4, efConstruction: 40, allowReplaceDeleted: false });
  for (let i = 0; i < options.elements; i++) index.addPoint(Array.from({ length: dim }, () => random() - 0.5), options.firstLabel + i);
  index.markDelete(options.deletedLabel);
  const file = join(dir, name);
  index.writeIndexSync(file);
  const bytes = readFileSync(file);
  const graph = parseHnswIndexFile(bytes);
  const island = graph.levelOf.findIndex((levels, i) => levels === 0 && !graph.deleted[i]);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sizePerElement = Number(view.getBigUint64(24, true));
  view.setUint16(96 + island * sizePerElement, 0, true); // no level-0 links out of it
  view.setUint32(52, island, true);
  view.setInt32(48, 0, true); // max level 0: the entry point has no upper levels
  writeFileSync(file, bytes);
  return file;
}
