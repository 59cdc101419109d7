import { describe, expect, it } from 'vitest';
import { parseFacesBenchOptions } from '../../bench/faces/options';

describe('bench:faces options', () => {
  it('defaults to 5,000 synthetic identities, 100 people, 20 strangers, 2 in flight, 2 and 4 HTTP clients', () => {
    expect(parseFacesBenchOptions([])).toEqual({ gallery: 5000, people: 100, strangers: 20, concurrency: 2, clients: [2, 4] });
  });

  it('reads every option it documents', () => {
    expect(parseFacesBenchOptions(['--gallery', '0', '--people', '10', '--strangers', '0', '--concurrency', '1', '--clients', '1,2,8'])).toEqual({
      gallery: 0,
      people: 10,
      strangers: 0,
      concurrency: 1,
      clients: [1, 2, 8],
    });
  });

  it('answers help instead of running', () => {
    expect(parseFacesBenchOptions(['--help'])).toBe('help');
    expect(parseFacesBenchOptions(['--people', '5', '--help'])).toBe('help');
  });

  it('refuses a mistyped option, a missing value, a non-integer and a client count of 0', () => {
    expect(() => parseFacesBenchOptions(['--peeople', '5'])).toThrow(/peeople/);
    expect(() => parseFacesBenchOptions(['--people'])).toThrow(/people/);
    expect(() => parseFacesBenchOptions(['--people', 'ten'])).toThrow(/--people takes an integer/);
    expect(() => parseFacesBenchOptions(['--people', '2.5'])).toThrow(/--people takes an integer/);
    expect(() => parseFacesBenchOptions(['--clients', '2,,4'])).toThrow(/--clients takes an integer/);
    expect(() => parseFacesBenchOptions(['--clients', '0'])).toThrow(/--clients takes an integer of at least 1/);
  });

  it('refuses the FACES_BENCH_* variables it used to read, naming the option to use instead', () => {
    expect(() => parseFacesBenchOptions([], { FACES_BENCH_PEOPLE: '50', FACES_BENCH_CLIENTS: '4' })).toThrow(
      'FACES_BENCH_PEOPLE is now --people; FACES_BENCH_CLIENTS is now --clients',
    );
    expect(parseFacesBenchOptions([], { NATS_URL: 'nats://127.0.0.1:4222' })).toEqual(parseFacesBenchOptions([]));
  });
});
