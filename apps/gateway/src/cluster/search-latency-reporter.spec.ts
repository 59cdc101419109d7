import Fastify, { type FastifyReply } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { RingState } from '@faceshard/contracts';
import type { SearchLatencyBeat } from '@faceshard/messaging';
import { RingRouting } from '@faceshard/rebalance';
import { SearchLatencyReporter, observeSearchRequests } from './search-latency-reporter';

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

  it('is told the time of every successful vector search request, and of nothing else', async () => {
    const { ring, published, reporter } = setup();
    const fastify = Fastify();
    observeSearchRequests(fastify, reporter);
    const slowly = (status: number) => async (_request: unknown, reply: FastifyReply) => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return reply.code(status).send({});
    };
    fastify.post('/v1/collections/:collection/search', slowly(200));
    fastify.post('/v1/collections/:collection/identify', slowly(200));
    fastify.post('/v1/collections/:collection/identities', slowly(200));
    try {
      await fastify.inject({ method: 'POST', url: '/v1/collections/people/search', payload: {} });
      await fastify.inject({ method: 'POST', url: '/v1/collections/people/identify', payload: {} });
      await fastify.inject({ method: 'POST', url: '/v1/collections/people/identities', payload: {} });
      ring.state = MOVING;
      reporter.publish();
      expect(published).toHaveLength(1);
      expect(published[0]!.recentSamples).toBe(1);
      expect(published[0]!.baselineP99Ms).toBeGreaterThanOrEqual(25); // the route answered after 30 ms
    } finally {
      await fastify.close();
    }
  });
});
