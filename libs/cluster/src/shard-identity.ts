import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FaceshardError, SHARD_ID_PATTERN } from '@faceshard/contracts';
import { assertShardId } from '@faceshard/messaging';
import { createFileAtomic, readTextIfPresent } from './atomic-file';

export const SHARD_ID_FILE = 'shard-id';

/**
 * A shard's stable id, tied to its data directory: the id owns the identities stored there.
 * - given (e.g. the StatefulSet pod name): used, and recorded in <dataDir>/shard-id the first
 *   time; if the directory already belongs to a different id, refused (VALIDATION_FAILED),
 *   because serving that data under another id would put it on the wrong part of the ring.
 * - not given: the recorded id, or a new random one, recorded before it is returned.
 */
export async function resolveShardId(dataDir: string, given?: string): Promise<string> {
  const file = join(dataDir, SHARD_ID_FILE);
  const wanted = given === undefined || given === '' ? undefined : given;
  if (wanted !== undefined) assertShardId(wanted);
  await mkdir(dataDir, { recursive: true });

  // Recorded already (every start but the first): read it, writing nothing, so a shard whose disk
  // is full still starts and serves reads.
  let recorded = await readRecorded(file);
  if (recorded === null) {
    const candidate = wanted ?? `shard-${randomBytes(5).toString('hex')}`;
    // Create-if-absent: if two processes race on one fresh directory, exactly one id is recorded.
    const created = await createFileAtomic(file, candidate + '\n');
    recorded = created ? candidate : await readRecorded(file);
    if (recorded === null) throw new FaceshardError('INTERNAL', `${file} vanished right after another process created it`);
  }
  if (wanted !== undefined && recorded !== wanted) {
    throw new FaceshardError('VALIDATION_FAILED', `data directory ${dataDir} belongs to shard ${recorded}, not ${wanted}: use its own directory or its own id`, {
      dataDir,
      recorded,
      given: wanted,
    });
  }
  return recorded;
}

/** The id recorded in `file`, or null when none is. */
async function readRecorded(file: string): Promise<string | null> {
  const text = await readTextIfPresent(file);
  if (text === null) return null;
  const id = text.trim();
  if (!SHARD_ID_PATTERN.test(id)) {
    throw new FaceshardError('INTERNAL', `${file} holds ${JSON.stringify(id)}, not a valid shard id`);
  }
  return id;
}
