import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HierarchicalNSW } from 'hnswlib-node';
import { afterAll, describe, expect, it } from 'vitest';
import { graphReachability } from './graph-reachability';
import { parseHnswIndexFile } from './hnsw-graph-file';
import { reachabilityOfFile } from './reachability-off-thread';

const dir = mkdtempSync(join(tmpdir(), 'faceshard-reach-spec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pseudoRandom(seed: number): () => number {
  let x = seed;
  return () => ((x = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 4294967296;
}

/**
 * A real hnswlib file whose graph has cut-off nodes: the entry point (header offset 52) is moved
 * to a level-0 node whose link list is emptied, so from there no other live node is reachable.
 */
function fileWithCutOffNodes(): string {
  const dim = 8;
  const random = pseudoRandom(11);
  const index = new HierarchicalNSW('ip', dim);
  index.initIndex({ maxElements: 400, m: 4, efConstruction: 40, allowReplaceDeleted: false });
  for (let i = 0; i < 400; i++) index.addPoint(Array.from({ length: dim }, () => random() - 0.5), 5000 + i);
  index.markDelete(5003);
  const file = join(dir, 'cut.hnsw');
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

describe('reachabilityOfFile (on a worker thread)', () => {
  it('answers what parsing and walking the file on this thread answers', async () => {
    const file = fileWithCutOffNodes();
    const here = graphReachability(parseHnswIndexFile(readFileSync(file)));
    expect(here.unreachableLabels.length).toBe(398); // all live nodes but the entry point: the comparison is not of two empty lists
    expect(await reachabilityOfFile(file)).toEqual(here);
  });

  it("rejects with the parser's error when the file is not a complete index", async () => {
    const file = join(dir, 'torn.hnsw');
    writeFileSync(file, readFileSync(fileWithCutOffNodes()).subarray(0, 5000));
    await expect(reachabilityOfFile(file)).rejects.toThrow(/truncated/);
  });

  it('rejects when the file does not exist', async () => {
    await expect(reachabilityOfFile(join(dir, 'absent.hnsw'))).rejects.toThrow(/ENOENT/);
  });
});
