/**
 * The real file system with every durability call timed: which file, when it started, how long
 * it took. Tells a writer's wait for its log fsync apart from the rest of its wait (on ext4 a
 * log fdatasync can queue behind a snapshot file's writeback).
 */
import { basename, dirname } from 'node:path';
import { nodeStoreFs, type StoreFile, type StoreFs } from '@faceshard/index';

export interface FsEvent {
  /** ms after `origin()` when the call started. */
  atMs: number;
  ms: number;
  call: 'datasync' | 'fsync' | 'writeExternal';
  /** The file's folder and name (wal/<segment>, tmp-<lsn>/c0.hnsw, ...). */
  file: string;
}

const shortName = (path: string): string => `${basename(dirname(path))}/${basename(path)}`;

export function timedStoreFs(origin: () => number): { fs: StoreFs; events: FsEvent[] } {
  const events: FsEvent[] = [];
  const timed = async <T>(call: FsEvent['call'], path: string, run: () => Promise<T>): Promise<T> => {
    const atMs = origin();
    try {
      return await run();
    } finally {
      events.push({ atMs, ms: origin() - atMs, call, file: shortName(path) });
    }
  };
  const wrapFile = (file: StoreFile, path: string): StoreFile => ({
    get fd() {
      return file.fd;
    },
    write: (data, offset, length, position) => file.write(data, offset, length, position),
    read: (buffer, offset, length, position) => file.read(buffer, offset, length, position),
    datasync: () => timed('datasync', path, () => file.datasync()),
    truncate: (length) => file.truncate(length),
    size: () => file.size(),
    close: () => file.close(),
  });
  const fs: StoreFs = {
    ...nodeStoreFs,
    open: async (path, flags) => wrapFile(await nodeStoreFs.open(path, flags), path),
    fsyncPath: (path) => timed('fsync', path, () => nodeStoreFs.fsyncPath(path)),
    writeExternal: (path, write) => timed('writeExternal', path, () => nodeStoreFs.writeExternal(path, write)),
  };
  return { fs, events };
}
