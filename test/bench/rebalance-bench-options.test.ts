import { describe, expect, it } from 'vitest';
import { parseRebalanceBenchOptions } from '../../bench/rebalance/options';

describe('bench:rebalance options', () => {
  it('defaults to the 100k join with the shards\' own caps', () => {
    expect(parseRebalanceBenchOptions([])).toEqual({
      count: 100_000,
      dim: 128,
      idleSeconds: 20,
      profileSeconds: 0,
      leave: false,
      searchRate: null,
      leaver: 's2',
      maxIdsPerSecond: undefined,
      maxTimeShare: undefined,
      chunkEntries: undefined,
      chunksInFlight: undefined,
      receiverNice: undefined,
    });
  });

  it('reads every option it documents', () => {
    const options = parseRebalanceBenchOptions(
      ['--count', '1000000', '--dim', '64', '--idle-seconds', '5', '--leave', '--drain', 's0', '--max-ids-per-sec', '0',
        '--max-time-share', '0.5', '--chunk-ids', '128', '--chunks-in-flight', '4', '--receiver-nice', '10', '--search-rate', '250'],
    );
    expect(options).toEqual({
      count: 1_000_000, dim: 64, idleSeconds: 5, profileSeconds: 0, leave: true, searchRate: 250, leaver: 's0',
      maxIdsPerSecond: 0, maxTimeShare: 0.5, chunkEntries: 128, chunksInFlight: 4, receiverNice: 10,
    });
  });

  it('answers help instead of running', () => {
    expect(parseRebalanceBenchOptions(['--help'])).toBe('help');
    expect(parseRebalanceBenchOptions(['--count', '5000', '--help'])).toBe('help');
  });

  it('refuses a mistyped option instead of running the default benchmark', () => {
    expect(() => parseRebalanceBenchOptions(['--cout', '1000000'])).toThrow(/cout/);
  });

  it('refuses an option without its value and a value that is not a number', () => {
    expect(() => parseRebalanceBenchOptions(['--count'])).toThrow(/count/);
    expect(() => parseRebalanceBenchOptions(['--count', '1e6x'])).toThrow(/--count takes a number/);
    expect(() => parseRebalanceBenchOptions(['--max-ids-per-sec', ''])).toThrow(/--max-ids-per-sec takes a number/);
  });

  it('keeps the rules that combine options', () => {
    expect(() => parseRebalanceBenchOptions(['--count', '2999'])).toThrow(/at least 3000/);
    expect(() => parseRebalanceBenchOptions(['--count', '3000.5'])).toThrow(/integer/);
    expect(() => parseRebalanceBenchOptions(['--leave', '--drain', 's3'])).toThrow(/s0, s1 or s2/);
    expect(() => parseRebalanceBenchOptions(['--drain', 's0'])).toThrow(/needs --leave/);
    expect(() => parseRebalanceBenchOptions(['--leave', '--profile-seconds', '10'])).toThrow(/profiles the join/);
    expect(() => parseRebalanceBenchOptions(['--search-rate', '0'])).toThrow(/search-rate must be/);
    expect(() => parseRebalanceBenchOptions(['--search-rate=-5'])).toThrow(/search-rate must be/);
  });
});
