/**
 * What a shard probe saw, and what Kubernetes should conclude from it.
 *
 * - `answered`: the shard answered a `stats` request over NATS: it is serving.
 * - `no-answer`: NATS is reachable but the shard did not answer in time (or nobody serves its
 *   subject): the shard process is stuck, still recovering, or not serving.
 * - `nats-unreachable`: the probe could not reach NATS at all.
 */
export type ProbeOutcome = 'answered' | 'no-answer' | 'nats-unreachable';
export type ProbeMode = 'ready' | 'live';

/**
 * Readiness wants a serving shard. Liveness only fails when the shard itself is at fault:
 * with NATS down every shard would "fail", and restarting them all would only add WAL replays
 * to an outage they did not cause.
 */
export function probeExitCode(mode: ProbeMode, outcome: ProbeOutcome): 0 | 1 {
  if (outcome === 'answered') return 0;
  if (mode === 'live' && outcome === 'nats-unreachable') return 0;
  return 1;
}
