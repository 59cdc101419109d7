/**
 * The floor of a move that re-inserts: single-thread hnswlib inserts per second, on this machine,
 * in the same run as the move (M=16, efConstruction=200: the shards' defaults).
 *
 * Two shapes. `freshInsertRate`: count/3 vectors into an empty index — what the joining shard does
 * (it starts empty and receives count/3). `receiverShapedInsertRate`: what each receiver of a
 * leave does — its index already holds count/2 nodes (its share of the 2-shard ring), count/6 of
 * them marked deleted (the join gave them to the third shard; hnswlib keeps deleted nodes in the
 * graph), and the leave brings those same count/6 identities back as new nodes. An insert into
 * that graph costs far more than one into a small fresh graph (measured: ~2.3x for the bigger
 * graph, ~2.9x with the deleted nodes), so the fresh rate is not the floor of a leave.
 */
import { HierarchicalNSW } from 'hnswlib-node';

export interface RawRate {
  /** Inserts per wall-clock second (the figure the move is compared with). */
  perSecond: number;
  /** CPU ms per insert of this process (load moves it less than the wall rate). */
  cpuMsPerInsert: number;
  inserts: number;
}

/** Which vectors (by index) a leave's receiver holds, which of those it gave away in the join and gets back. Pure. */
export function leaveReceiverShape(count: number): { held: number; returned: number[] } {
  const held = Math.round(count / 2);
  const returned: number[] = [];
  for (let i = 0; i < held; i += 3) returned.push(i);
  return { held, returned };
}

function timedInserts(index: HierarchicalNSW, vectors: Float32Array, dim: number, rows: number[], firstLabel: number): RawRate {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  rows.forEach((row, i) => index.addPoint(Array.from(vectors.subarray(row * dim, (row + 1) * dim)), firstLabel + i));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { perSecond: rows.length / seconds, cpuMsPerInsert: (cpu.user + cpu.system) / 1000 / rows.length, inserts: rows.length };
}

/** count/3 vectors into a fresh index: the joining receiver's floor. */
export function freshInsertRate(vectors: Float32Array, dim: number, count: number): RawRate {
  const n = Math.round(count / 3);
  const index = new HierarchicalNSW('ip', dim);
  index.initIndex(n, 16, 200, 100);
  return timedInserts(index, vectors, dim, Array.from({ length: n }, (_, i) => i), 0);
}

/** A leave's receiver: count/2 held (built untimed), count/6 of them deleted, then the same count/6 inserted again (timed). */
export function receiverShapedInsertRate(vectors: Float32Array, dim: number, count: number): RawRate {
  const { held, returned } = leaveReceiverShape(count);
  const index = new HierarchicalNSW('ip', dim);
  index.initIndex(held + returned.length, 16, 200, 100);
  for (let i = 0; i < held; i++) index.addPoint(Array.from(vectors.subarray(i * dim, (i + 1) * dim)), i);
  for (const label of returned) index.markDelete(label);
  return timedInserts(index, vectors, dim, returned, held);
}
