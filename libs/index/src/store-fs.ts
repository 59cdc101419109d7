import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

/**
 * Every file operation the store does goes through this interface, so tests can run the store on
 * a file system that records writes and simulates a power loss (see testing/fault-injecting-fs.ts,
 * in the spirit of LevelDB's fault-injection env and SQLite's test VFS). Production uses nodeStoreFs.
 */
export interface StoreFile {
  /** The OS descriptor (the data-folder lock takes an OFD lock on it). */
  readonly fd: number;
  /** Writes at `position`, or at the end for a file opened with 'a'. Returns bytes written. */
  write(data: Uint8Array, offset: number, length: number, position?: number): Promise<number>;
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  /** fdatasync: the data (and the size) reach the disk. */
  datasync(): Promise<void>;
  truncate(length: number): Promise<void>;
  size(): Promise<number>;
  close(): Promise<void>;
}

export type OpenFlags = 'r' | 'r+' | 'a' | 'w';

export interface StoreFs {
  open(path: string, flags: OpenFlags): Promise<StoreFile>;
  readFile(path: string): Promise<Buffer>;
  readdir(path: string): Promise<string[]>;
  /** true when it created the folder (recursive: any missing parent too). */
  mkdir(path: string): Promise<boolean>;
  rename(from: string, to: string): Promise<void>;
  /** Removes a file or a folder tree; missing is fine. */
  remove(path: string): Promise<void>;
  size(path: string): Promise<number>;
  exists(path: string): Promise<boolean>;
  /** fsync a file or a folder (a folder fsync makes creations, renames and unlinks in it durable). */
  fsyncPath(path: string): Promise<void>;
  /** A file that native code writes itself (hnswlib's writeIndex): created at `path` by `write`. */
  writeExternal(path: string, write: (path: string) => Promise<void>): Promise<void>;
}

class NodeStoreFile implements StoreFile {
  constructor(private readonly handle: FileHandle) {}

  get fd(): number {
    return this.handle.fd;
  }

  async write(data: Uint8Array, offset: number, length: number, position?: number): Promise<number> {
    const { bytesWritten } = await this.handle.write(data, offset, length, position ?? null);
    return bytesWritten;
  }

  async read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    const { bytesRead } = await this.handle.read(buffer, offset, length, position);
    return bytesRead;
  }

  datasync(): Promise<void> {
    return this.handle.datasync();
  }

  truncate(length: number): Promise<void> {
    return this.handle.truncate(length);
  }

  async size(): Promise<number> {
    return (await this.handle.stat()).size;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** The real file system. */
export const nodeStoreFs: StoreFs = {
  async open(path, flags) {
    return new NodeStoreFile(await fsp.open(path, flags));
  },
  readFile: (path) => fsp.readFile(path),
  readdir: (path) => fsp.readdir(path),
  async mkdir(path) {
    return (await fsp.mkdir(path, { recursive: true })) !== undefined;
  },
  rename: (from, to) => fsp.rename(from, to),
  remove: (path) => fsp.rm(path, { recursive: true, force: true }),
  async size(path) {
    return (await fsp.stat(path)).size;
  },
  async exists(path) {
    try {
      await fsp.stat(path);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  },
  async fsyncPath(path) {
    const handle = await fsp.open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  writeExternal: (path, write) => write(path),
};

/** Writes all of `data` (a short write is retried for the rest). */
export async function writeFully(file: StoreFile, data: Uint8Array, position?: number): Promise<void> {
  let written = 0;
  while (written < data.length) {
    const n = await file.write(data, written, data.length - written, position === undefined ? undefined : position + written);
    written += n;
  }
}

/** Reads exactly `length` bytes at `position` (throws if the file is shorter), into `into` if given. */
export async function readExactly(file: StoreFile, length: number, position: number, into?: Buffer): Promise<Buffer> {
  const buffer = into ? into.subarray(0, length) : Buffer.allocUnsafe(length);
  let read = 0;
  while (read < length) {
    const n = await file.read(buffer, read, length - read, position + read);
    if (n === 0) throw new Error(`unexpected end of file at byte ${position + read}`);
    read += n;
  }
  return buffer;
}
