import { headers as natsHeaders, type MsgHdrs } from 'nats';
import { REQUEST_ID_HEADER } from '@faceshard/observability';
import { headerMapSetter, injectTraceContext, tracing } from '@faceshard/tracing';

/** What a shard learns about a request from its message headers (never from its body). */
export interface IncomingRequestMeta {
  requestId?: string;
}

/**
 * The one place the NATS headers of a gateway -> shard request are built: with tracing on, the
 * W3C trace context of the caller's active span (the shard's span becomes its child). Undefined
 * with tracing off: no header block is sent at all. The request id travels in the request
 * envelope (see RequestEnvelope), not here.
 */
export function shardRequestHeaders(): MsgHdrs | undefined {
  if (!tracing.on) return undefined;
  const h = natsHeaders();
  injectTraceContext(h, headerMapSetter);
  return h;
}

/**
 * The shard side: the request id of a gateway that sent it as a header (before it moved into the
 * envelope), so that a rolling upgrade keeps it. Missing headers are fine (heartbeats, tracing off).
 */
export function readShardRequestHeaders(h: MsgHdrs | undefined): IncomingRequestMeta {
  const requestId = h?.get(REQUEST_ID_HEADER);
  return requestId ? { requestId } : {};
}
