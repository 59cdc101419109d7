import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HierarchicalNSW } from 'hnswlib-node';
import { afterAll, describe, expect, it } from 'vitest';
import { parseHnswIndexFile, type HnswGraph } from './hnsw-graph-file';
import { graphReachability } from './graph-reachability';

const dir = mkdtempSync(join(tmpdir(), 'faceshard-graph-spec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pseudoRandom(seed: number): () => number {
  let x = seed;
  return () => ((x = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 4294967296;
}

describe('parseHnswIndexFile', () => {
  it('reads back what hnswlib wrote: labels, deleted marks, vectors and level-0 links', () => {
    const dim = 8;
    const random = pseudoRandom(7);
    const index = new HierarchicalNSW('ip', dim);
    index.initIndex({ maxElements: 300, m: 4, efConstruction: 50, allowReplaceDeleted: false });
    const points = Array.from({ length: 300 }, () => Array.from({ length: dim }, () => random() - 0.5));
    points.forEach((p, i) => index.addPoint(p, 1000 + i));
    index.markDelete(1005);
    index.markDelete(1100);
    const path = join(dir, 'small.hnsw');
    index.writeIndexSync(path);

    const graph = parseHnswIndexFile(readFileSync(path));
    expect(graph.elementCount).toBe(300);
    expect(graph.dimension).toBe(dim);
    expect(Array.from(graph.labelOf)).toEqual(points.map((_, i) => 1000 + i));
    expect([...graph.deleted.entries()].filter(([, d]) => d).map(([i]) => i)).toEqual([5, 100]);
    for (const i of [0, 17, 299]) expect(Array.from(graph.vectorOf(i))).toEqual(index.getPoint(1000 + i));
    for (let i = 0; i < 300; i++) {
      const links = graph.level0Links.subarray(graph.level0Start[i], graph.level0Start[i + 1]);
      expect(links.length).toBeGreaterThan(0);
      expect(links.length).toBeLessThanOrEqual(8); // maxM0 = 2 * M
      for (const to of links) expect(to).toBeLessThan(300);
    }
    expect(graph.levelOf[graph.entryPoint]).toBe(graph.maxLevel);
  });

  it('refuses bytes that are not an hnswlib index', () => {
    expect(() => parseHnswIndexFile(new Uint8Array(10))).toThrow(/too short/);
    expect(() => parseHnswIndexFile(new Uint8Array(200))).toThrow(/not an hnswlib 0.8 index/);
  });
});

/** A graph built by hand: `links[i]` = level-0 neighbours of node i; `upper` = level-1 lists. */
function handGraph(links: number[][], options: { entryPoint?: number; deleted?: number[]; upper?: Record<number, number[]> } = {}): HnswGraph {
  const n = links.length;
  const level0Start = new Uint32Array(n + 1);
  const flat: number[] = [];
  links.forEach((list, i) => {
    level0Start[i] = flat.length;
    flat.push(...list);
  });
  level0Start[n] = flat.length;
  const deleted = new Uint8Array(n);
  for (const d of options.deleted ?? []) deleted[d] = 1;
  const upperLinks = new Map<number, Uint32Array[]>();
  for (const [node, list] of Object.entries(options.upper ?? {})) upperLinks.set(Number(node), [Uint32Array.from(list)]);
  return {
    elementCount: n,
    dimension: 1,
    maxLevel: upperLinks.size > 0 ? 1 : 0,
    entryPoint: options.entryPoint ?? 0,
    labelOf: Float64Array.from(links.map((_, i) => 100 + i)),
    deleted,
    levelOf: new Uint8Array(n),
    level0Start,
    level0Links: Uint32Array.from(flat),
    upperLinks,
    vectorOf: () => new Float32Array(1),
  };
}

describe('graphReachability', () => {
  it('finds a node no link points to (the way hnswlib cuts faces off)', () => {
    const graph = handGraph([[1], [0, 2], [1], [0, 1]]); // 3 links out, nothing links in
    expect(graphReachability(graph)).toEqual({ unreachableLabels: [103], noIncomingLabels: [103] });
  });

  it('finds an island of nodes that only link each other', () => {
    const graph = handGraph([[1], [0], [3], [2]]);
    expect(graphReachability(graph).unreachableLabels).toEqual([102, 103]);
    expect(graphReachability(graph).noIncomingLabels).toEqual([]);
  });

  it('walks through deleted nodes (hnswlib does) but never reports them', () => {
    const graph = handGraph([[1], [2], [0], [1]], { deleted: [1, 3] });
    expect(graphReachability(graph).unreachableLabels).toEqual([]);
  });

  it('follows upper-level links too: a node linked only from level 1 is reachable', () => {
    const graph = handGraph([[1], [0], []], { upper: { 0: [2] } });
    expect(graphReachability(graph).unreachableLabels).toEqual([]);
  });
});
