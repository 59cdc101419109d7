import { join } from 'node:path';
import { LocalMetadataStore } from '@faceshard/cluster';
import { LocalApiKeyRepository } from '@faceshard/access';
import { InProcessShardTransport } from '@faceshard/messaging';
import { quietObservability, type Observability } from '@faceshard/observability';
import type { GatewayConfig } from '../../gateway/src/config/gateway-config';
import { startClusterGateway, startGatewayOwning } from '../../gateway/src/start-cluster-gateway';
import type { RunningGateway } from '../../gateway/src/start-gateway';
import { readShardConfig } from '../../shard/src/config/shard-config';
import { startShardNode, type ShardNode } from '../../shard/src/start-shard-node';
import { assertNoShardLeftOut, readEmbeddedShardFolders, shardFoldersLeftOut } from './embedded-shard-folders';

export interface RunningPlatform {
  gateway: RunningGateway;
  /** The in-process shards (embedded role); none for a cluster gateway. */
  shards: ShardNode[];
  close(): Promise<void>;
}

/**
 * Starts what the role asks for. `embedded` (the default with no configuration): the
 * gateway and its shards in this one process over an in-process transport, metadata in a
 * local file — no NATS, no Redis. `gateway`: the HTTP gateway of a NATS cluster.
 *
 * This is the one place that composes the gateway and shard apps; neither imports the other.
 */
export async function startPlatform(config: GatewayConfig, env: NodeJS.ProcessEnv = process.env, observability?: Observability): Promise<RunningPlatform> {
  if (config.role !== 'embedded') {
    const cluster = await startClusterGateway(config, observability);
    return { gateway: cluster.gateway, shards: [], close: () => cluster.close() };
  }

  const shared = observability ?? quietObservability({ role: 'embedded' });
  const transport = new InProcessShardTransport();
  const metadata = await LocalMetadataStore.open(join(config.dataDir, 'cluster.json'));
  const apiKeys = await LocalApiKeyRepository.open(join(config.dataDir, 'api-keys.json'));
  const shards: ShardNode[] = [];
  const closeBehindGateway = async () => {
    for (const shard of shards) await shard.close();
    await apiKeys.close();
    await metadata.close();
    await transport.close();
  };
  try {
    // Fewer shards than last time would strand the others' data: refuse, saying how to go down.
    assertNoShardLeftOut(shardFoldersLeftOut(await readEmbeddedShardFolders(config.dataDir), config.embeddedShards, await metadata.readRing()), config.embeddedShards);
    for (let i = 0; i < config.embeddedShards; i++) {
      const shardConfig = { ...readShardConfig(env), shardId: undefined, dataDir: join(config.dataDir, 'shards', String(i)) };
      // One registry for the process: the gateway's /metrics includes its in-process shards.
      shards.push(await startShardNode({ config: shardConfig, transport, metadata, observability: shared }));
    }
  } catch (err) {
    await closeBehindGateway();
    throw err;
  }
  const running = await startGatewayOwning({ config, transport, metadata, apiKeys, observability: shared }, closeBehindGateway);
  return { gateway: running.gateway, shards, close: () => running.close() };
}
