import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SHARD_ID_FILE } from '@faceshard/cluster';
import { NatsShardTransport } from '@faceshard/messaging';
import { probeExitCode, type ProbeMode, type ProbeOutcome } from './probe-verdict';

/**
 * Kubernetes exec probe for a shard, which has no HTTP port: asks the shard for its `stats`
 * over NATS, exactly as a gateway would, with the container's own environment (NATS_URL,
 * FACESHARD_CLUSTER, SHARD_ID or DATA_DIR/shard-id).
 *
 *   node dist/apps/shard/src/probe/shard-probe.js ready|live [timeoutMs]
 *
 * Exit 0 = pass, 1 = fail (see probeExitCode). One short-lived NATS connection per run.
 */
async function probe(mode: ProbeMode, timeoutMs: number, env: NodeJS.ProcessEnv): Promise<ProbeOutcome> {
  const shardId = env.SHARD_ID || (await readFile(join(resolve(env.DATA_DIR ?? './data'), SHARD_ID_FILE), 'utf8')).trim();
  let transport: NatsShardTransport;
  try {
    transport = await NatsShardTransport.connect({ servers: env.NATS_URL ?? '', cluster: env.FACESHARD_CLUSTER || 'default', name: `faceshard-probe-${mode}` });
  } catch {
    return 'nats-unreachable';
  }
  try {
    await transport.request(shardId, 'stats', {}, { timeoutMs });
    return 'answered';
  } catch {
    return 'no-answer';
  } finally {
    await transport.close().catch(() => undefined);
  }
}

if (require.main === module) {
  const mode = process.argv[2];
  const timeoutMs = Number(process.argv[3] ?? 3_000);
  if ((mode !== 'ready' && mode !== 'live') || !Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    console.error('usage: shard-probe.js ready|live [timeoutMs]');
    process.exit(2);
  }
  probe(mode, timeoutMs, process.env)
    .then((outcome) => {
      console.log(JSON.stringify({ probe: mode, outcome }));
      process.exit(probeExitCode(mode, outcome));
    })
    .catch((err: unknown) => {
      console.error(JSON.stringify({ probe: mode, error: String(err) }));
      process.exit(1);
    });
}
