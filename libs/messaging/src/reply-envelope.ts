import { ErrorCodes, FaceshardError, type ErrorBody, type ShardReply } from '@faceshard/contracts';

/** What a shard sends back when its handler settles: never a thrown error across the wire. */
export function replyFor<T>(outcome: { ok: true; result: T } | { ok: false; error: unknown }): ShardReply<T> {
  if (outcome.ok) return { ok: true, result: outcome.result };
  return { ok: false, error: errorBodyOf(outcome.error) };
}

/**
 * A FaceshardError keeps its code, message and details; anything else is a bug in the shard
 * and becomes INTERNAL (with its message, which helps whoever reads the gateway's log).
 */
export function errorBodyOf(error: unknown): ErrorBody {
  if (error instanceof FaceshardError) return error.toJSON();
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message: `shard failed: ${message}`, retryable: ErrorCodes.INTERNAL.retryable };
}

/** The gateway side: the result, or the shard's error re-thrown as a FaceshardError with the same code. */
export function unwrapReply<T>(reply: unknown, context: { shardId: string; op: string }): T {
  if (isReply(reply)) {
    if (reply.ok) return reply.result as T;
    throw FaceshardError.fromJSON(reply.error);
  }
  throw new FaceshardError('INTERNAL', `malformed reply from shard ${context.shardId} to ${context.op}`, context);
}

function isReply(value: unknown): value is ShardReply<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { ok?: unknown; result?: unknown; error?: { code?: unknown; message?: unknown } };
  if (v.ok === true) return 'result' in v;
  return v.ok === false && typeof v.error === 'object' && v.error !== null && typeof v.error.code === 'string' && typeof v.error.message === 'string';
}
