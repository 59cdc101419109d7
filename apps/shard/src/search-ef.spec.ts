import { describe, expect, it } from 'vitest';
import { FaceshardError } from '@faceshard/contracts';
import { shardEf } from '@faceshard/query';
import { searchEfOfShard } from './search-ef';

describe('searchEfOfShard', () => {
  it('scales the requested ef by the number of shards the ring spreads the collection over', () => {
    expect(searchEfOfShard(256, 128, 4)).toBe(shardEf(256, 4));
    expect(searchEfOfShard(256, 128, 4)).toBeLessThan(256);
  });

  it('scales the configured default the same way when the request names no ef', () => {
    expect(searchEfOfShard(undefined, 128, 2)).toBe(shardEf(128, 2));
  });

  it('a lone shard, or one that has not seen a ring yet, searches with the ef asked for', () => {
    expect(searchEfOfShard(300, 128, 1)).toBe(300);
    expect(searchEfOfShard(300, 128, 0)).toBe(300);
  });

  it('refuses an ef that is not a positive integer with VALIDATION_FAILED', () => {
    for (const bad of [0, -5, 2.5, Number.NaN]) {
      expect(() => searchEfOfShard(bad, 128, 2)).toThrow(FaceshardError);
      expect(() => searchEfOfShard(bad, 128, 2)).toThrow(/ef must be a positive integer/);
    }
  });
});
