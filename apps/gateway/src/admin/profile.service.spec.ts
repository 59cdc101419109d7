import { describe, expect, it } from 'vitest';
import type { RingState } from '@faceshard/contracts';
import { RingRouting } from '@faceshard/rebalance';
import type { GatewayConfig } from '../config/gateway-config';
import type { RingService } from '../cluster/ring.service';
import type { ShardClient } from '../cluster/shard-client.service';
import { ProfileService } from './profile.service';

function serviceWith(ring: RingState) {
  const asked: string[] = [];
  const shards = {
    async profile(shardId: string) {
      asked.push(shardId);
      return { profileId: 'p1', bytes: 3 };
    },
  } as unknown as ShardClient;
  const ringService = { current: () => new RingRouting(ring) } as unknown as RingService;
  return { service: new ProfileService({} as GatewayConfig, ringService, shards), asked };
}

const ringWithJoiner: RingState = { epoch: 3, members: ['s1', 's2'], memberStates: [{ shardId: 's3', state: 'joining' }] };

describe('ProfileService.record', () => {
  it('profiles a joining shard (not yet in the read ring): it is the one worth watching during a move', async () => {
    const { service, asked } = serviceWith(ringWithJoiner);
    const recorded = await service.record({ kind: 'heap' }, 's3');
    expect(asked).toEqual(['s3']);
    expect(recorded.bytes).toBe(3);
  });

  it('refuses a shard the ring does not know with MEMBER_NOT_FOUND, without asking it', async () => {
    const { service, asked } = serviceWith(ringWithJoiner);
    await expect(service.record({ kind: 'heap' }, 's9')).rejects.toMatchObject({ code: 'MEMBER_NOT_FOUND' });
    expect(asked).toEqual([]);
  });
});
