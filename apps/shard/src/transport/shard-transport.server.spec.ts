import { afterEach, describe, expect, it } from 'vitest';
import { FaceshardError, type ShardRequest } from '@faceshard/contracts';
import { InProcessShardTransport } from '@faceshard/messaging';
import { ShardAdmission } from '../admission/shard-admission';
import { ShardTransportServer } from './shard-transport.server';

const searchReq = (k: number): ShardRequest<'search'> => ({ collection: 'c', vector: new Float32Array([1, 0]), k });
const limits = (searches: { maxConcurrent: number; maxQueued: number }) => ({ searches, writes: { maxConcurrent: 4, maxQueued: 4 }, retryAfterMs: 250 });

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (err) {
    return err instanceof FaceshardError ? err.code : `not a FaceshardError: ${String(err)}`;
  }
}

describe('ShardTransportServer direct dispatch', () => {
  let server: ShardTransportServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function serve(handlers: Parameters<ShardTransportServer['answerDirectly']>[0], searches = { maxConcurrent: 2, maxQueued: 8 }) {
    const transport = new InProcessShardTransport();
    server = new ShardTransportServer(transport, 's0', new ShardAdmission(limits(searches)));
    server.answerDirectly(handlers);
    await new Promise<void>((resolve, reject) => void server!.listen((err?: unknown) => (err ? reject(err) : resolve())));
    return transport;
  }

  it('answers search from the direct handler with the decoded request, and leaves other ops to Nest', async () => {
    const seen: unknown[] = [];
    const transport = await serve({ search: (req) => (seen.push(req), { hits: [{ identityId: 'a', faceId: 'f', score: 0.5 }] }) });
    const reply = await transport.request('s0', 'search', searchReq(3), { timeoutMs: 5_000 });
    expect(reply).toEqual({ hits: [{ identityId: 'a', faceId: 'f', score: 0.5 }] });
    expect(seen).toHaveLength(1);
    expect((seen[0] as ShardRequest<'search'>).vector).toBeInstanceOf(Float32Array);
    // No @MessagePattern is registered on this bare server: a control op finds no handler.
    expect(await codeOf(transport.request('s0', 'stats', {} as never, { timeoutMs: 5_000 }))).toBe('INTERNAL');
  });

  it('sends a handler error back with its code', async () => {
    const transport = await serve({
      search: () => {
        throw new FaceshardError('INVALID_VECTOR', 'bad query');
      },
    });
    expect(await codeOf(transport.request('s0', 'search', searchReq(3), { timeoutMs: 5_000 }))).toBe('INVALID_VECTOR');
  });

  it('keeps admission control: a search beyond the running and queued limits is refused with BUSY', async () => {
    let release!: () => void;
    const held = new Promise<{ hits: never[] }>((resolve) => (release = () => resolve({ hits: [] })));
    const transport = await serve({ searchMany: () => held }, { maxConcurrent: 1, maxQueued: 0 });
    const req: ShardRequest<'searchMany'> = { collection: 'c', vectors: [new Float32Array([1, 0])], k: 1 };
    const first = transport.request('s0', 'searchMany', req, { timeoutMs: 5_000 });
    await new Promise((r) => setTimeout(r, 20));
    expect(await codeOf(transport.request('s0', 'searchMany', req, { timeoutMs: 5_000 }))).toBe('BUSY');
    release();
    await expect(first).resolves.toEqual({ hits: [] });
  });
});
