import { describe, expect, it } from 'vitest';
import { probeExitCode } from './probe-verdict';

describe('shard probe verdict', () => {
  it('passes both probes when the shard answered', () => {
    expect(probeExitCode('ready', 'answered')).toBe(0);
    expect(probeExitCode('live', 'answered')).toBe(0);
  });

  it('fails both probes when NATS is up but the shard does not answer', () => {
    expect(probeExitCode('ready', 'no-answer')).toBe(1);
    expect(probeExitCode('live', 'no-answer')).toBe(1);
  });

  it('takes the shard out of readiness but does not restart it when NATS itself is unreachable', () => {
    expect(probeExitCode('ready', 'nats-unreachable')).toBe(1);
    expect(probeExitCode('live', 'nats-unreachable')).toBe(0);
  });
});
