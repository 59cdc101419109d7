import { randomBytes } from 'node:crypto';
import { connect } from 'nats';
import type { TestProject } from 'vitest/node';
import { deleteTestRunStreams } from './test-run-streams';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

/**
 * Once per `vitest run`: a run tag for the test clusters' names (test-run.ts), and at the end the
 * removal of the metadata buckets those clusters left on the shared NATS server — ~20 per run,
 * kept forever otherwise. Only this run's tag is touched, so a run beside it keeps its buckets.
 */
export default function setup(project: TestProject): () => Promise<void> {
  const run = randomBytes(3).toString('hex');
  project.provide('testRun', run);
  return async () => {
    let nc;
    try {
      nc = await connect({ servers: NATS_URL, timeout: 1000 });
    } catch {
      return; // no NATS: the tests that need it have said so; nothing was left there either
    }
    try {
      await deleteTestRunStreams(await nc.jetstreamManager(), run);
    } finally {
      await nc.close();
    }
  };
}
