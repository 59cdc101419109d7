import { describe, expect, it } from 'vitest';
import { FaceshardError } from '@faceshard/contracts';
import { answerRequest, encodeRequest, readReply } from './answer-request';
import { decode, encode } from './codec';
import { replyFor, unwrapReply } from './reply-envelope';
import type { RequestContext, ShardHandler } from './shard-transport';

const ctx = { shardId: 's1', op: 'search' };
const MB = 1024 * 1024;

function caught(fn: () => unknown): FaceshardError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FaceshardError);
    return err as FaceshardError;
  }
  throw new Error('expected a throw');
}

describe('reply envelope', () => {
  it('wraps a result as ok and unwraps it unchanged', () => {
    const reply = replyFor({ ok: true, result: { hits: [] } });
    expect(reply).toEqual({ ok: true, result: { hits: [] } });
    expect(unwrapReply(reply, ctx)).toEqual({ hits: [] });
  });

  it('carries a FaceshardError by code, message and details, re-thrown as a FaceshardError', () => {
    const original = new FaceshardError('DIMENSION_MISMATCH', 'expected 128, got 64', { expected: 128 });
    const reply = decode(encode(replyFor({ ok: false, error: original })));
    const err = caught(() => unwrapReply(reply, ctx));
    expect(err.code).toBe('DIMENSION_MISMATCH');
    expect(err.message).toBe('expected 128, got 64');
    expect(err.details).toEqual({ expected: 128 });
    expect(err.status).toBe(400);
  });

  it('turns any other error into INTERNAL, keeping its message', () => {
    const reply = replyFor({ ok: false, error: new TypeError('x is undefined') });
    expect(reply).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    const err = caught(() => unwrapReply(reply, ctx));
    expect(err.code).toBe('INTERNAL');
    expect(err.message).toContain('x is undefined');
    expect(replyFor({ ok: false, error: 'a string' })).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
  });

  it('maps an error code this gateway does not know to INTERNAL', () => {
    const err = caught(() => unwrapReply({ ok: false, error: { code: 'FROM_THE_FUTURE', message: 'm' } }, ctx));
    expect(err.code).toBe('INTERNAL');
  });

  it('rejects malformed replies as INTERNAL', () => {
    for (const bad of [null, 42, 'ok', {}, { ok: true }, { ok: false }, { ok: false, error: { code: 1 } }]) {
      expect(caught(() => unwrapReply(bad, ctx)).code).toBe('INTERNAL');
    }
    expect(caught(() => readReply(new Uint8Array([0xc1]), ctx)).code).toBe('INTERNAL');
  });
});

describe('answerRequest / encodeRequest', () => {
  const echo: ShardHandler = (async (_op: string, req: unknown) => ({ echoed: req })) as ShardHandler;

  it('runs the handler on the decoded request and encodes an ok reply', async () => {
    const vector = new Float32Array([0.25, -1]);
    const bytes = await answerRequest('search', encodeRequest({ vector, k: 3 }, ctx, MB), echo, MB);
    const result = readReply<{ echoed: { vector: Float32Array; k: number } }>(bytes, ctx);
    expect(result.echoed.k).toBe(3);
    expect(Array.from(result.echoed.vector)).toEqual([0.25, -1]);
  });

  it('hands the handler a deadline: the caller\'s timeout from when the message arrived, on the monotonic clock', async () => {
    const seen: (RequestContext | undefined)[] = [];
    const record = (async (_op: string, _req: unknown, context?: RequestContext) => (seen.push(context), {})) as ShardHandler;
    await answerRequest('get', encodeRequest({}, ctx, MB, 250), record, MB, 10_000);
    await answerRequest('get', encodeRequest({}, ctx, MB), record, MB, 10_000);
    expect(seen).toEqual([{ deadline: 10_250 }, { deadline: undefined }]);
  });

  it('hands the handler the request id from the envelope, else from the header an older gateway sent', async () => {
    const seen: (string | undefined)[] = [];
    const record = (async (_op: string, _req: unknown, context?: RequestContext) => (seen.push(context?.requestId), {})) as ShardHandler;
    await answerRequest('get', encodeRequest({}, ctx, MB, 250, 'req-1'), record, MB, 0, { requestId: 'from-header' });
    await answerRequest('get', encodeRequest({}, ctx, MB, 250), record, MB, 0, { requestId: 'from-header' });
    await answerRequest('get', encodeRequest({}, ctx, MB, 250), record, MB, 0);
    expect(seen).toEqual(['req-1', 'from-header', undefined]);
  });

  it('refuses a message that is not a request envelope, without calling the handler', async () => {
    let called = false;
    const handler = (async () => ((called = true), {})) as ShardHandler;
    for (const body of [{}, 'x', { req: {}, timeoutMs: -5 }, { req: {}, timeoutMs: Number.NaN }, { req: {}, requestId: 42 }]) {
      const bytes = await answerRequest('get', encode(body), handler, MB);
      expect(caught(() => readReply(bytes, ctx)).code).toBe('VALIDATION_FAILED');
    }
    expect(called).toBe(false);
  });

  it('answers an unknown op with VALIDATION_FAILED without calling the handler', async () => {
    let called = false;
    const handler = (async () => {
      called = true;
      return {};
    }) as ShardHandler;
    const bytes = await answerRequest('explode', encodeRequest({}, ctx, MB), handler, MB);
    expect(caught(() => readReply(bytes, ctx)).code).toBe('VALIDATION_FAILED');
    expect(called).toBe(false);
  });

  it('answers a handler failure with an error reply (never rejects)', async () => {
    const failing = (async () => {
      throw new FaceshardError('COLLECTION_NOT_FOUND', 'no such collection: c');
    }) as ShardHandler;
    const bytes = await answerRequest('get', encodeRequest({}, ctx, MB), failing, MB);
    expect(caught(() => readReply(bytes, ctx)).code).toBe('COLLECTION_NOT_FOUND');
    const crashing = (async () => {
      throw new RangeError('boom');
    }) as ShardHandler;
    const crashed = await answerRequest('get', encodeRequest({}, ctx, MB), crashing, MB);
    expect(caught(() => readReply(crashed, ctx)).code).toBe('INTERNAL');
  });

  it('replaces a reply over the size limit by a REPLY_TOO_LARGE error that says so', async () => {
    const big = (async () => ({ blob: new Float32Array(1000) })) as ShardHandler;
    const bytes = await answerRequest('stats', encodeRequest({}, ctx, MB), big, 1000);
    const err = caught(() => readReply(bytes, ctx));
    expect(err.code).toBe('REPLY_TOO_LARGE');
    expect(err.message).toMatch(/over the 1000-byte message limit/);
  });

  it('refuses to send a request over the size limit with BATCH_TOO_LARGE', () => {
    const err = caught(() => encodeRequest({ v: new Float32Array(300) }, ctx, 1000));
    expect(err.code).toBe('BATCH_TOO_LARGE');
    expect(err.details).toMatchObject({ maxBytes: 1000 });
  });
});
