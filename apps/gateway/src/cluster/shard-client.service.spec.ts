import { describe, expect, it } from 'vitest';
import type { Heartbeat } from '@faceshard/messaging';
import type { GatewayConfig } from '../config/gateway-config';
import { ShardClient } from './shard-client.service';
import { ShardHealthService } from './shard-health.service';

/**
 * A shard that dies mid-request never answers; its writes in flight must fail as soon as the
 * gateway marks it down, not when the (much longer) write timeout ends (issue 6 item 16).
 */
function setup(answerAfterMs: number | null) {
  let beat: ((b: Heartbeat) => void) | undefined;
  const transport = {
    onHeartbeat: (listener: (b: Heartbeat) => void) => {
      beat = listener;
      return () => undefined;
    },
    request: (_shardId: string, op: string) =>
      new Promise((resolve, reject) => {
        if (answerAfterMs === null) setTimeout(() => reject(new Error('timed out')), 5_000).unref();
        else setTimeout(() => resolve({ op }), answerAfterMs);
      }),
    maxPayloadBytes: () => 1024 * 1024,
  };
  const config = { writeTimeoutMs: 5_000, searchTimeoutMs: 500, shardDownAfterMs: 120, maxAttributesBytes: 1024 } as GatewayConfig;
  const health = new ShardHealthService(transport as never, config);
  health.onModuleInit();
  const client = new ShardClient(transport as never, config, health);
  return { client, beat: () => beat?.({ shardId: 's1', sentAtMs: Date.now() }) };
}

describe('ShardClient writes to a shard that goes down in flight', () => {
  it('fail when the shard is marked down, retryably, with an unknown outcome, long before the write timeout', async () => {
    const { client, beat } = setup(null);
    beat(); // heard from once: up
    const started = performance.now();
    await expect(client.write('s1', 'delete', { collection: 'c', identityIds: ['x'] })).rejects.toMatchObject({
      code: 'SHARD_UNAVAILABLE',
      retryable: true,
      details: { shardId: 's1', outcome: 'unknown' },
    });
    expect(performance.now() - started).toBeLessThan(2_000); // the write timeout is 5 s
  });

  it('answer normally while the shard keeps beating, however long the write takes', async () => {
    const { client, beat } = setup(400);
    beat();
    const beating = setInterval(beat, 30);
    try {
      await expect(client.write('s1', 'delete', { collection: 'c', identityIds: ['x'] })).resolves.toEqual({ op: 'delete' });
    } finally {
      clearInterval(beating);
    }
  });

  it('fail at once, before sending, when the shard is already known down', async () => {
    const { client, beat } = setup(0);
    beat();
    await new Promise((r) => setTimeout(r, 200));
    await expect(client.write('s1', 'delete', { collection: 'c', identityIds: ['x'] })).rejects.toMatchObject({ code: 'SHARD_UNAVAILABLE', details: { shardId: 's1' } });
  });
});
