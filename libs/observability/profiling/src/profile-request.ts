import { FaceshardError } from '@faceshard/contracts';

export type ProfileKind = 'cpu' | 'heap';

/** What to record: a CPU profile over `seconds`, or a heap snapshot (instant). */
export type ProfileRequest = { kind: 'cpu'; seconds: number } | { kind: 'heap' };

export const DEFAULT_MAX_PROFILE_SECONDS = 60;

/** File name ending Chrome DevTools and speedscope recognise. */
export const PROFILE_EXTENSION: Record<ProfileKind, string> = { cpu: '.cpuprofile', heap: '.heapsnapshot' };

/**
 * Validates a profile request at the edge (and again on a shard, which may be called by other
 * gateways): `seconds` is a whole number in 1..maxSeconds for CPU profiles, absent for heap
 * snapshots. Query strings arrive as strings; numbers (NATS) as numbers.
 */
export function readProfileRequest(input: { kind?: unknown; seconds?: unknown }, maxSeconds: number): ProfileRequest {
  const { kind } = input;
  if (kind !== 'cpu' && kind !== 'heap') throw new FaceshardError('VALIDATION_FAILED', `kind must be 'cpu' or 'heap', got ${JSON.stringify(kind)}`);
  if (kind === 'heap') {
    if (input.seconds !== undefined) throw new FaceshardError('VALIDATION_FAILED', 'a heap snapshot is instant: seconds is for kind=cpu only');
    return { kind };
  }
  const seconds = typeof input.seconds === 'string' && /^\d+$/.test(input.seconds) ? Number(input.seconds) : input.seconds;
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1 || seconds > maxSeconds) {
    throw new FaceshardError('VALIDATION_FAILED', `seconds must be a whole number in 1..${maxSeconds}, got ${JSON.stringify(input.seconds)}`, { max: maxSeconds });
  }
  return { kind, seconds };
}

/** e.g. faceshard-shard-a-20261127T111500Z.cpuprofile: names what and when, safe in a header. */
export function profileFileName(target: string, kind: ProfileKind, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `faceshard-${target.replace(/[^A-Za-z0-9_.-]/g, '_')}-${stamp}${PROFILE_EXTENSION[kind]}`;
}
