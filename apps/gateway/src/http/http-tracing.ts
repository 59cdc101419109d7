import type { FastifyInstance, FastifyRequest } from 'fastify';
import { contextWithSpan, extractTraceContext, incomingHttpGetter, runInContext, SpanKind, startSpan, tracing, type Context, type Span } from '@faceshard/tracing';

interface RequestTrace {
  span: Span;
  context: Context;
  ended: boolean;
}

const traces = new WeakMap<FastifyRequest, RequestTrace>();

/**
 * One server span per HTTP request, a child of the caller's traceparent when it sends one. The
 * span's context is made active for the handler, so the gateway's own spans (fan-out, inference)
 * and its NATS messages carry it. Installed only with tracing on: off, there are no hooks at all.
 *
 * Activated twice: in onRequest (what runs before the body is read) and in preHandler (the body
 * arrives on the socket's events, outside the context, so it is set again for the handler).
 */
export function installHttpTracing(fastify: FastifyInstance): void {
  if (!tracing.on) return;
  fastify.addHook('onRequest', (request, _reply, done) => {
    const parent = extractTraceContext(request.headers, incomingHttpGetter);
    const span = startSpan(`${request.method}`, { kind: SpanKind.SERVER, parent, attributes: { 'http.request.method': request.method } });
    const trace = { span, context: contextWithSpan(span, parent), ended: false };
    traces.set(request, trace);
    runInContext(trace.context, done);
  });
  fastify.addHook('preHandler', (request, _reply, done) => {
    const trace = traces.get(request);
    if (trace) runInContext(trace.context, done);
    else done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    end(request, reply.statusCode);
    done();
  });
  fastify.addHook('onRequestAbort', (request, done) => {
    end(request, undefined);
    done();
  });
}

function end(request: FastifyRequest, statusCode: number | undefined): void {
  const trace = traces.get(request);
  if (!trace || trace.ended) return;
  trace.ended = true;
  // The route pattern, never the path: ids and names stay out of span names.
  const route = request.routeOptions?.url;
  if (route) {
    trace.span.updateName(`${request.method} ${route}`);
    trace.span.setAttribute('http.route', route);
  }
  if (statusCode === undefined) trace.span.setAttribute('faceshard.aborted', true);
  else {
    trace.span.setAttribute('http.response.status_code', statusCode);
    // Server spans are errors for 5xx only (4xx is the client's fault: OpenTelemetry's HTTP convention).
    if (statusCode >= 500) trace.span.setStatus({ code: 2, message: String(statusCode) });
  }
  trace.span.end();
}
