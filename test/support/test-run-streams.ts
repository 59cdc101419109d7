import type { JetStreamManager } from 'nats';
import { testRunStreamPrefix } from './test-run';

/** Deletes the JetStream streams (the clusters' metadata buckets) one test run created; returns their names. */
export async function deleteTestRunStreams(jsm: JetStreamManager, run: string): Promise<string[]> {
  const prefix = testRunStreamPrefix(run);
  const doomed: string[] = [];
  for await (const info of jsm.streams.list()) {
    if (info.config.name.startsWith(prefix)) doomed.push(info.config.name);
  }
  for (const name of doomed) await jsm.streams.delete(name);
  return doomed;
}
