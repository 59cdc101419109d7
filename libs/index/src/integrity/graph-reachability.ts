import type { HnswGraph } from './hnsw-graph-file';

export interface GraphReachability {
  /** Live (not deleted) elements no search can reach: not reachable from the entry point over any level's links. */
  unreachableLabels: number[];
  /** Live elements with no incoming level-0 link from another element (the usual way a node gets cut off). */
  noIncomingLabels: number[];
}

/**
 * Which live elements a search can never return. A search descends greedily through the upper
 * levels from the entry point, then explores level-0 links; so an element that is not reachable
 * from the entry point over the union of all levels' links is never visited, at any ef.
 * (Reachable does not mean found: the search-based check covers greedy dead ends.)
 * Deleted elements still carry links, so they count as stepping stones, as in hnswlib's search.
 */
export function graphReachability(graph: HnswGraph): GraphReachability {
  const n = graph.elementCount;
  const seen = new Uint8Array(n);
  const incoming = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    for (let p = graph.level0Start[i]; p < graph.level0Start[i + 1]; p++) {
      const to = graph.level0Links[p];
      if (to !== i && to < n) incoming[to]++;
    }
  }
  if (n > 0 && graph.entryPoint >= 0 && graph.entryPoint < n) {
    const stack = [graph.entryPoint];
    seen[graph.entryPoint] = 1;
    const visit = (to: number): void => {
      if (to < n && !seen[to]) {
        seen[to] = 1;
        stack.push(to);
      }
    };
    while (stack.length > 0) {
      const node = stack.pop() as number;
      for (let p = graph.level0Start[node]; p < graph.level0Start[node + 1]; p++) visit(graph.level0Links[p]);
      const upper = graph.upperLinks.get(node);
      if (upper) for (const list of upper) for (const to of list) visit(to);
    }
  }
  const unreachableLabels: number[] = [];
  const noIncomingLabels: number[] = [];
  for (let i = 0; i < n; i++) {
    if (graph.deleted[i]) continue;
    if (!seen[i]) unreachableLabels.push(graph.labelOf[i]);
    if (incoming[i] === 0 && i !== graph.entryPoint) noIncomingLabels.push(graph.labelOf[i]);
  }
  return { unreachableLabels, noIncomingLabels };
}
