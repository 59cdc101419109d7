import 'reflect-metadata';
import { readGatewayConfig } from './config/gateway-config';
import { announceAccess, exitOnFatal, stopOnSignals } from './process-lifecycle';
import { startClusterGateway } from './start-cluster-gateway';

/**
 * The cluster gateway alone (FACESHARD_ROLE=gateway with NATS_URL): what the gateway container
 * runs. `npm start` runs apps/platform instead, which also covers the embedded default.
 */
async function main(): Promise<void> {
  const config = readGatewayConfig();
  if (config.role !== 'gateway') {
    throw new Error(`this entry point runs the cluster gateway (FACESHARD_ROLE=gateway with NATS_URL), not role ${config.role}: use dist/apps/platform/src/main.js (npm start)`);
  }
  const running = await startClusterGateway(config);
  stopOnSignals(config.role, () => running.close());
  announceAccess(running.gateway);
  console.log(JSON.stringify({ event: 'ready', role: config.role, url: running.gateway.url, cluster: config.cluster, shards: [], auth: running.gateway.auth }));
}

main().catch(exitOnFatal);
