import { join } from 'node:path';
import { readTextIfPresent, writeFileAtomic } from './atomic-file';

/**
 * A shard records in its data folder which incarnation of the cluster metadata it last served
 * under. A metadata store lost and re-created while the shard was down (a NATS server that lost
 * its JetStream store, a deleted cluster.json) then shows at its next start as a different
 * incarnation, and the shard publishes the collections it holds again, as a running shard does
 * when it notices the loss (MetadataStore.onReincarnation). Without the record its data would
 * stay on disk yet invisible: no collection in the metadata, every get a 404.
 */
export const SERVED_INCARNATION_FILE = 'metadata-incarnation';

/** The incarnation recorded in `dataDir`, or null when none is (first start, or a shard from before the record). */
export async function readServedIncarnation(dataDir: string): Promise<string | null> {
  const text = (await readTextIfPresent(join(dataDir, SERVED_INCARNATION_FILE)))?.trim();
  return text ? text : null;
}

/** Records `incarnation` (atomically); callers write only when it changed (a start writes nothing otherwise). */
export async function recordServedIncarnation(dataDir: string, incarnation: string): Promise<void> {
  await writeFileAtomic(join(dataDir, SERVED_INCARNATION_FILE), `${incarnation}\n`);
}

/**
 * Whether the metadata was lost since this shard last served: it recorded another incarnation.
 * No record says nothing (a first start, or an upgrade): nothing is published then. Pure.
 */
export function metadataLostSinceLastServed(recorded: string | null, current: string): boolean {
  return recorded !== null && recorded !== current;
}
