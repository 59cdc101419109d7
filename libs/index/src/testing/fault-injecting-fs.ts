import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { OpenFlags, StoreFile, StoreFs } from '../store-fs';

/**
 * A StoreFs for tests that simulates what a power cut does to a disk, in the spirit of LevelDB's
 * fault-injection env and SQLite's test VFS.
 *
 * Every operation runs on the real files under `root` (so the store reads back what it wrote),
 * while a model keeps the DURABLE state: for each file the content at its last fsync, for each
 * folder the entries at its last fsync. Creating, renaming or deleting an entry is durable only once
 * its folder is fsynced; written bytes only once their file is. powerCycle() then replaces the real
 * tree by the durable one: unsynced bytes, and files whose creation or rename was never made durable
 * by a folder fsync, are gone (a file renamed without that fsync is back under its old name).
 *
 * Faults: crashAtMutation = N cuts the power just before the Nth mutating call (write, datasync,
 * fsync, open that creates, mkdir, rename, remove, truncate, native write); from then on every call
 * fails. inject() makes matching calls fail with EIO/ENOSPC without doing anything (a failed fsync
 * keeps nothing, as Linux's page cache may drop the dirty pages after reporting the error).
 */
export type FaultOp = 'write' | 'datasync' | 'fsync' | 'create' | 'mkdir' | 'rename' | 'remove' | 'truncate' | 'external';

export interface InjectedFault {
  op: FaultOp;
  code: 'EIO' | 'ENOSPC';
  /** Only paths matching this (default: any). */
  path?: RegExp;
  /** How many calls fail (default: every one from now on). */
  times?: number;
}

type NodeId = number;

interface ModelNode {
  kind: 'file' | 'dir';
  /** File: bytes at the last fsync (none yet: empty after a power cut). */
  durableContent?: Buffer;
  /** Folder: entries at the last fsync (none yet: empty after a power cut). */
  durableEntries?: Map<string, NodeId>;
}

export class PowerLossError extends Error {
  readonly code = 'EIO';
  constructor(what: string) {
    super(`simulated power loss: ${what} did not happen`);
  }
}

function errnoError(code: string, op: string, path: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${code}: injected fault, ${op} '${path}'`);
  error.code = code;
  return error;
}

export class FaultInjectingFs implements StoreFs {
  /** Mutating calls so far (a dry run tells a crash sweep how many points there are). */
  mutations = 0;
  /** Cut the power just before this mutating call (1-based); null: never. */
  crashAtMutation: number | null = null;
  /** Every mutating call, for diagnosing a failed sweep: "<n> <op> <path>". */
  readonly journal: string[] = [];
  private crashed = false;
  private readonly nodes = new Map<NodeId, ModelNode>();
  private readonly nodeByInode = new Map<number, NodeId>();
  private nextNodeId = 1;
  private rootNode: NodeId = 0;
  private readonly openFiles = new Set<FileHandle>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private faults: InjectedFault[] = [];

  private constructor(readonly root: string) {}

  /** Models the tree that exists under `root` now as durable. */
  static async create(root: string): Promise<FaultInjectingFs> {
    const fs = new FaultInjectingFs(root);
    fs.rootNode = await fs.adoptDurable(root);
    return fs;
  }

  get powerLost(): boolean {
    return this.crashed;
  }

  inject(fault: InjectedFault): void {
    this.faults.push({ ...fault });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Cuts the power now: every later call fails. */
  cutPower(): void {
    this.crashed = true;
  }

  /**
   * Cuts the power (if not yet), waits for calls already at the OS to finish, closes every file,
   * and rewrites the real tree to its durable state. Reopen the store afterwards, with any fs.
   */
  async powerCycle(): Promise<void> {
    this.crashed = true;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    await Promise.allSettled([...this.openFiles].map((handle) => handle.close()));
    this.openFiles.clear();
    for (const name of await fsp.readdir(this.root)) await fsp.rm(join(this.root, name), { recursive: true, force: true });
    await this.materialise(this.rootNode, this.root);
  }

  // --- StoreFs -------------------------------------------------------------------------------

  async open(path: string, flags: OpenFlags): Promise<StoreFile> {
    this.assertPowered(path);
    const creates = flags !== 'r' && flags !== 'r+' && !(await this.realExists(path));
    const handle = creates ? await this.mutate('create', path, () => fsp.open(path, flags)) : await this.track(fsp.open(path, flags));
    this.openFiles.add(handle);
    if (creates) await this.fresh(path, 'file');
    return new FaultInjectingFile(this, handle, path);
  }

  async readFile(path: string): Promise<Buffer> {
    this.assertPowered(path);
    return this.track(fsp.readFile(path));
  }

  async readdir(path: string): Promise<string[]> {
    this.assertPowered(path);
    return this.track(fsp.readdir(path));
  }

  async mkdir(path: string): Promise<boolean> {
    this.assertPowered(path);
    if (await this.realExists(path)) return false;
    const first = await this.mutate('mkdir', path, () => fsp.mkdir(path, { recursive: true }));
    if (first === undefined) return false;
    // Every folder it created, outermost first.
    const parts = relative(first, path).split(sep).filter(Boolean);
    let current = first;
    await this.fresh(current, 'dir');
    for (const part of parts) {
      current = join(current, part);
      await this.fresh(current, 'dir');
    }
    return true;
  }

  async rename(from: string, to: string): Promise<void> {
    await this.mutate('rename', `${from} -> ${to}`, () => fsp.rename(from, to));
  }

  async remove(path: string): Promise<void> {
    await this.mutate('remove', path, () => fsp.rm(path, { recursive: true, force: true }));
  }

  async size(path: string): Promise<number> {
    this.assertPowered(path);
    return (await this.track(fsp.stat(path))).size;
  }

  async exists(path: string): Promise<boolean> {
    this.assertPowered(path);
    return this.realExists(path);
  }

  async fsyncPath(path: string): Promise<void> {
    // No real fsync: the model decides what survives, and real fsyncs would make crash sweeps slow.
    await this.mutate('fsync', path, () => this.recordDurable(path));
  }

  async writeExternal(path: string, write: (path: string) => Promise<void>): Promise<void> {
    await this.mutate('external', path, () => write(path));
    if (await this.realExists(path)) await this.fresh(path, 'file');
  }

  // --- used by FaultInjectingFile --------------------------------------------------------------

  assertPowered(what: string): void {
    if (this.crashed) throw new PowerLossError(what);
  }

  /** Runs one mutating call: counts it, maybe cuts the power or fails it, else does it. */
  async mutate<T>(op: FaultOp, path: string, run: () => Promise<T>): Promise<T> {
    this.assertPowered(`${op} ${path}`);
    this.mutations++;
    this.journal.push(`${this.mutations} ${op} ${path}`);
    if (this.crashAtMutation !== null && this.mutations >= this.crashAtMutation) {
      this.crashed = true;
      throw new PowerLossError(`${op} ${path}`);
    }
    const fault = this.faults.find((f) => f.op === op && (!f.path || f.path.test(path)));
    if (fault) {
      if (fault.times !== undefined && --fault.times <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
      throw errnoError(fault.code, op, path);
    }
    return this.track(run());
  }

  /** After a file's fsync: its content now is what survives (read by path: 'a' handles cannot read). */
  async recordDurableFile(handle: FileHandle, path: string): Promise<void> {
    const { ino } = await handle.stat();
    this.nodeFor(ino, 'file').durableContent = await fsp.readFile(path);
  }

  forget(handle: FileHandle): void {
    this.openFiles.delete(handle);
  }

  // --- the model -------------------------------------------------------------------------------

  private async track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    try {
      return await promise;
    } finally {
      this.inFlight.delete(promise);
    }
  }

  private async realExists(path: string): Promise<boolean> {
    try {
      await fsp.lstat(path);
      return true;
    } catch {
      return false;
    }
  }

  /** The model node of a live inode (an unknown one gets a node with nothing durable). */
  private nodeFor(ino: number, kind: ModelNode['kind']): ModelNode {
    let id = this.nodeByInode.get(ino);
    if (id === undefined) {
      id = this.nextNodeId++;
      this.nodeByInode.set(ino, id);
      this.nodes.set(id, { kind });
    }
    return this.nodes.get(id) as ModelNode;
  }

  /** A file or folder just created at `path`: a new node with nothing durable (its inode number may be recycled). */
  private async fresh(path: string, kind: ModelNode['kind']): Promise<void> {
    const { ino } = await fsp.lstat(path);
    const id = this.nextNodeId++;
    this.nodeByInode.set(ino, id);
    this.nodes.set(id, { kind });
  }

  private async recordDurable(path: string): Promise<void> {
    const stat = await fsp.lstat(path);
    if (!stat.isDirectory()) {
      this.nodeFor(stat.ino, 'file').durableContent = await fsp.readFile(path);
      return;
    }
    const entries = new Map<string, NodeId>();
    for (const name of await fsp.readdir(path)) {
      const child = await fsp.lstat(join(path, name));
      this.nodeFor(child.ino, child.isDirectory() ? 'dir' : 'file');
      entries.set(name, this.nodeByInode.get(child.ino) as NodeId);
    }
    this.nodeFor(stat.ino, 'dir').durableEntries = entries;
  }

  /** Adopts an existing tree as durable (the state before the test's writes began). */
  private async adoptDurable(path: string): Promise<NodeId> {
    const stat = await fsp.lstat(path);
    const node = this.nodeFor(stat.ino, stat.isDirectory() ? 'dir' : 'file');
    if (stat.isDirectory()) {
      node.durableEntries = new Map();
      for (const name of await fsp.readdir(path)) node.durableEntries.set(name, await this.adoptDurable(join(path, name)));
    } else {
      node.durableContent = await fsp.readFile(path);
    }
    return this.nodeByInode.get(stat.ino) as NodeId;
  }

  private async materialise(id: NodeId, path: string): Promise<void> {
    const node = this.nodes.get(id) as ModelNode;
    for (const [name, childId] of node.durableEntries ?? []) {
      const child = this.nodes.get(childId) as ModelNode;
      const childPath = join(path, name);
      if (child.kind === 'dir') {
        await fsp.mkdir(childPath);
        await this.materialise(childId, childPath);
      } else {
        await fsp.writeFile(childPath, child.durableContent ?? Buffer.alloc(0));
      }
    }
  }
}

class FaultInjectingFile implements StoreFile {
  constructor(
    private readonly fs: FaultInjectingFs,
    private readonly handle: FileHandle,
    private readonly path: string,
  ) {}

  get fd(): number {
    return this.handle.fd;
  }

  write(data: Uint8Array, offset: number, length: number, position?: number): Promise<number> {
    return this.fs.mutate('write', this.path, async () => (await this.handle.write(data, offset, length, position ?? null)).bytesWritten);
  }

  async read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    this.fs.assertPowered(`read ${this.path}`);
    return (await this.handle.read(buffer, offset, length, position)).bytesRead;
  }

  datasync(): Promise<void> {
    return this.fs.mutate('datasync', this.path, () => this.fs.recordDurableFile(this.handle, this.path));
  }

  truncate(length: number): Promise<void> {
    return this.fs.mutate('truncate', this.path, () => this.handle.truncate(length));
  }

  async size(): Promise<number> {
    this.fs.assertPowered(`stat ${this.path}`);
    return (await this.handle.stat()).size;
  }

  async close(): Promise<void> {
    if (this.fs.powerLost) return; // powerCycle() closes it
    this.fs.forget(this.handle);
    await this.handle.close();
  }
}
