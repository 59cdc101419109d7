/**
 * One move of bench:rebalance, measured: search latency without a move (the shards quiet), then the
 * move is started and every search started during its migrate stage is timed, with the CPU each
 * process (and each thread of the receivers) used in both windows. The stages are read from the
 * ring's KV watch, not by polling the gateway: polling GET /v1/cluster ten times a second asked
 * every shard (the receiver too) for its stats while the move ran, CPU taken from the move and the
 * searches it measures, and it saw a stage change up to 100 ms late.
 */
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RingState } from '@faceshard/contracts';
import type { JetStreamMetadataStore } from '@faceshard/cluster';
import type { FaceshardClient } from '../cluster/faceshard-client';
import { CpuShareMeter, type CpuShares } from './cpu-shares';
import { mainThreadNice, threadCores, threadCpuSeconds } from './thread-cpu';

export interface MoveWindowOptions {
  client: FaceshardClient;
  metadata: JetStreamMetadataStore;
  collection: string;
  idleSeconds: number;
  /** The n-th search's query vector. */
  probe: (n: number) => Float32Array;
  /**
   * null: one client searching back to back (a closed loop: a search that returns sooner is
   * followed sooner, so the searches take whatever CPU the move leaves). A number: searches sent
   * at that fixed rate whether or not earlier ones returned (an open loop, what a service sees);
   * each search is timed from the moment it was sent.
   */
  searchRate: number | null;
  /** Processes whose CPU is reported (name -> pid). */
  pids: () => Map<string, number>;
  /** The shards that receive identities in this move (their threads are broken down). */
  receivers: string[];
  /** Starts the move (a shard joins, or one is drained). */
  begin: () => Promise<unknown>;
  /** True once the move this window measures is over (checked on every ring the watch delivers). */
  finished: (ring: RingState) => boolean;
  /** Called once when the migrate stage begins (e.g. to start CPU profiles). */
  onMigrateStart?: () => void;
}

/** What a search load needs: a client (only its search), the collection, the query of the n-th search. */
export type SearchLoadTarget = { client: Pick<FaceshardClient, 'search'> } & Pick<MoveWindowOptions, 'collection' | 'probe'>;

export interface MoveWindow {
  /** Search latencies (ms) without a move, and of the searches started in the migrate stage. */
  idle: number[];
  during: number[];
  /** How long the searches without a move ran (s): with `idle`'s count, the search rate reached. */
  idleSeconds: number;
  /**
   * When in the migrate stage (seconds from its start) each search of `during` started: a move of
   * a few seconds has a few hundred searches, so its p99 is a handful of them, and whether those
   * bunch at the stage's start (one-off work) or spread over it (the streaming) tells the causes apart.
   */
  duringStartSeconds: number[];
  migrateSeconds: number;
  /** From begin() to the end of the move. */
  wholeSeconds: number;
  cpuWithoutMove: CpuShares | null;
  cpuDuringMigrate: CpuShares | null;
  /** Per receiver: cores per thread group over the migrate stage (main = the event loop). */
  receiverThreads: Record<string, Record<string, number>>;
  /** Per receiver: its event loop thread's nice value at the end of the migrate stage (REBALANCE_RECEIVER_NICE). */
  receiverNice: Record<string, number | null>;
  /** Holder of the coordinator lease during the migrate stage (the process relaying every chunk). */
  coordinator: string | null;
  /** 1-minute load: before the idle searches, at the start and at the end of the migrate stage. */
  loads: number[];
}

export async function measureMove(o: MoveWindowOptions): Promise<MoveWindow> {
  const loads = [loadavg()[0]];
  const timeSearches = (stop: () => boolean) =>
    o.searchRate === null ? searchBackToBack(o, stop) : searchAtRate(o, o.searchRate, stop);
  const idleCpu = new CpuShareMeter(o.pids);
  const idleFrom = performance.now();
  const idleUntil = idleFrom + o.idleSeconds * 1000;
  idleCpu.start();
  const idle = (await timeSearches(() => performance.now() >= idleUntil)).map(([, ms]) => ms);
  const idleSeconds = (performance.now() - idleFrom) / 1000;
  const cpuWithoutMove = idleCpu.stop();

  const migrateCpu = new CpuShareMeter(o.pids);
  let cpuDuringMigrate: CpuShares | null = null;
  let threadsBefore = new Map<string, Map<string, number>>();
  const receiverThreads: Record<string, Record<string, number>> = {};
  const receiverNice: Record<string, number | null> = {};
  let coordinator: Promise<string | null> = Promise.resolve(null);
  let moveId: string | null = null;
  let migrateFrom = 0;
  let migrateTo = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const onRing = (ring: RingState) => {
    const now = performance.now();
    const migrating = ring.move?.stage === 'migrate-identities';
    if (migrating && migrateFrom === 0) {
      migrateFrom = now;
      moveId = ring.move!.id;
      migrateCpu.start();
      threadsBefore = new Map(o.receivers.map((r) => [r, threadCpuSeconds(o.pids().get(r) ?? -1)]));
      loads.push(loadavg()[0]);
      coordinator = o.metadata.readDoc<{ holder: string }>('lease.coordinator').then(
        (doc) => doc?.value.holder ?? null,
        () => null,
      );
      o.onMigrateStart?.();
    }
    if (migrateFrom !== 0 && migrateTo === 0 && (!migrating || ring.move?.id !== moveId)) {
      migrateTo = now;
      cpuDuringMigrate = migrateCpu.stop();
      const seconds = (migrateTo - migrateFrom) / 1000;
      for (const [receiver, before] of threadsBefore) {
        receiverThreads[receiver] = threadCores(before, threadCpuSeconds(o.pids().get(receiver) ?? -1), seconds);
        receiverNice[receiver] = mainThreadNice(o.pids().get(receiver) ?? -1);
      }
      loads.push(loadavg()[0]);
    }
    if (migrateFrom !== 0 && o.finished(ring)) finish();
  };
  const stopWatch = await o.metadata.watchRing(onRing);
  try {
    const t0 = performance.now();
    await o.begin();
    let over = false;
    void finished.then(() => (over = true));
    const samples = await timeSearches(() => over || migrateTo !== 0);
    await finished;
    const end = performance.now();
    if (migrateTo === 0) migrateTo = end;
    cpuDuringMigrate ??= migrateCpu.stop();
    const inMigrate = samples.filter(([t]) => t >= migrateFrom && t < migrateTo);
    return {
      idle,
      during: inMigrate.map(([, ms]) => ms),
      idleSeconds,
      duringStartSeconds: inMigrate.map(([t]) => (t - migrateFrom) / 1000),
      migrateSeconds: (migrateTo - migrateFrom) / 1000,
      wholeSeconds: (end - t0) / 1000,
      cpuWithoutMove,
      cpuDuringMigrate,
      receiverThreads,
      receiverNice,
      coordinator: await coordinator,
      loads,
    };
  } finally {
    stopWatch();
  }
}

/** One search at a time until `stop()`; each sample is [start time, latency ms]. */
export async function searchBackToBack(o: SearchLoadTarget, stop: () => boolean): Promise<[number, number][]> {
  const samples: [number, number][] = [];
  for (let n = 0; !stop(); n++) {
    const t = performance.now();
    await o.client.search(o.collection, o.probe(n), 10);
    samples.push([t, performance.now() - t]);
  }
  return samples;
}

/**
 * A search every 1/rate s (on a fixed schedule: a late timer does not shift the ones after it)
 * until `stop()`, without waiting for answers; each sample is [send time, latency ms], in send
 * order. The first failed search fails the window, once every search sent has settled.
 */
export async function searchAtRate(o: SearchLoadTarget, rate: number, stop: () => boolean): Promise<[number, number][]> {
  const samples: [number, number][] = [];
  const inFlight: Promise<void>[] = [];
  let failure: unknown = null;
  const start = performance.now();
  for (let n = 0; ; n++) {
    const wait = start + (n * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    if (stop()) break;
    const t = performance.now();
    const sample: [number, number] = [t, Number.NaN];
    samples.push(sample);
    inFlight.push(
      o.client.search(o.collection, o.probe(n), 10).then(
        () => void (sample[1] = performance.now() - t),
        (error: unknown) => void (failure ??= error),
      ),
    );
  }
  await Promise.all(inFlight);
  if (failure !== null) throw failure;
  return samples;
}
