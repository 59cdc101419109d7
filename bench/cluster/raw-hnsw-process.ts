/**
 * The raw hnswlib baseline in a process of its own (forked by raw-alongside.ts): it makes the same
 * vectors from the same seed, builds while the parent fills the cluster, reports its build and
 * memory (its own resident set: nothing else lives in this process), then waits for the ground
 * truth and runs its ef ladder when the parent says the machine is free. A `stop` message ends
 * the build early (the run is out of time): memory is then reported for what was inserted.
 */
import type { TopK } from '../data/exact-search';
import { makeBenchDataset, type BenchDatasetOptions } from './bench-dataset';
import { buildRawIndex, type RawBuilt, type RawSearchParams } from './raw-hnsw-bench';
import type { MemoryFigures } from './report';

export type ToRawProcess =
  | { type: 'build'; dataset: BenchDatasetOptions; m: number; efConstruction: number }
  | { type: 'stop' }
  | ({ type: 'search'; truth: TopK } & Omit<RawSearchParams, 'truth'>);

export interface RawBuildReport {
  buildSeconds: number;
  buildStartedAtMs: number;
  identitiesInserted: number;
  complete: boolean;
  memory: MemoryFigures;
}

export type FromRawProcess =
  | { type: 'log'; line: string }
  | ({ type: 'built' } & RawBuildReport)
  | { type: 'result'; result: ReturnType<RawBuilt['search']> }
  | { type: 'failed'; message: string };

const send = (message: FromRawProcess): void => {
  process.send?.(message);
};

function main(): void {
  if (!process.send) throw new Error('raw-hnsw-process runs forked from the benchmark (it talks over IPC)');
  let built: RawBuilt | null = null;
  let stop = false;
  const fail = (err: unknown): void => {
    process.send!({ type: 'failed', message: String((err as Error)?.stack ?? err) } satisfies FromRawProcess, () => process.exit(1));
  };
  process.on('message', (message: ToRawProcess) => {
    try {
      if (message.type === 'build') {
        const data = makeBenchDataset(message.dataset);
        buildRawIndex({ data, m: message.m, efConstruction: message.efConstruction, log: (line) => send({ type: 'log', line }), stopRequested: () => stop })
          .then((b) => {
            built = b;
            send({ type: 'built', buildSeconds: b.buildSeconds, buildStartedAtMs: b.buildStartedAtMs, identitiesInserted: b.identitiesInserted, complete: b.complete, memory: b.memory });
          })
          .catch(fail);
      } else if (message.type === 'stop') {
        stop = true;
      } else if (message.type === 'search') {
        if (!built) throw new Error('search before build');
        const { type: _type, ...params } = message;
        const result = built.search(params);
        process.send!({ type: 'result', result } satisfies FromRawProcess, () => process.exit(0));
      }
    } catch (err) {
      fail(err);
    }
  });
  // The parent gone: nothing left to do.
  process.on('disconnect', () => process.exit(0));
}

main();
