import type { ShardOp } from '@faceshard/contracts';
import type { ShardConfig } from '../config/shard-config';
import { AdmissionGate } from './admission-gate';

/** Ops that search the index: CPU-bound and synchronous, bounded by the search gate. */
const SEARCH_OPS: ReadonlySet<string> = new Set<ShardOp>(['search', 'searchMany']);
/** Ops that take the collection write lock and wait for an fsync: bounded by the write gate. */
const WRITE_OPS: ReadonlySet<string> = new Set<ShardOp>(['upsert', 'delete', 'dropCollection', 'applyVersioned', 'purgeTombstones']);

/**
 * Which gate a shard request passes through. Other ops (get, stats, admin) are cheap and not
 * queued, but still dropped when their deadline passed before they started.
 */
export class ShardAdmission {
  readonly searches: AdmissionGate;
  readonly writes: AdmissionGate;

  constructor(limits: ShardConfig['admission'], now?: () => number) {
    this.searches = new AdmissionGate('searches', { ...limits.searches, retryAfterMs: limits.retryAfterMs }, now);
    this.writes = new AdmissionGate('writes', { ...limits.writes, retryAfterMs: limits.retryAfterMs }, now);
  }

  run<T>(op: string, deadline: number | undefined, work: () => Promise<T>): Promise<T> {
    return this.gateFor(op).run(deadline, work);
  }

  gateFor(op: string): AdmissionGate {
    if (SEARCH_OPS.has(op)) return this.searches;
    if (WRITE_OPS.has(op)) return this.writes;
    return ungated;
  }
}

/** Deadline check only: no limit on concurrency, no queue. */
const ungated = new AdmissionGate('requests', { maxConcurrent: Number.MAX_SAFE_INTEGER, maxQueued: 0, retryAfterMs: 0 });
