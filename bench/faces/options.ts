import { parseArgs } from 'node:util';

/** Command-line options of `npm run bench:faces`. Pure: argv and environment in, options out (or help, or an error). */
export interface FacesBenchOptions {
  /** Synthetic identities (unit vectors) in the cluster, besides the people enrolled by photo. */
  gallery: number;
  /** LFW people enrolled by photo, each probed with another photo. */
  people: number;
  /** Never-enrolled LFW people probed. */
  strangers: number;
  /** Calls in flight for the pipeline alone (the pool's workers). */
  concurrency: number;
  /** HTTP requests in flight: one identify pass per value. */
  clients: number[];
}

export const FACES_BENCH_USAGE = `npm run bench:faces [-- options]

  --gallery N        synthetic identities in the 2-shard cluster, besides the enrolled people (default 5000)
  --people N         LFW people enrolled by photo, each probed with another photo (default 100)
  --strangers N      LFW people never enrolled, probed (default 20)
  --concurrency N    calls in flight for the pipeline alone: the pool's workers (default 2)
  --clients A,B,...  HTTP requests in flight, one identify pass per value (default 2,4)
  --help             this text
NATS_URL (default nats://127.0.0.1:4222) and FACESHARD_SHARED_DIR are read from the environment.
`;

/** The environment variables this benchmark read before it took options: refused, so none is silently ignored. */
const RETIRED_ENV = {
  FACES_BENCH_GALLERY: '--gallery',
  FACES_BENCH_PEOPLE: '--people',
  FACES_BENCH_STRANGERS: '--strangers',
  FACES_BENCH_CONCURRENCY: '--concurrency',
  FACES_BENCH_CLIENTS: '--clients',
} as const;

/**
 * Strict, as bench:rebalance's: an unknown option, a missing value or a value that is not a
 * positive integer is an error, never silently the default. The benchmark used to read its
 * settings from FACES_BENCH_* variables, where a misspelt name silently ran the defaults and
 * `--help` started the benchmark; those variables are now an error naming the option to use.
 */
export function parseFacesBenchOptions(argv: string[], env: Record<string, string | undefined> = {}): FacesBenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      gallery: { type: 'string' },
      people: { type: 'string' },
      strangers: { type: 'string' },
      concurrency: { type: 'string' },
      clients: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return 'help';
  const retired = Object.entries(RETIRED_ENV).filter(([name]) => env[name] !== undefined);
  if (retired.length > 0) {
    throw new Error(`${retired.map(([name, flag]) => `${name} is now ${flag}`).join('; ')}: unset the variable and pass the option`);
  }
  const count = (name: string, text: string | undefined, fallback: number, min: number): number => {
    if (text === undefined) return fallback;
    const value = Number(text);
    if (text.trim() === '' || !Number.isInteger(value) || value < min) throw new Error(`--${name} takes an integer of at least ${min}, not "${text}"`);
    return value;
  };
  return {
    gallery: count('gallery', values.gallery, 5000, 0),
    people: count('people', values.people, 100, 1),
    strangers: count('strangers', values.strangers, 20, 0),
    concurrency: count('concurrency', values.concurrency, 2, 1),
    clients: (values.clients ?? '2,4').split(',').map((text) => count('clients', text, 0, 1)),
  };
}
