import { describe, expect, it } from 'vitest';
import type { RingState } from '@faceshard/contracts';
import type { SearchLatencyBeat } from '@faceshard/messaging';
import { RingRouting } from '@faceshard/rebalance';
import type { GatewayConfig } from '../config/gateway-config';
import { SearchLatencyReporter } from './search-latency-reporter';
import { SearchService } from '../search/search.service';

const QUIET: RingState = { epoch: 1, members: ['s1', 's2'] };
const MOVING: RingState = { epoch: 2, members: ['s1', 's2'], move: { id: 'm', from: ['s1', 's2'], to: ['s1', 's2', 's3'], stage: 'migrate-identities', startedAt: '' } };

function setup() {
  const ring = { state: QUIET };
  const published: SearchLatencyBeat[] = [];
  const transport = {
    publishSearchLatency: (beat: SearchLatencyBeat) => published.push(beat),
  };
  const ringService = { current: () => new RingRouting(ring.state) };
  const reporter = new SearchLatencyReporter(transport as never, ringService as never);
  return { ring, published, reporter };
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

  it('is told the time of every search the SearchService answers', async () => {
    const { ring, published, reporter } = setup();
    const collection = { name: 'people', dimension: 2, metric: 'cosine' };
    const shards = { maxHitsPerReply: () => 100, search: () => new Promise((resolve) => setTimeout(() => resolve([{ hits: [] }]), 30)) };
    const ringService = { current: () => new RingRouting(ring.state) };
    const search = new SearchService({ maxK: 100 } as GatewayConfig, { require: async () => collection } as never, ringService as never, shards as never, {} as never, undefined, reporter);
    await search.search('people', { vector: [1, 0], k: 3 });
    await search.searchMany(collection as never, [Float32Array.of(1, 0)], { k: 3 });
    ring.state = MOVING;
    reporter.publish();
    expect(published).toHaveLength(1);
    expect(published[0]!.recentSamples).toBe(2);
    expect(published[0]!.baselineP99Ms).toBeGreaterThanOrEqual(25); // each shard answered after 30 ms
  });
});
