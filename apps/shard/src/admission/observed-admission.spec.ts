import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FaceshardError } from '@faceshard/contracts';
import { createLogger, runInRequestScope, type ShardOpRecorder } from '@faceshard/observability';
import { ObservedShardAdmission } from './observed-admission';

const limits = { searches: { maxConcurrent: 1, maxQueued: 0 }, writes: { maxConcurrent: 1, maxQueued: 1 }, retryAfterMs: 100 };

function recording() {
  const ops: [string, string][] = [];
  const rejections: [string, string][] = [];
  const recorder: ShardOpRecorder = {
    record: (op, outcome, seconds) => {
      expect(seconds).toBeGreaterThanOrEqual(0);
      ops.push([op, outcome]);
    },
    rejected: (gate, reason) => rejections.push([gate, reason]),
  };
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ level: 'debug' }, { role: 'shard' }, new Writable({ write: (c, _e, done) => (lines.push(JSON.parse(String(c))), done()) }));
  return { ops, rejections, lines, admission: new ObservedShardAdmission(limits, recorder, log) };
}

describe('ObservedShardAdmission', () => {
  it('reports each request once with its outcome, counts BUSY and DEADLINE_EXCEEDED refusals by gate, and logs a debug line in the request scope', async () => {
    const { ops, rejections, lines, admission } = recording();
    let release!: () => void;
    const running = runInRequestScope({ requestId: 'r-1' }, () => admission.run('search', undefined, () => new Promise<string>((r) => (release = () => r('hits')))));
    await expect(admission.run('searchMany', undefined, async () => 'never')).rejects.toMatchObject({ code: 'BUSY' });
    await expect(admission.run('upsert', performance.now() - 1, async () => 'late')).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    await expect(admission.run('get', undefined, async () => Promise.reject(new FaceshardError('NOT_FOUND', 'no such identity')))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    release();
    expect(await running).toBe('hits');
    expect(ops).toEqual([
      ['searchMany', 'BUSY'],
      ['upsert', 'DEADLINE_EXCEEDED'],
      ['get', 'NOT_FOUND'],
      ['search', 'ok'],
    ]);
    expect(rejections).toEqual([
      ['searches', 'busy'],
      ['writes', 'deadline'],
    ]);
    expect(lines.find((l) => l.op === 'search')).toMatchObject({ level: 'debug', msg: 'shard op', outcome: 'ok', requestId: 'r-1' });
  });

  it('logs an unexpected failure at error level, as INTERNAL', async () => {
    const { ops, lines, admission } = recording();
    await expect(admission.run('stats', undefined, async () => Promise.reject(new TypeError('bug')))).rejects.toThrow('bug');
    expect(ops).toEqual([['stats', 'INTERNAL']]);
    expect(lines.some((l) => l.level === 'error' && l.msg === 'shard op failed' && l.op === 'stats')).toBe(true);
  });

  it('records nothing when metrics are off (no recorder), and still answers', async () => {
    const admission = new ObservedShardAdmission(limits, undefined, createLogger({ level: 'silent' }, {}));
    expect(await admission.run('search', undefined, async () => 'ok')).toBe('ok');
  });
});
