import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';

export { SpanKind, type Context, type Span } from '@opentelemetry/api';

/**
 * Helpers for the traced call sites. Every caller checks `tracing.on` first: these are only
 * reached with the SDK loaded (they would work against the no-op API too, at a small cost).
 */
const tracer = () => trace.getTracer('faceshard');

/**
 * Runs fn inside a new span (a child of the active one, or of `parent`), ends it when fn returns
 * or its promise settles, and marks it failed with the error that fn threw.
 */
export function withSpan<T>(name: string, options: { kind?: SpanKind; attributes?: Attributes; parent?: Context }, fn: (span: Span) => T): T {
  const parent = options.parent ?? context.active();
  const span = tracer().startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes }, parent);
  let result: T;
  try {
    result = context.with(trace.setSpan(parent, span), fn, undefined, span);
  } catch (error) {
    failSpan(span, error);
    span.end();
    throw error;
  }
  if (result instanceof Promise) {
    return result.then(
      (value) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        failSpan(span, error);
        span.end();
        throw error;
      },
    ) as T;
  }
  span.end();
  return result;
}

/** Starts a span that the caller ends (e.g. an HTTP request, ended by the response hook). */
export function startSpan(name: string, options: { kind?: SpanKind; attributes?: Attributes; parent?: Context; startTime?: number }): Span {
  return tracer().startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes, startTime: options.startTime }, options.parent ?? context.active());
}

/** A span for work that already happened (timed elsewhere, e.g. on a worker thread): epoch milliseconds. */
export function recordSpan(name: string, startMs: number, endMs: number, options: { attributes?: Attributes; parent?: Context } = {}): void {
  tracer()
    .startSpan(name, { startTime: startMs, attributes: options.attributes }, options.parent ?? context.active())
    .end(endMs);
}

export function failSpan(span: Span, error: unknown): void {
  const code = (error as { code?: unknown } | null)?.code;
  span.setStatus({ code: SpanStatusCode.ERROR, message: typeof code === 'string' ? code : error instanceof Error ? error.message : String(error) });
  if (error instanceof Error) span.recordException(error);
}

/** Runs fn with `ctx` active (so spans fn starts, and async work it schedules, are its children). */
export function runInContext<T>(ctx: Context, fn: () => T): T {
  return context.with(ctx, fn);
}

export function contextWithSpan(span: Span, parent: Context = context.active()): Context {
  return trace.setSpan(parent, span);
}

/** Writes traceparent/tracestate of the active (or given) context into a carrier (NATS headers, HTTP headers). */
export function injectTraceContext<C>(carrier: C, setter: TextMapSetter<C>, ctx: Context = context.active()): void {
  propagation.inject(ctx, carrier, setter);
}

/** The caller's context from a carrier's traceparent/tracestate; the root context when there is none. */
export function extractTraceContext<C>(carrier: C, getter: TextMapGetter<C>): Context {
  return propagation.extract(context.active(), carrier, getter);
}

/** IDs of the active span, for log lines and replies (undefined outside a sampled span). */
export function activeTraceId(): string | undefined {
  const span = trace.getActiveSpan();
  return span?.isRecording() ? span.spanContext().traceId : undefined;
}
