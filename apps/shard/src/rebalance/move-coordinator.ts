import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClusterMetadataStore } from '@faceshard/cluster';
import { FaceshardError, type CollectionSpec, type MoveState, type RingState, type ShardResponse, type VersionedIdentity } from '@faceshard/contracts';
import type { ShardTransport } from '@faceshard/messaging';
import {
  COMPLETE_STAGE,
  emptyProgress,
  initMove,
  movingSources,
  nextMoveStep,
  pauseAfterChunkMs,
  progressRate,
  recordChunk,
  type SourceProgress,
} from '@faceshard/rebalance';
import { CoordinatorLease } from './coordinator-lease.service';

export interface MoveCoordinatorOptions {
  /** Entries per chunk (each chunk is one request to the source and one per receiver). */
  chunkEntries: number;
  /** Bytes of vectors and attributes per chunk: under NATS's max payload with room to spare. */
  chunkBytes: number;
  /**
   * Chunks a source has handed to receivers and not yet seen acknowledged: with 2, a receiver
   * finds the next chunk waiting when it finishes one, instead of idling for the acknowledgement's
   * round trip and the next request (the HNSW insert is the floor of a move: keep it busy).
   */
  chunksInFlight: number;
  /** Flow control: at most this many identities per second per source (0: no cap). */
  maxIdsPerSecond: number;
  /** Flow control: at most this share of a shard's time goes to the move, in (0, 1] (1: no cap). See libs/rebalance flow-control.ts. */
  maxTimeShare: number;
  leaseTtlMs: number;
  /** Time given to every gateway and shard to adopt a new ring epoch before the next stage relies on it. */
  settleMs: number;
  pollMs: number;
  requestTimeoutMs: number;
}

export const DEFAULT_MOVE_OPTIONS: MoveCoordinatorOptions = {
  chunkEntries: 256,
  chunkBytes: 512 * 1024,
  chunksInFlight: 2,
  /**
   * Per source. Measured on the 2-core reference machine (bench/rebalance/README.md): a join's
   * sources move ~600/s each, below it, while the leave of a member that joined streams 9,000-16,000/s
   * uncapped and took search p99 to 4.6-6.3x; at 2,000/s that leave met both move targets in four runs
   * of five (0.74-0.97x raw, p99 1.55-1.96x; 0.76x / 2.05x in the fifth). Bigger machines can raise it; 0 = no cap.
   */
  maxIdsPerSecond: 2000,
  maxTimeShare: 1,
  leaseTtlMs: 5000,
  settleMs: 1000,
  pollMs: 500,
  requestTimeoutMs: 30_000,
};

export const progressKey = (moveId: string, source: string) => `progress.${moveId}.${source}`;

type ExportedChunk = ShardResponse<'exportChunk'>;
type TimedChunk = ExportedChunk & { exportMs: number };

interface InFlightChunk {
  chunk: TimedChunk;
  /** Resolves once every receiver acknowledged the chunk durably. */
  delivered: Promise<void>;
  /** performance.now() when it was acknowledged; null before. */
  doneAt: number | null;
  /** How long the receivers worked on it (valid once delivered). */
  serviceMs: () => number;
}

/**
 * A promise the move loop awaits later, maybe never (after a failure it reads again from the last
 * acknowledged chunk): marked handled now, so that it failing while the loop awaits something else
 * is not an unhandled rejection, which ends a Node process (a receiver killed mid-move did that to
 * its source's coordinator). Awaiting it still throws.
 */
function awaitedLater<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/**
 * Drives moves (libs/rebalance) to completion. Every shard process runs one; the one holding
 * the coordinator lease acts. It reads the ring, runs the I/O of the current stage, and records
 * the stage done by a compare-and-set of the ring. Every step is resumable: a coordinator that
 * dies mid-stage leaves the ring at that stage and the per-source progress at the last chunk
 * its receivers acknowledged durably; the next lease holder continues from there.
 */
export class MoveCoordinator {
  private readonly lease: CoordinatorLease;
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly shardId: string,
    private readonly metadata: ClusterMetadataStore,
    private readonly transport: ShardTransport,
    private readonly options: MoveCoordinatorOptions = DEFAULT_MOVE_OPTIONS,
    private readonly log: (event: Record<string, unknown>) => void = (e) => console.log(JSON.stringify(e)),
  ) {
    this.lease = new CoordinatorLease(metadata, shardId, options.leaseTtlMs);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.lease.release().catch(() => undefined);
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        // A stage just recorded: take the next one now. Waiting a poll interval after each of the
        // six stages added ~3 s to a move (and 0.5 s of an idle receiver before the stream began).
        if (await this.tick()) continue;
      } catch (error) {
        this.log({ event: 'move-error', shardId: this.shardId, message: (error as Error).message, code: (error as FaceshardError).code });
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, this.options.pollMs).unref();
      });
    }
  }

  /**
   * One step of the state machine, if there is one to take and this process holds the lease.
   * True when it recorded a move started or a stage done (there may be a next step to take at once).
   */
  async tick(): Promise<boolean> {
    const ring = await this.metadata.readRing();
    const step = nextMoveStep(ring);
    if (step.kind === 'idle') {
      if (this.lease.held) await this.lease.release();
      return false;
    }
    if (!(await this.lease.acquire())) return false;
    if (step.kind === 'init') {
      const next = await this.metadata.changeRing((r) => initMove(r, { moveId: randomUUID(), now: new Date() }));
      if (next.move) this.log({ event: 'move-started', shardId: this.shardId, moveId: next.move.id, from: next.move.from, to: next.move.to, epoch: next.epoch });
      return next.move !== undefined && next.move !== null;
    }
    const move = ring.move!;
    switch (step.stage) {
      case 'migrate-identities':
        // No settle first: a source refuses a write of a moving id from a gateway that does not
        // know the move yet (it would not reach the new owner; ownership.ts), and lists what moves
        // only after every write it accepted before is applied (move-exporter.ts). Waiting for
        // gateways here left the receiver idle for the settle time (1 s of a 24 s migrate stage at 100k).
        if (!(await this.migrate(ring, move))) return false;
        break;
      case 'propagate-deletes':
        // Tombstones travel in the chunks with the identities, and every delete since init went
        // to both owners: nothing is left to send. The stage stays as the point where a
        // replica-aware version will re-check tombstones.
        break;
      case 'commit-read-ring':
        break;
      case 'commit-write-ring':
        // Reads must have switched everywhere before the old owners stop receiving writes.
        await this.settle();
        break;
      case 'finalize':
        await this.settle();
        await this.dropMoved(move);
        break;
    }
    if (!this.lease.held) return false;
    const next = await this.metadata.changeRing((r) => (r.move?.id === move.id ? COMPLETE_STAGE[step.stage](r) : r));
    this.log({ event: 'move-stage-done', shardId: this.shardId, moveId: move.id, stage: step.stage, epoch: next.epoch, next: next.move?.stage ?? 'done' });
    if (!next.move) await this.forgetProgress(move);
    return true;
  }

  private async settle(): Promise<void> {
    await sleep(this.options.settleMs);
  }

  /** Streams every source's moving identities; true when all sources are done. */
  private async migrate(ring: RingState, move: MoveState): Promise<boolean> {
    const collections = await this.metadata.listCollections();
    const sources = movingSources(move.from, move.to);
    const results = await Promise.all(sources.map((source) => this.migrateSource(ring, move, source, collections)));
    return results.every(Boolean);
  }

  /**
   * One source's part, chunk by chunk, pipelined: the next chunk is read from the source while the
   * receivers apply the current one, and the progress of a chunk is recorded (only once its
   * receivers acknowledged it durably) while the next one is applied. A receiver's HNSW insert is
   * the floor of a move; this keeps it busy instead of waiting for exports and metadata writes.
   */
  private async migrateSource(ring: RingState, move: MoveState, source: string, collections: CollectionSpec[]): Promise<boolean> {
    const key = progressKey(move.id, source);
    const stored = await this.metadata.readDoc<SourceProgress>(key);
    let progress = stored?.value ?? emptyProgress(source, new Date());
    let revision = stored?.revision ?? null;
    if (progress.done) return true;
    const started = Date.now();
    let movedHere = 0;
    /** Set when this coordinator must stop here: the lease was taken over, or progress could not be recorded. */
    let lostLease = false;
    /** The last progress write; each waits for the one before (the revision chain). */
    let recording: Promise<void> = Promise.resolve();
    const record = (collection: string, chunk: ExportedChunk): void => {
      recording = recording.then(async () => {
        if (lostLease) return;
        const next = recordChunk(progress, collection, chunk.last, chunk.entries.length, chunk.done, new Date(), chunk.total);
        try {
          const written = await this.metadata.writeDoc(key, next, revision);
          if (written === null) {
            lostLease = true; // another coordinator took over
            return;
          }
          progress = next;
          revision = written;
        } catch (error) {
          // The next tick resumes from the progress stored last (re-sending a chunk is harmless).
          this.log({ event: 'move-retry', shardId: this.shardId, moveId: move.id, source, message: (error as Error).message });
          lostLease = true;
        }
      });
    };
    for (const collection of collections) {
      if (progress.doneCollections.includes(collection.name)) continue;
      let cursor: string | null = progress.cursors[collection.name] ?? null;
      let next: Promise<TimedChunk> | null = awaitedLater(this.exportFrom(ring, move, source, collection, cursor));
      /** Chunks handed to their receivers and not yet acknowledged, oldest first. */
      const inFlight: InFlightChunk[] = [];
      while (next || inFlight.length > 0) {
        if (!this.running || !this.lease.held || lostLease) return false;
        let acknowledged: InFlightChunk;
        try {
          if (next && inFlight.length < this.options.chunksInFlight) {
            const chunk: TimedChunk = await next;
            // Read the next chunk while this one is applied.
            next = chunk.done ? null : awaitedLater(this.exportFrom(ring, move, source, collection, chunk.last));
            inFlight.push(this.startDelivery(collection, chunk, inFlight[inFlight.length - 1]));
            continue;
          }
          acknowledged = inFlight.shift()!;
          await Promise.all([acknowledged.delivered, recording]);
        } catch (error) {
          // A source or receiver restarting (kill -9): read again after the last acknowledged chunk
          // (the chunks after it may have been applied too: applying a copy again changes nothing).
          this.log({ event: 'move-retry', shardId: this.shardId, moveId: move.id, source, message: (error as Error).message });
          inFlight.splice(0);
          await sleep(500);
          next = awaitedLater(this.exportFrom(ring, move, source, collection, cursor));
          continue;
        }
        const { chunk } = acknowledged;
        cursor = chunk.last;
        record(collection.name, chunk);
        movedHere += chunk.entries.length;
        const pause = pauseAfterChunkMs(
          { maxIdsPerSecond: this.options.maxIdsPerSecond, maxTimeShare: this.options.maxTimeShare },
          { busyMs: Math.max(chunk.exportMs, acknowledged.serviceMs()), moved: movedHere, elapsedMs: Date.now() - started },
        );
        if (pause > 0) {
          // The pause is the shards' time off the move: let what is in flight finish first.
          await Promise.allSettled(inFlight.map((f) => f.delivered));
          await sleep(pause);
        }
      }
    }
    await recording;
    if (lostLease) return false;
    progress = { ...progress, done: true, updatedAt: new Date().toISOString() };
    const written = await this.metadata.writeDoc(key, progress, revision);
    if (written === null) return false;
    const { perSecond } = progressRate(progress, new Date());
    this.log({ event: 'move-source-done', shardId: this.shardId, moveId: move.id, source, moved: progress.moved, perSecond: Math.round(perSecond) });
    return true;
  }

  /** One chunk of the source's moving identities after `after`, with how long the source took. */
  private async exportFrom(ring: RingState, move: MoveState, source: string, collection: CollectionSpec, after: string | null): Promise<TimedChunk> {
    const t0 = performance.now();
    const chunk = await this.transport.request(
      source,
      'exportChunk',
      {
        collection: collection.name,
        generation: collection.generation,
        move: { id: move.id, from: move.from, to: move.to },
        after,
        maxEntries: this.options.chunkEntries,
        maxBytes: this.options.chunkBytes,
        ringEpoch: ring.epoch,
      },
      { timeoutMs: this.options.requestTimeoutMs },
    );
    return { ...chunk, exportMs: performance.now() - t0 };
  }

  /**
   * Starts handing a chunk to its receivers. Its service time counts from when it was sent or,
   * if later, from when the chunk before it (`previous`, same source) was acknowledged: receivers
   * apply a source's chunks one at a time, so until then this one only waited in a queue.
   */
  private startDelivery(collection: CollectionSpec, chunk: TimedChunk, previous: InFlightChunk | undefined): InFlightChunk {
    const sentAt = performance.now();
    const flight: InFlightChunk = {
      chunk,
      doneAt: null,
      delivered: awaitedLater(
        this.deliver(collection, chunk.entries).then(() => {
          flight.doneAt = performance.now();
        }),
      ),
      serviceMs: () => (flight.doneAt === null ? 0 : flight.doneAt - Math.max(sentAt, previous?.doneAt ?? 0)),
    };
    return flight;
  }

  /** Hands a chunk to its receivers; resolves once each acknowledged it durably. */
  private async deliver(collection: CollectionSpec, entries: { target: string; entry: VersionedIdentity }[]): Promise<void> {
    const byTarget = new Map<string, VersionedIdentity[]>();
    for (const { target, entry } of entries) {
      const list = byTarget.get(target);
      if (list) list.push(entry);
      else byTarget.set(target, [entry]);
    }
    await Promise.all(
      [...byTarget].map(([target, list]) =>
        this.transport.request(target, 'applyVersioned', { collection, entries: list }, { timeoutMs: this.options.requestTimeoutMs }),
      ),
    );
  }

  /** Sources forget what they gave away (the receivers hold it durably: the migrate stage is done). */
  private async dropMoved(move: MoveState): Promise<void> {
    const collections = await this.metadata.listCollections();
    for (const source of movingSources(move.from, move.to)) {
      for (const collection of collections) {
        // A leaver drops everything: were it restarted with that data, it must not serve it again.
        for (;;) {
          try {
            const { dropped } = await this.transport.request(
              source,
              'dropMoved',
              { collection: collection.name, generation: collection.generation, members: move.to },
              { timeoutMs: this.options.requestTimeoutMs },
            );
            this.log({ event: 'move-dropped', shardId: this.shardId, moveId: move.id, source, collection: collection.name, dropped });
            break;
          } catch (error) {
            if (!this.running || !this.lease.held) throw error;
            await sleep(500);
          }
        }
      }
    }
  }

  private async forgetProgress(move: MoveState): Promise<void> {
    for (const source of movingSources(move.from, move.to)) await this.metadata.deleteDoc(progressKey(move.id, source)).catch(() => undefined);
    this.log({ event: 'move-finished', shardId: this.shardId, moveId: move.id, to: move.to });
  }
}
