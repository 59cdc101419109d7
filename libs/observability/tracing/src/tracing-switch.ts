/**
 * The one check every traced call site makes. False unless startTracing() loaded the SDK, so
 * with tracing off (the default) a hot path pays a property read and nothing else: no span
 * objects, no context lookups, no headers.
 */
export const tracing = { on: false };
