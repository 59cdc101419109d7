import { FaceshardError, type RequestEnvelope, type ShardReply } from '@faceshard/contracts';
import { runInRequestScope } from '@faceshard/observability';
import { decode, encode } from './codec';
import { replyFor, unwrapReply } from './reply-envelope';
import type { IncomingRequestMeta } from './message-headers';
import { isShardOp, type ShardHandler } from './shard-transport';

/**
 * The shard side of one request, common to both transports: decode, run the handler, wrap
 * the outcome in a ShardReply, encode. Never rejects: every failure becomes an error reply.
 * `meta` is what the transport read from the message headers (the request id).
 */
export async function answerRequest(
  op: string,
  requestBytes: Uint8Array,
  handler: ShardHandler,
  maxPayloadBytes: number,
  receivedAt: number = performance.now(),
  meta: IncomingRequestMeta = {},
): Promise<Uint8Array> {
  let reply: ShardReply<unknown>;
  try {
    if (!isShardOp(op)) throw new FaceshardError('VALIDATION_FAILED', `unknown shard op ${JSON.stringify(op)}`);
    const envelope = decode(requestBytes);
    if (!isEnvelope(envelope)) throw new FaceshardError('VALIDATION_FAILED', `malformed request envelope for ${op}`);
    const deadline = envelope.timeoutMs === undefined ? undefined : receivedAt + envelope.timeoutMs;
    // From the envelope; from the message header when an older gateway sent it there.
    const requestId = envelope.requestId ?? meta.requestId;
    // The handler runs in the request's scope: every log line it writes carries the gateway's id.
    const result = requestId
      ? await runInRequestScope({ requestId }, () => handler(op, envelope.req as never, { deadline, requestId }))
      : await handler(op, envelope.req as never, { deadline });
    reply = replyFor({ ok: true, result });
  } catch (error) {
    reply = replyFor({ ok: false, error });
  }
  let bytes: Uint8Array;
  try {
    bytes = encode(reply);
  } catch (error) {
    bytes = encode(replyFor({ ok: false, error: new Error(`reply to ${op} cannot be encoded: ${(error as Error).message}`) }));
  }
  if (bytes.length > maxPayloadBytes) {
    // The transport would refuse to send it; tell the caller instead of letting it time out.
    bytes = encode(
      replyFor({
        ok: false,
        error: new FaceshardError('REPLY_TOO_LARGE', `reply to ${op} is ${bytes.length} bytes, over the ${maxPayloadBytes}-byte message limit`, {
          bytes: bytes.length,
          maxBytes: maxPayloadBytes,
        }),
      }),
    );
  }
  return bytes;
}

function isEnvelope(value: unknown): value is RequestEnvelope {
  if (typeof value !== 'object' || value === null || !('req' in value)) return false;
  const { timeoutMs, requestId } = value as RequestEnvelope;
  if (requestId !== undefined && typeof requestId !== 'string') return false;
  return timeoutMs === undefined || (typeof timeoutMs === 'number' && Number.isFinite(timeoutMs) && timeoutMs > 0);
}

/** The gateway side: wrap a request in its envelope and encode it, refusing what the transport could not carry. */
export function encodeRequest(req: unknown, context: { shardId: string; op: string }, maxPayloadBytes: number, timeoutMs?: number, requestId?: string): Uint8Array {
  const envelope: RequestEnvelope = timeoutMs === undefined ? { req } : { req, timeoutMs };
  if (requestId !== undefined) envelope.requestId = requestId;
  const bytes = encode(envelope);
  if (bytes.length > maxPayloadBytes) {
    throw new FaceshardError('BATCH_TOO_LARGE', `request is ${bytes.length} bytes, over the ${maxPayloadBytes}-byte message limit: send smaller batches`, {
      ...context,
      bytes: bytes.length,
      maxBytes: maxPayloadBytes,
    });
  }
  return bytes;
}

/** The gateway side: decode a reply and unwrap it (re-throwing the shard's error by code). */
export function readReply<T>(replyBytes: Uint8Array, context: { shardId: string; op: string }): T {
  let reply: unknown;
  try {
    reply = decode(replyBytes);
  } catch {
    throw new FaceshardError('INTERNAL', `undecodable reply from shard ${context.shardId} to ${context.op}`, context);
  }
  return unwrapReply<T>(reply, context);
}

export function assertTimeout(timeoutMs: number): void {
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new FaceshardError('VALIDATION_FAILED', `timeoutMs must be a positive number, got ${timeoutMs}`);
  }
}
