import 'reflect-metadata';
import { JetStreamMetadataStore } from '@faceshard/cluster';
import { NatsShardTransport } from '@faceshard/messaging';
import { readTracingConfig, startTracing } from '@faceshard/tracing';
import { readShardConfig } from './config/shard-config';
import { startShardNode } from './start-shard-node';
import { createObservability, readObservabilityConfig } from '@faceshard/observability';
import { serveMetrics, type MetricsServer } from './observability/metrics-server';

/** A shard process of a cluster: needs NATS_URL; FACESHARD_CLUSTER names the cluster. */
export async function runShardProcess(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (!env.NATS_URL) {
    throw new Error('a shard process needs NATS_URL (the embedded default runs shards inside the gateway process)');
  }
  const cluster = env.FACESHARD_CLUSTER || 'default';
  const config = readShardConfig(env);
  const tracing = startTracing(readTracingConfig(env, 'faceshard-shard'));
  const observabilityConfig = readObservabilityConfig(env);
  const observability = createObservability(observabilityConfig, { role: 'shard' });
  const transport = await NatsShardTransport.connect({ servers: env.NATS_URL, cluster, name: `faceshard-shard` });
  const metadata = await JetStreamMetadataStore.open(transport.connection, cluster, { replicas: config.metadataReplicas });
  const node = await startShardNode({ config, transport, metadata, observability });
  let metricsServer: MetricsServer | undefined;
  if (observability.metrics && observabilityConfig.shardMetricsPort !== undefined) {
    metricsServer = await serveMetrics(observability.metrics, observabilityConfig.shardMetricsHost, observabilityConfig.shardMetricsPort);
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(JSON.stringify({ event: 'stopping', role: 'shard', shardId: node.shardId, signal }));
    if (signal === 'SIGTERM') {
      // What Kubernetes sends on scale-down: hand every identity over first, then exit 0.
      const outcome = await node.leave().catch((error) => `failed: ${(error as Error).message}`);
      console.error(JSON.stringify({ event: 'left', role: 'shard', shardId: node.shardId, outcome }));
    }
    await node.close();
    await metricsServer?.close();
    await metadata.close();
    await transport.close();
    await tracing?.shutdown().catch(() => undefined); // exports the spans still buffered
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  // Drained through the API (or removed by an operator): the ring no longer holds it.
  void node.left.then(() => stop('left the ring'));
  console.log(
    JSON.stringify({ event: 'ready', role: 'shard', shardId: node.shardId, cluster, dataDir: config.dataDir, tracing: tracing ? 'otlp' : 'off', metricsUrl: metricsServer?.url }),
  );
}

if (require.main === module) {
  runShardProcess().catch((error) => {
    // The code (WAL_CORRUPT, SNAPSHOT_CORRUPT, DATA_DIR_LOCKED…) is what an operator's tooling matches on.
    const code = typeof error?.code === 'string' ? { code: error.code } : {};
    console.error(JSON.stringify({ event: 'fatal', role: 'shard', ...code, message: String(error?.stack ?? error) }));
    process.exit(1);
  });
}
