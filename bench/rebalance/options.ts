import { parseArgs } from 'node:util';

/** Command-line options of `npm run bench:rebalance`. Pure: argv in, options out (or help, or an error). */
export interface RebalanceBenchOptions {
  count: number;
  dim: number;
  /** Seconds of searches without a move, once the shards are quiet. */
  idleSeconds: number;
  /** > 0: profile the sources and the joiner for that many seconds of the join (no leave then). */
  profileSeconds: number;
  leave: boolean;
  /** null: one client searching back to back (closed loop); a number: searches per second sent on a fixed schedule (open loop). */
  searchRate: number | null;
  /** Who leaves with --leave: s2 (the joiner, the default) or an original member. */
  leaver: 's0' | 's1' | 's2';
  /** Flow-control caps; undefined = the shards' own default (the report says which ran). */
  maxIdsPerSecond?: number;
  maxTimeShare?: number;
  chunkEntries?: number;
  chunksInFlight?: number;
  receiverNice?: number;
}

export const REBALANCE_BENCH_USAGE = `npm run bench:rebalance [-- options]       (no options: the join of 100k identities; add --leave for the leave)

  --count N               identities in the 2-shard cluster before the join (default 100000, at least 3000)
  --dim N                 vector dimension (default 128)
  --idle-seconds S        searches without a move, once the shards are quiet (default 20)
  --leave                 after the join, drain a member (3 -> 2) and measure that move too
  --drain s0|s1|s2        the member --leave drains (default s2, the joiner)
  --profile-seconds S     CPU-profile the join for S seconds (not with --leave)
  --search-rate R         searches sent at R per second whether or not earlier ones returned (an open
                          loop); default: one client searching back to back (a closed loop)
  --max-ids-per-sec N     REBALANCE_MAX_IDS_PER_SEC of the shards (0 = uncapped)
  --max-time-share F      REBALANCE_MAX_TIME_SHARE of the shards (0..1]
  --chunk-ids N           REBALANCE_CHUNK_IDS of the shards
  --chunks-in-flight N    REBALANCE_CHUNKS_IN_FLIGHT of the shards
  --receiver-nice N       REBALANCE_RECEIVER_NICE of the shards (0..19)
  --help                  this text
`;

const NUMBERS = ['count', 'dim', 'idle-seconds', 'profile-seconds', 'search-rate', 'max-ids-per-sec', 'max-time-share', 'chunk-ids', 'chunks-in-flight', 'receiver-nice'] as const;

/**
 * Strict: an unknown option, a missing value or a value that is not a number is an error, never
 * silently the default (a mistyped `--cout 1000000` used to run the 100k benchmark for minutes).
 */
export function parseRebalanceBenchOptions(argv: string[]): RebalanceBenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      ...Object.fromEntries(NUMBERS.map((name) => [name, { type: 'string' as const }])),
      leave: { type: 'boolean' },
      drain: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return 'help';
  const given = values as Record<string, string | boolean | undefined>;
  const number = (name: (typeof NUMBERS)[number]): number | undefined => {
    const text = given[name] as string | undefined;
    if (text === undefined) return undefined;
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value)) throw new Error(`--${name} takes a number, not "${text}"`);
    return value;
  };
  const count = number('count') ?? 100_000;
  if (!Number.isInteger(count) || count < 3000) throw new Error('--count must be an integer of at least 3000');
  const drain = (values.drain as string | undefined) ?? 's2';
  if (drain !== 's0' && drain !== 's1' && drain !== 's2') throw new Error('--drain takes s0, s1 or s2');
  if (values.drain !== undefined && !values.leave) throw new Error('--drain names who leaves: it needs --leave');
  const profileSeconds = number('profile-seconds') ?? 0;
  if (profileSeconds > 0 && values.leave) throw new Error('--profile-seconds profiles the join (s2 stops without leaving): run --leave without it');
  const searchRate = number('search-rate') ?? null;
  if (searchRate !== null && !(searchRate > 0 && searchRate <= 10_000)) throw new Error('--search-rate must be in (0, 10000] searches per second');
  return {
    count,
    dim: number('dim') ?? 128,
    idleSeconds: number('idle-seconds') ?? 20,
    profileSeconds,
    leave: values.leave === true,
    searchRate,
    leaver: drain,
    maxIdsPerSecond: number('max-ids-per-sec'),
    maxTimeShare: number('max-time-share'),
    chunkEntries: number('chunk-ids'),
    chunksInFlight: number('chunks-in-flight'),
    receiverNice: number('receiver-nice'),
  };
}
