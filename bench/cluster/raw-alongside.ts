/**
 * Big runs: the raw hnswlib baseline is built in a child process WHILE the cluster is being
 * filled (a 1M-vector single-thread build alone takes tens of minutes here), and searched only
 * when the parent asks, i.e. when no cluster is inserting. Its build rate is then measured on a
 * busier machine than a sequential run's, and the report says so. While the cluster is searched
 * the build is paused (SIGSTOP, then SIGCONT): the cluster's timed passes must not share the two
 * cores with it; the paused time is left out of the build's seconds.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './deployments';
import type { TopK } from '../data/exact-search';
import type { BenchDatasetOptions } from './bench-dataset';
import type { FromRawProcess, RawBuildReport, ToRawProcess } from './raw-hnsw-process';
import type { RawSearchParams } from './raw-hnsw-bench';
import type { ConfigResult } from './report';

export interface RawAlongside {
  /** Resolves when the index is built, or when its build was stopped (complete: false). */
  built: Promise<RawBuildReport>;
  /** Ends the build early; `built` then resolves with what was inserted. */
  stop(): void;
  /** Freezes the child (SIGSTOP) until resume(): it takes no CPU meanwhile. No-op once it has exited. */
  pause(): void;
  resume(): void;
  /** Runs the ladder and the timed pass in the child; the child exits afterwards. */
  search(truth: TopK, params: Omit<RawSearchParams, 'truth'>): Promise<Omit<ConfigResult, 'loadAverage1m'>>;
  kill(): void;
  /** The child's process id. */
  pid: number;
}

export function startRawAlongside(dataset: BenchDatasetOptions, m: number, efConstruction: number, log: (line: string) => void): RawAlongside {
  // Next to this file once compiled; from the TypeScript sources (tests), the compiled one in dist/.
  const beside = join(__dirname, 'raw-hnsw-process.js');
  const script = existsSync(beside) ? beside : join(repoRoot(), 'dist', 'bench', 'cluster', 'raw-hnsw-process.js');
  const child: ChildProcess = fork(script, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const killNow = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killNow);
  // When the child was frozen (wall clock, ms): the part of it inside its build is left out of its
  // build time (which the child measures on the wall clock). A pause before the first insert (the
  // child still making the vectors) is not build time and is not taken out.
  const pauses: PauseSpan[] = [];
  let buildStartedAtMs = Number.POSITIVE_INFINITY;
  let buildEndedAtMs = Number.POSITIVE_INFINITY;
  const pausedInBuild = (): number => pausedSecondsWithin(pauses, buildStartedAtMs, Math.min(buildEndedAtMs, Date.now()));
  let onResult: ((r: Omit<ConfigResult, 'loadAverage1m'>) => void) | null = null;
  let onFailure: (err: Error) => void = () => undefined;
  const built = new Promise<RawBuildReport>((resolve, reject) => {
    onFailure = reject;
    child.on('message', (message: FromRawProcess) => {
      if (message.type === 'log') log(message.line);
      else if (message.type === 'built') {
        const { type: _type, ...report } = message;
        buildStartedAtMs = report.buildStartedAtMs;
        const paused = pausedInBuild();
        buildEndedAtMs = Date.now();
        resolve({ ...report, buildSeconds: report.buildSeconds - paused });
      } else if (message.type === 'result') onResult?.(withoutPause(message.result, pausedInBuild()));
      else if (message.type === 'failed') onFailure(new Error(`raw baseline process failed: ${message.message}`));
    });
    child.once('exit', (code, signal) => {
      if (code !== 0) onFailure(new Error(`raw baseline process exited (code ${code}, signal ${signal})`));
    });
  });
  built.catch(() => undefined); // observed by the caller
  child.send({ type: 'build', dataset, m, efConstruction } satisfies ToRawProcess);
  return {
    built,
    search: (truth, params) =>
      new Promise((resolve, reject) => {
        onResult = resolve;
        onFailure = reject;
        child.send({ type: 'search', truth, ...params } satisfies ToRawProcess);
      }),
    stop: () => {
      if (child.connected) child.send({ type: 'stop' } satisfies ToRawProcess);
    },
    pause: () => {
      const open = pauses.at(-1)?.toMs === null;
      if (open || child.exitCode !== null || child.signalCode !== null) return;
      if (child.kill('SIGSTOP')) pauses.push({ fromMs: Date.now(), toMs: null });
    },
    resume: () => {
      const last = pauses.at(-1);
      if (!last || last.toMs !== null) return;
      last.toMs = Date.now();
      child.kill('SIGCONT');
    },
    kill: killNow,
    pid: child.pid ?? NaN,
  };
}

/** A time the child was frozen; toMs null while it still is. */
export interface PauseSpan {
  fromMs: number;
  toMs: number | null;
}

/** Seconds of the pauses that fall inside [fromMs, toMs] (a pause still open counts up to toMs). Pure. */
export function pausedSecondsWithin(pauses: readonly PauseSpan[], fromMs: number, toMs: number): number {
  let ms = 0;
  for (const pause of pauses) ms += Math.max(0, Math.min(pause.toMs ?? toMs, toMs) - Math.max(pause.fromMs, fromMs));
  return ms / 1000;
}

/** The child's result with the time it was frozen taken out of its build time. Pure. */
export function withoutPause(result: Omit<ConfigResult, 'loadAverage1m'>, pausedSeconds: number): Omit<ConfigResult, 'loadAverage1m'> {
  if (pausedSeconds <= 0) return result;
  const seconds = result.insert.seconds - pausedSeconds;
  return {
    ...result,
    insert: { ...result.insert, seconds, identitiesPerSecond: result.insert.identities / seconds },
    notes: [...result.notes, `build paused ${Math.round(pausedSeconds)} s while the cluster was searched (not counted in its build time)`],
  };
}
