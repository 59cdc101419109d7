import { describe, expect, it } from 'vitest';
import type { ShardStatus } from '@faceshard/contracts';
import { ReadinessService } from './readiness.service';

function readiness(opts: { watching: boolean; members: string[]; statuses: Record<string, Omit<ShardStatus, 'shardId'>> }) {
  const ring = { isWatching: () => opts.watching, current: () => ({ epoch: 4, members: opts.members }) };
  const health = { statuses: (ids: string[]) => ids.map((shardId) => ({ shardId, ...(opts.statuses[shardId] ?? { health: 'down', lastHeartbeatMs: null }) })) };
  return new ReadinessService(ring as never, health as never);
}

const up = { health: 'up' as const, lastHeartbeatMs: 1 };
const down = { health: 'down' as const, lastHeartbeatMs: 1 };

describe('ReadinessService', () => {
  it('is ready when the metadata is watched and every ring member has been heard, one at least up now', async () => {
    const r = await readiness({ watching: true, members: ['a', 'b'], statuses: { a: up, b: down } }).evaluate();
    expect(r.ready).toBe(true);
    expect(r.checks.shards).toEqual({ ok: true, detail: '1 of 2 shard(s) up' });
  });

  it('is not ready before any shard joined, before every member was heard, when none is up, or without the metadata watch', async () => {
    const cases = [
      readiness({ watching: true, members: [], statuses: {} }),
      readiness({ watching: true, members: ['a', 'b'], statuses: { a: up } }),
      readiness({ watching: true, members: ['a'], statuses: { a: down } }),
      readiness({ watching: false, members: ['a'], statuses: { a: up } }),
    ];
    const results = await Promise.all(cases.map((c) => c.evaluate()));
    expect(results.map((r) => r.ready)).toEqual([false, false, false, false]);
    expect(results[1].checks.shards.detail).toMatch(/no heartbeat yet from b/);
    expect(results[3].checks.metadata.ok).toBe(false);
  });

  it('takes registered conditions into account (e.g. the face models), a throwing one as not ready', async () => {
    const service = readiness({ watching: true, members: ['a'], statuses: { a: up } });
    let loaded = false;
    service.register('models', () => ({ ok: loaded, detail: loaded ? 'loaded' : 'loading' }));
    expect((await service.evaluate()).ready).toBe(false);
    loaded = true;
    expect(await service.evaluate()).toMatchObject({ ready: true, checks: { models: { ok: true } } });
    service.register('broken', async () => Promise.reject(new Error('no GPU')));
    expect(await service.evaluate()).toMatchObject({ ready: false, checks: { broken: { ok: false, detail: 'check failed: no GPU' } } });
  });
});
