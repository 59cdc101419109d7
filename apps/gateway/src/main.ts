import 'reflect-metadata';
import { readTracingConfig, startTracing } from '@faceshard/tracing';
import { readGatewayConfig } from './config/gateway-config';
import { announceAccess, exitOnFatal, stopOnSignals } from './process-lifecycle';
import { startClusterGateway } from './start-cluster-gateway';
import { createObservability, readObservabilityConfig } from '@faceshard/observability';

/**
 * The cluster gateway alone (FACESHARD_ROLE=gateway with NATS_URL): what the gateway container
 * runs. `npm start` runs apps/platform instead, which also covers the embedded default.
 */
async function main(): Promise<void> {
  const config = readGatewayConfig();
  if (config.role !== 'gateway') {
    throw new Error(`this entry point runs the cluster gateway (FACESHARD_ROLE=gateway with NATS_URL), not role ${config.role}: use dist/apps/platform/src/main.js (npm start)`);
  }
  // Before the gateway starts: its HTTP hooks and NATS calls check whether tracing is on.
  const tracing = startTracing(readTracingConfig(process.env, 'faceshard-gateway'));
  const running = await startClusterGateway(config, createObservability(readObservabilityConfig(), { role: config.role }));
  stopOnSignals(config.role, async () => {
    await running.close();
    await tracing?.shutdown().catch(() => undefined); // exports the spans still buffered
  });
  announceAccess(running.gateway);
  console.log(JSON.stringify({ event: 'ready', role: config.role, url: running.gateway.url, cluster: config.cluster, shards: [], auth: running.gateway.auth, tracing: tracing ? 'otlp' : 'off' }));
}

main().catch(exitOnFatal);
