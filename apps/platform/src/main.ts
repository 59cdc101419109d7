import 'reflect-metadata';
import { readGatewayConfig } from '../../gateway/src/config/gateway-config';
import { announceAccess, exitOnFatal, stopOnSignals } from '../../gateway/src/process-lifecycle';
import { readTracingConfig, startTracing } from '@faceshard/tracing';
import { runShardProcess } from '../../shard/src/main';
import { startPlatform } from './start-platform';
import { createObservability, readObservabilityConfig } from '@faceshard/observability';

/**
 * `npm start` and the container's default command. With no configuration: the embedded
 * single-process platform (gateway + in-process shards, no NATS, no Redis). With NATS_URL: a
 * cluster gateway; with FACESHARD_ROLE=shard as well: a shard (same as apps/shard's main).
 */
async function main(): Promise<void> {
  const config = readGatewayConfig();
  if (config.role === 'shard') return runShardProcess();

  // Before the platform starts: its HTTP hooks and shard calls check whether tracing is on.
  const tracing = startTracing(readTracingConfig(process.env, 'faceshard-gateway'));
  const observability = createObservability(readObservabilityConfig(), { role: config.role });
  const platform = await startPlatform(config, process.env, observability);
  stopOnSignals(config.role, async () => {
    await platform.close();
    await tracing?.shutdown().catch(() => undefined); // exports the spans still buffered
  });
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
      tracing: tracing ? 'otlp' : 'off',
    }),
  );
}

main().catch(exitOnFatal);
