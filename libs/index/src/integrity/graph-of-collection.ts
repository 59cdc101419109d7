import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GraphReachability } from './graph-reachability';
import { reachabilityOfFile } from './reachability-off-thread';

/**
 * The reachability of a live collection's graph, for the integrity check (the graph upkeep reads
 * a snapshot's file instead: snapshot-graph.ts): hnswlib-node exposes no links, so the index is
 * written to a temp file (on a libuv thread) and its link lists are read back on a worker thread;
 * the event loop only waits. The caller keeps the collection frozen (the index must not change
 * while hnswlib writes it); `written` runs once the file is complete, so a caller that needs no
 * more can thaw it then rather than after the (longer) reading. null: the index holds no element.
 */
export async function reachabilityOf(
  collection: { writeIndex(path: string): Promise<boolean> },
  written: () => Promise<void> = async () => undefined,
): Promise<GraphReachability | null> {
  const dir = await fsp.mkdtemp(join(tmpdir(), 'faceshard-graph-'));
  try {
    const path = join(dir, 'index.hnsw');
    const wroteAny = await collection.writeIndex(path);
    await written();
    if (!wroteAny) return null;
    return await reachabilityOfFile(path);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}
