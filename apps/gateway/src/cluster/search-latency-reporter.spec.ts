import { describe, expect, it } from 'vitest';
import type { RingState } from '@faceshard/contracts';
import type { SearchLatencyBeat } from '@faceshard/messaging';
import { RingRouting } from '@faceshard/rebalance';
import type { GatewayConfig } from '../config/gateway-config';
import { SearchLatencyReporter } from './search-latency-reporter';
import { ShardClient } from './shard-client.service';
import { ShardHealthService } from './shard-health.service';

const QUIET: RingState = { epoch: 1, members: ['s1', 's2'] };
const MOVING: RingState = { epoch: 2, members: ['s1', 's2'], move: { id: 'm', from: ['s1', 's2'], to: ['s1', 's2', 's3'], stage: 'migrate-identities', startedAt: '' } };

function setup() {
  const ring = { state: QUIET };
  const published: SearchLatencyBeat[] = [];
  const transport = {
    publishSearchLatency: (beat: SearchLatencyBeat) => published.push(beat),
    onHeartbeat: () => () => undefined,
    request: () => new Promise((resolve) => setTimeout(() => resolve({ hits: [] }), 30)),
    maxPayloadBytes: () => 1024 * 1024,
  };
  const ringService = { current: () => new RingRouting(ring.state) };
  const reporter = new SearchLatencyReporter(transport as never, ringService as never);
  return { ring, published, transport, reporter };
}

describe('SearchLatencyReporter (a move paces itself by these reports)', () => {
  it('publishes only while a move runs: the recent p99 next to the p99 of searches without a move', () => {
    const { ring, published, reporter } = setup();
    for (let i = 0; i < 200; i++) reporter.searched(2);
    reporter.publish();
    expect(published).toEqual([]); // no move: nobody to tell
    ring.state = MOVING;
    for (let i = 0; i < 100; i++) reporter.searched(9); // during the move: not part of the baseline
    reporter.publish();
    expect(published).toEqual([{ gatewayId: reporter.gatewayId, recentP99Ms: 9, recentSamples: 300, baselineP99Ms: 2, baselineSamples: 200 }]);
  });

  it("is told each shard search's time by the ShardClient, from hand-off to answer", async () => {
    const { ring, published, transport, reporter } = setup();
    const config = { searchTimeoutMs: 2_000, shardDownAfterMs: 60_000, maxAttributesBytes: 1024, searchBatch: { windowUs: 0, maxQueries: 0 } } as GatewayConfig;
    const client = new ShardClient(transport as never, config, new ShardHealthService(transport as never, config), undefined, undefined, reporter);
    await client.search('s1', { collection: 'people', generation: 1 }, [{ vector: Float32Array.of(1, 0), params: { k: 3 } }]);
    ring.state = MOVING;
    reporter.publish();
    expect(published).toHaveLength(1);
    expect(published[0]!.recentSamples).toBe(1);
    expect(published[0]!.baselineP99Ms).toBeGreaterThanOrEqual(25); // the transport answered after 30 ms
  });
});
