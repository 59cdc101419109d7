import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { graphReachability, type GraphReachability } from './graph-reachability';
import { parseHnswIndexFile } from './hnsw-graph-file';

/**
 * The reachability of a live collection's graph: hnswlib-node exposes no links, so the index is
 * written to a temp file and its link lists are read back. The caller keeps the collection frozen
 * (the index must not change while hnswlib writes it). null: the index holds no element.
 */
export async function reachabilityOf(collection: { writeIndex(path: string): Promise<boolean> }): Promise<GraphReachability | null> {
  const dir = await fsp.mkdtemp(join(tmpdir(), 'faceshard-graph-'));
  try {
    const path = join(dir, 'index.hnsw');
    if (!(await collection.writeIndex(path))) return null;
    return graphReachability(parseHnswIndexFile(await fsp.readFile(path)));
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}
