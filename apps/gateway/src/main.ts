import 'reflect-metadata';
import { runShardProcess } from '../../shard/src/main';
import { readGatewayConfig } from './config/gateway-config';
import { startPlatform } from './start-platform';
import type { RunningGateway } from './start-gateway';

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
  announceAccess(platform.gateway);
  console.log(
    JSON.stringify({
      event: 'ready',
      role: config.role,
      url: platform.gateway.url,
      cluster: config.role === 'embedded' ? undefined : config.cluster,
      dataDir: config.role === 'embedded' ? config.dataDir : undefined,
      shards: platform.shards.map((s) => s.shardId),
      auth: platform.gateway.auth,
    }),
  );
}

/** The generated first admin key, exactly once per cluster; and a loud word when keys are off. */
function announceAccess(gateway: RunningGateway): void {
  if (gateway.firstAdminKey) {
    console.log(
      JSON.stringify({
        event: 'first-admin-key',
        key: gateway.firstAdminKey,
        message: 'The first admin API key, shown this once and never again (only its hash is stored). Save it now; create more keys with it: POST /v1/keys.',
      }),
    );
  }
  if (gateway.auth === 'off') {
    const line = '!'.repeat(100);
    console.error(
      `${line}\n!!! API KEYS ARE OFF: anyone who can reach ${gateway.url} can read, change and delete every collection.\n` +
        `!!! Fine for a laptop on 127.0.0.1. To require keys set FACESHARD_AUTH=on; any non-loopback HOST requires them.\n${line}`,
    );
    console.error(JSON.stringify({ event: 'warning', message: 'API keys are off (FACESHARD_AUTH=off on a loopback HOST)' }));
  }
}

main().catch((error) => {
  console.error(JSON.stringify({ event: 'fatal', message: String(error?.stack ?? error) }));
  process.exit(1);
});
