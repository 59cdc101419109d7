import { JetStreamMetadataStore } from '@faceshard/cluster';
import { JetStreamApiKeyRepository } from '@faceshard/access';
import { NatsShardTransport } from '@faceshard/messaging';
import type { Observability } from '@faceshard/observability';
import type { GatewayConfig } from './config/gateway-config';
import { startGateway, type RunningGateway } from './start-gateway';

export interface RunningClusterGateway {
  gateway: RunningGateway;
  close(): Promise<void>;
}

/**
 * Starts the gateway over dependencies it then owns: closing it closes them after it, and a
 * gateway that fails to start (refused: API keys required but none exist) leaves none open.
 */
export async function startGatewayOwning(
  deps: Parameters<typeof startGateway>[0],
  closeDeps: () => Promise<void>,
): Promise<RunningClusterGateway> {
  let gateway: RunningGateway;
  try {
    gateway = await startGateway(deps);
  } catch (err) {
    await closeDeps();
    throw err;
  }
  return {
    gateway,
    async close() {
      await gateway.close();
      await closeDeps();
    },
  };
}

/**
 * The HTTP gateway of a NATS cluster: shards answer over NATS request-reply, metadata and API
 * keys live in the cluster's JetStream KV buckets.
 */
export async function startClusterGateway(config: GatewayConfig, observability?: Observability): Promise<RunningClusterGateway> {
  if (!config.natsUrl) throw new Error('the cluster gateway needs NATS_URL');
  const transport = await NatsShardTransport.connect({ servers: config.natsUrl, cluster: config.cluster, name: 'faceshard-gateway' });
  const metadata = await JetStreamMetadataStore.open(transport.connection, config.cluster, { replicas: config.metadataReplicas });
  const apiKeys = await JetStreamApiKeyRepository.open(transport.connection, config.cluster, { replicas: config.metadataReplicas });
  return startGatewayOwning({ config, transport, metadata, apiKeys, observability }, async () => {
    await apiKeys.close();
    await metadata.close();
    await transport.close();
  });
}
