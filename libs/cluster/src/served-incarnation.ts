import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file';

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
  try {
    const text = (await readFile(join(dataDir, SERVED_INCARNATION_FILE), 'utf8')).trim();
    return text === '' ? null : text;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Records `incarnation` (atomically), writing nothing when it is the one recorded already. */
export async function recordServedIncarnation(dataDir: string, incarnation: string): Promise<void> {
  if ((await readServedIncarnation(dataDir)) === incarnation) return;
  await writeFileAtomic(join(dataDir, SERVED_INCARNATION_FILE), `${incarnation}\n`);
}

/**
 * Whether the metadata was lost since this shard last served: it recorded another incarnation.
 * No record says nothing (a first start, or an upgrade): nothing is published then. Pure.
 */
export function metadataLostSinceLastServed(recorded: string | null, current: string): boolean {
  return recorded !== null && recorded !== current;
}
