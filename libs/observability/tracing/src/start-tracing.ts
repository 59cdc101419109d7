import type { Sampler } from '@opentelemetry/sdk-trace';
import type { SamplerSpec, TracingConfig } from './tracing-config';
import { tracing } from './tracing-switch';

export interface TracingHandle {
  /** Exports what is still buffered, then stops; call it before the process exits. */
  shutdown(): Promise<void>;
}

/**
 * Loads the OpenTelemetry SDK and turns tracing on, when the config says so. With tracing off
 * nothing is required here: the SDK and the OTLP exporter are never loaded, the API stays the
 * no-op one, and `tracing.on` stays false. The SDK modules are required lazily for that reason.
 */
export function startTracing(config: TracingConfig): TracingHandle | undefined {
  if (!config.enabled) return undefined;
  if (tracing.on) throw new Error('tracing is already started in this process');
  const api = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
  const sdk = require('@opentelemetry/sdk-trace') as typeof import('@opentelemetry/sdk-trace');
  const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks') as typeof import('@opentelemetry/context-async-hooks');
  const { W3CTraceContextPropagator } = require('@opentelemetry/core') as typeof import('@opentelemetry/core');
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  // Reads OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, _HEADERS, _TIMEOUT itself.
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');

  const provider = new sdk.TracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.serviceName }),
    sampler: buildSampler(sdk, config.sampler),
    spanProcessors: [new sdk.BatchSpanProcessor({ exporter: new OTLPTraceExporter(), ...config.batch })],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  api.context.setGlobalContextManager(contextManager);
  api.propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  api.trace.setGlobalTracerProvider(provider);
  tracing.on = true;
  let stopping: Promise<void> | undefined;
  return {
    shutdown() {
      stopping ??= provider.shutdown().finally(() => {
        tracing.on = false;
        api.trace.disable();
        api.propagation.disable();
        api.context.disable();
      });
      return stopping;
    },
  };
}

function buildSampler(sdk: typeof import('@opentelemetry/sdk-trace'), spec: SamplerSpec): Sampler {
  const root = spec.root === 'always_on' ? new sdk.AlwaysOnSampler() : spec.root === 'always_off' ? new sdk.AlwaysOffSampler() : new sdk.TraceIdRatioBasedSampler(spec.ratio);
  return spec.parentBased ? new sdk.ParentBasedSampler({ root }) : root;
}
