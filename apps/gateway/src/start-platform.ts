import { join } from 'node:path';
import { JetStreamMetadataStore, LocalMetadataStore, type ClusterMetadataStore } from '@faceshard/cluster';
import { JetStreamApiKeyRepository, LocalApiKeyRepository, type ApiKeyRepository } from '@faceshard/access';
import { InProcessShardTransport, NatsShardTransport, type ShardTransport } from '@faceshard/messaging';
import { readShardConfig } from '../../shard/src/config/shard-config';
import { startShardNode, type ShardNode } from '../../shard/src/start-shard-node';
import type { GatewayConfig } from './config/gateway-config';
import { startGateway, type RunningGateway } from './start-gateway';

export interface RunningPlatform {
  gateway: RunningGateway;
  shards: ShardNode[];
  close(): Promise<void>;
}

/**
 * Starts what the role asks for. `embedded` (the default with no configuration): the
 * gateway and its shards in this one process over an in-process transport, metadata in a
 * local file — no NATS, no Redis. `gateway`: the HTTP gateway of a NATS cluster.
 */
export async function startPlatform(config: GatewayConfig, env: NodeJS.ProcessEnv = process.env): Promise<RunningPlatform> {
  let transport: ShardTransport;
  let metadata: ClusterMetadataStore;
  let apiKeys: ApiKeyRepository;
  const shards: ShardNode[] = [];

  if (config.role === 'embedded') {
    transport = new InProcessShardTransport();
    metadata = await LocalMetadataStore.open(join(config.dataDir, 'cluster.json'));
    apiKeys = await LocalApiKeyRepository.open(join(config.dataDir, 'api-keys.json'));
    for (let i = 0; i < config.embeddedShards; i++) {
      const shardConfig = { ...readShardConfig(env), shardId: undefined, dataDir: join(config.dataDir, 'shards', String(i)) };
      shards.push(await startShardNode({ config: shardConfig, transport, metadata }));
    }
  } else {
    const nats = await NatsShardTransport.connect({ servers: config.natsUrl!, cluster: config.cluster, name: 'faceshard-gateway' });
    transport = nats;
    metadata = await JetStreamMetadataStore.open(nats.connection, config.cluster, { replicas: config.metadataReplicas });
    apiKeys = await JetStreamApiKeyRepository.open(nats.connection, config.cluster, { replicas: config.metadataReplicas });
  }

  const closeBehindGateway = async () => {
    for (const shard of shards) await shard.close();
    await apiKeys.close();
    await metadata.close();
    await transport.close();
  };
  let gateway: RunningGateway;
  try {
    gateway = await startGateway({ config, transport, metadata, apiKeys });
  } catch (err) {
    // Refused (API keys required but none exist) or failed: leave nothing running behind.
    await closeBehindGateway();
    throw err;
  }
  return {
    gateway,
    shards,
    async close() {
      await gateway.close();
      await closeBehindGateway();
    },
  };
}
