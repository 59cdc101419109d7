import { randomUUID } from 'node:crypto';

/** The HTTP header (and NATS message header) that carries a request's id. */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * What an incoming id may look like: a UUID, a ULID, a load balancer's trace token. It ends up
 * in every log line of the request, on the gateway and on the shards, so anything longer or
 * with other characters (spaces, quotes, newlines, a pasted API key with a prefix we would then
 * log) is replaced by a fresh id rather than echoed.
 */
const ACCEPTED_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's id when it is a plausible id, else a new random one. */
export function acceptRequestId(incoming: string | string[] | undefined, generate: () => string = randomUUID): string {
  const value = Array.isArray(incoming) ? incoming[0] : incoming;
  return value !== undefined && ACCEPTED_ID.test(value) ? value : generate();
}
