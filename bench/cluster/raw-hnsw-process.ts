/**
 * The raw hnswlib baseline in a process of its own (forked by raw-alongside.ts): it makes the same
 * vectors from the same seed, builds while the parent fills the cluster, reports its build and
 * memory (its own resident set: nothing else lives in this process), then waits for the ground
 * truth and runs its ef ladder when the parent says the machine is free.
 */
import type { TopK } from '../data/exact-search';
import { makeBenchDataset, type BenchDatasetOptions } from './bench-dataset';
import { buildRawIndex, type RawSearchParams } from './raw-hnsw-bench';

export type ToRawProcess =
  | { type: 'build'; dataset: BenchDatasetOptions; m: number; efConstruction: number }
  | ({ type: 'search'; truth: TopK } & Omit<RawSearchParams, 'truth'>);

export type FromRawProcess =
  | { type: 'log'; line: string }
  | { type: 'built'; buildSeconds: number }
  | { type: 'result'; result: ReturnType<ReturnType<typeof buildRawIndex>['search']> }
  | { type: 'failed'; message: string };

const send = (message: FromRawProcess): void => {
  process.send?.(message);
};

function main(): void {
  if (!process.send) throw new Error('raw-hnsw-process runs forked from the benchmark (it talks over IPC)');
  let built: ReturnType<typeof buildRawIndex> | null = null;
  process.on('message', (message: ToRawProcess) => {
    try {
      if (message.type === 'build') {
        const data = makeBenchDataset(message.dataset);
        built = buildRawIndex({ data, m: message.m, efConstruction: message.efConstruction, log: (line) => send({ type: 'log', line }) });
        send({ type: 'built', buildSeconds: built.buildSeconds });
      } else if (message.type === 'search') {
        if (!built) throw new Error('search before build');
        const { type: _type, ...params } = message;
        const result = built.search(params);
        process.send!({ type: 'result', result } satisfies FromRawProcess, () => process.exit(0));
      }
    } catch (err) {
      process.send!({ type: 'failed', message: String((err as Error)?.stack ?? err) } satisfies FromRawProcess, () => process.exit(1));
    }
  });
  // The parent gone: nothing left to do.
  process.on('disconnect', () => process.exit(0));
}

main();
