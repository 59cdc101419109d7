import 'reflect-metadata';
import { runShardProcess } from '../../shard/src/main';
import { readGatewayConfig } from './config/gateway-config';
import { startPlatform } from './start-platform';

/**
 * `npm start`. With no configuration: the embedded single-process platform. With NATS_URL:
 * a cluster gateway; with FACESHARD_ROLE=shard as well: a shard (same as apps/shard's main).
 */
async function main(): Promise<void> {
  const config = readGatewayConfig();
  if (config.role === 'shard') return runShardProcess();

  const platform = await startPlatform(config);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(JSON.stringify({ event: 'stopping', role: config.role, signal }));
    await platform.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  console.log(
    JSON.stringify({
      event: 'ready',
      role: config.role,
      url: platform.gateway.url,
      cluster: config.role === 'embedded' ? undefined : config.cluster,
      dataDir: config.role === 'embedded' ? config.dataDir : undefined,
      shards: platform.shards.map((s) => s.shardId),
    }),
  );
}

main().catch((error) => {
  console.error(JSON.stringify({ event: 'fatal', message: String(error?.stack ?? error) }));
  process.exit(1);
});
