import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A tag for this `vitest run`, shared by every worker (test/support/global-setup.ts). */
    testRun: string;
  }
}

/**
 * A cluster name no other test, and no other run, uses: `t<run>_<pid>_<random>`. The run tag lets
 * the global teardown delete exactly this run's metadata buckets on the shared NATS server (and
 * nothing of a run going on beside it); the pid and random part keep files and workers apart.
 * Outside a run with the global setup (a file run by hand with another config) the tag is `x`.
 */
export function testClusterName(label = ''): string {
  const run = safeInject() ?? 'x';
  return `t${run}_${label ? `${label}_` : ''}${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
}

/** The prefix of every JetStream stream the clusters of one run create (a KV bucket `faceshard_<cluster>`). */
export function testRunStreamPrefix(run: string): string {
  return `KV_faceshard_t${run}_`;
}

function safeInject(): string | undefined {
  try {
    return inject('testRun');
  } catch {
    return undefined;
  }
}
