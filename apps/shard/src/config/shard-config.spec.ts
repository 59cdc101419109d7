import { describe, expect, it } from 'vitest';
import { DEFAULT_MOVE_OPTIONS } from '../rebalance/move-coordinator';
import { readShardConfig } from './shard-config';

describe('readShardConfig: move flow control', () => {
  it('takes REBALANCE_MAX_IDS_PER_SEC=0 as "no rate cap", as documented', () => {
    expect(readShardConfig({ REBALANCE_MAX_IDS_PER_SEC: '0' }).moves.maxIdsPerSecond).toBe(0);
    expect(readShardConfig({ REBALANCE_MAX_IDS_PER_SEC: '500' }).moves.maxIdsPerSecond).toBe(500);
  });

  it('caps each source at 2,000 identities per second when REBALANCE_MAX_IDS_PER_SEC is unset (the measured 2-core choice)', () => {
    expect(readShardConfig({}).moves.maxIdsPerSecond).toBe(2000);
  });

  it('refuses a rate cap that is not a whole number', () => {
    expect(() => readShardConfig({ REBALANCE_MAX_IDS_PER_SEC: '-1' })).toThrow();
    expect(() => readShardConfig({ REBALANCE_MAX_IDS_PER_SEC: 'fast' })).toThrow();
  });

  it('reads the chunks in flight per source, default 2', () => {
    expect(readShardConfig({}).moves.chunksInFlight).toBe(DEFAULT_MOVE_OPTIONS.chunksInFlight);
    expect(readShardConfig({ REBALANCE_CHUNKS_IN_FLIGHT: '1' }).moves.chunksInFlight).toBe(1);
    expect(() => readShardConfig({ REBALANCE_CHUNKS_IN_FLIGHT: '0' })).toThrow();
  });

  it('reads the receiver nice steps, 0-19, off (0) unless set', () => {
    expect(readShardConfig({}).receiverNice).toBe(0);
    expect(readShardConfig({ REBALANCE_RECEIVER_NICE: '10' }).receiverNice).toBe(10);
    for (const bad of ['-1', '20', '2.5', 'low']) expect(() => readShardConfig({ REBALANCE_RECEIVER_NICE: bad }), bad).toThrow(/REBALANCE_RECEIVER_NICE/);
  });
});
