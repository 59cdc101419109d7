import { headers as natsHeaders, type MsgHdrs } from 'nats';
import { currentRequestId, REQUEST_ID_HEADER } from '@faceshard/observability';
import { headerMapSetter, injectTraceContext, tracing } from '@faceshard/tracing';

/** What a shard learns about a request from its message headers (never from its body). */
export interface IncomingRequestMeta {
  requestId?: string;
}

/**
 * The one place the NATS headers of a gateway -> shard request are built, from the caller's
 * async context: the request id (so the shard's log lines carry it) and, with tracing on, the
 * W3C trace context. Undefined when there is nothing to carry: no header block is sent at all.
 */
export function shardRequestHeaders(): MsgHdrs | undefined {
  const requestId = currentRequestId();
  if (requestId === undefined && !tracing.on) return undefined;
  const h = natsHeaders();
  if (requestId !== undefined) h.set(REQUEST_ID_HEADER, requestId);
  // W3C trace context (traceparent, tracestate) of the active span: the shard's span becomes its child.
  if (tracing.on) injectTraceContext(h, headerMapSetter);
  return h;
}

/** The shard side: read back what shardRequestHeaders() wrote. Missing headers are fine (older gateways, heartbeats). */
export function readShardRequestHeaders(h: MsgHdrs | undefined): IncomingRequestMeta {
  const requestId = h?.get(REQUEST_ID_HEADER);
  return requestId ? { requestId } : {};
}
