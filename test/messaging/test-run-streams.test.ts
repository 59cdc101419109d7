import { randomBytes } from 'node:crypto';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NATS_URL } from '../support/cluster-harness';
import { deleteTestRunStreams } from '../support/test-run-streams';

/** The global teardown's cleanup (test/support/global-setup.ts) on the real NATS server. */
describe('deleteTestRunStreams', () => {
  let nc: NatsConnection;
  const ours = randomBytes(3).toString('hex');
  const theirs = randomBytes(3).toString('hex');

  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
  });
  afterAll(async () => {
    await deleteTestRunStreams(await nc.jetstreamManager(), theirs);
    await nc.close();
  });

  it("removes the metadata buckets of one run's clusters and keeps another run's", async () => {
    const js = nc.jetstream();
    for (const bucket of [`faceshard_t${ours}_1_a`, `faceshard_t${ours}_compose_1_b`, `faceshard_t${theirs}_1_c`]) {
      await (await js.views.kv(bucket)).put('k', 'v');
    }
    const deleted = await deleteTestRunStreams(await nc.jetstreamManager(), ours);
    expect(deleted.sort()).toEqual([`KV_faceshard_t${ours}_1_a`, `KV_faceshard_t${ours}_compose_1_b`]);
    const left: string[] = [];
    for await (const info of (await nc.jetstreamManager()).streams.list()) left.push(info.config.name);
    expect(left).toContain(`KV_faceshard_t${theirs}_1_c`);
    expect(left.filter((n) => n.includes(`t${ours}_`))).toEqual([]);
  });
});
