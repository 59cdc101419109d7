import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FaceshardError, type RingState } from '@faceshard/contracts';
import { SHARD_ID_FILE } from '@faceshard/cluster';

/** An embedded shard's folder, `<dataDir>/shards/<index>`, and the id recorded in it. */
export interface EmbeddedShardFolder {
  index: number;
  shardId: string;
}

/**
 * The folders EMBEDDED_SHARDS=`count` would not start although the ring still counts their shard
 * as a member: lowering the count would leave their identities unreachable (partial searches, 503
 * on every get and write they own), for good. A shard drained first is off the ring and does not
 * count. Pure.
 */
export function shardFoldersLeftOut(folders: readonly EmbeddedShardFolder[], count: number, ring: RingState): EmbeddedShardFolder[] {
  const members = new Set([...ring.members, ...(ring.memberStates ?? []).map((m) => m.shardId)]);
  return folders.filter((folder) => folder.index >= count && members.has(folder.shardId)).sort((a, b) => a.index - b.index);
}

/** The shard folders under `<dataDir>/shards` that hold a recorded id (reads only). */
export async function readEmbeddedShardFolders(dataDir: string): Promise<EmbeddedShardFolder[]> {
  const root = join(dataDir, 'shards');
  const names = await readdir(root).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  const folders: EmbeddedShardFolder[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const shardId = await readFile(join(root, name, SHARD_ID_FILE), 'utf8').then((text) => text.trim(), () => '');
    if (shardId) folders.push({ index: Number(name), shardId });
  }
  return folders;
}

/** Refuses to start fewer embedded shards than the ring holds data on (see shardFoldersLeftOut). */
export function assertNoShardLeftOut(left: readonly EmbeddedShardFolder[], count: number): void {
  if (left.length === 0) return;
  const needed = Math.max(...left.map((folder) => folder.index)) + 1;
  const list = left.map((folder) => `shards/${folder.index} (${folder.shardId})`).join(', ');
  throw new FaceshardError(
    'VALIDATION_FAILED',
    `EMBEDDED_SHARDS=${count} would leave ${list} unstarted while the ring still holds their data: their identities would be unreachable. ` +
      `Start with EMBEDDED_SHARDS=${needed}; to run with fewer shards, first drain each one above the new count (POST /v1/cluster/members/<shardId>/drain), then restart with the lower count.`,
    { embeddedShards: count, needed, leftOut: left },
  );
}
