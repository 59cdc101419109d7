import { headers as natsHeaders, type MsgHdrs } from 'nats';
import { currentRequestId, REQUEST_ID_HEADER } from '@faceshard/observability';

/** What a shard learns about a request from its message headers (never from its body). */
export interface IncomingRequestMeta {
  requestId?: string;
}

/**
 * The one place the NATS headers of a gateway -> shard request are built, from the caller's
 * async context: the request id now (so the shard's log lines carry it); trace context belongs
 * here too. Undefined when there is nothing to carry: no header block is sent at all.
 */
export function shardRequestHeaders(): MsgHdrs | undefined {
  const requestId = currentRequestId();
  if (requestId === undefined) return undefined;
  const h = natsHeaders();
  h.set(REQUEST_ID_HEADER, requestId);
  return h;
}

/** The shard side: read back what shardRequestHeaders() wrote. Missing headers are fine (older gateways, heartbeats). */
export function readShardRequestHeaders(h: MsgHdrs | undefined): IncomingRequestMeta {
  const requestId = h?.get(REQUEST_ID_HEADER);
  return requestId ? { requestId } : {};
}
