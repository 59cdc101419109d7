import { connect } from 'nats';
import { metadataBucketName } from '@faceshard/cluster';

/** A benchmark cluster's JetStream KV bucket (a stream named KV_<bucket>) outlives its processes: remove it. */
export async function deleteMetadataBucket(natsUrl: string, clusterName: string): Promise<void> {
  const nc = await connect({ servers: natsUrl, name: 'faceshard-bench-cleanup' });
  try {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(`KV_${metadataBucketName(clusterName)}`).catch((err: Error) => {
      if (!/not found/i.test(err.message)) throw err;
    });
  } finally {
    await nc.close();
  }
}
