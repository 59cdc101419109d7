import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { FaceshardError } from '@faceshard/contracts';
import { PROFILE_EXTENSION, type ProfileRequest } from './profile-request';

export interface RecordedProfile {
  /** Names the file in `dir` (a UUID and the extension): what chunk reads ask for. */
  profileId: string;
  path: string;
  bytes: number;
}

/** Profile files not fetched within this time are removed (an abandoned download). */
const ABANDONED_AFTER_MS = 10 * 60_000;
/** Per process, not per profiler: the embedded platform runs a gateway and shards in one process. */
let recording = false;

const PROFILE_ID = /^[0-9a-f-]{36}\.(cpuprofile|heapsnapshot)$/;

/**
 * Records this process with the V8 inspector (node:inspector, in-process: no debugger port is
 * opened): a CPU profile over N seconds (Profiler domain, the `.cpuprofile` JSON that Chrome
 * DevTools and speedscope open) or a heap snapshot (HeapProfiler, streamed to the file chunk by
 * chunk, never held whole in memory). One recording at a time per process: a second one is
 * refused with PROFILER_BUSY (409) rather than queued, since both would distort each other.
 * Files go to `dir` and are read back in chunks (a shard's answer must fit a NATS message).
 */
export class ProcessProfiler {
  constructor(private readonly dir: string) {}

  async record(request: ProfileRequest): Promise<RecordedProfile> {
    if (recording) throw new FaceshardError('PROFILER_BUSY', 'a profile is already being recorded in this process; try again when it is done');
    recording = true;
    try {
      await mkdir(this.dir, { recursive: true });
      await this.removeAbandoned();
      const profileId = `${randomUUID()}${PROFILE_EXTENSION[request.kind]}`;
      const path = join(this.dir, profileId);
      if (request.kind === 'cpu') await recordCpuProfile(path, request.seconds);
      else await takeHeapSnapshot(path);
      return { profileId, path, bytes: (await stat(path)).size };
    } finally {
      recording = false;
    }
  }

  /**
   * Up to maxBytes of a recorded profile from offset; the file is removed once its last byte was
   * read (done), so a profile is fetched once.
   */
  async readChunk(profileId: string, offset: number, maxBytes: number): Promise<{ data: Uint8Array; done: boolean }> {
    if (typeof profileId !== 'string' || !PROFILE_ID.test(profileId)) throw new FaceshardError('VALIDATION_FAILED', 'not a profile id');
    if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(maxBytes) || maxBytes < 1) throw new FaceshardError('VALIDATION_FAILED', 'offset and maxBytes must be whole numbers');
    const path = join(this.dir, profileId);
    let file;
    try {
      file = await open(path, 'r');
    } catch {
      throw new FaceshardError('NOT_FOUND', `profile ${profileId} is not here (fetched already, or removed after ${ABANDONED_AFTER_MS / 60_000} minutes)`);
    }
    let data: Uint8Array;
    let size: number;
    try {
      size = (await file.stat()).size;
      const buffer = Buffer.alloc(Math.max(0, Math.min(maxBytes, size - offset)));
      const { bytesRead } = await file.read(buffer, 0, buffer.length, offset);
      data = buffer.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
    const done = offset + data.length >= size;
    if (done) await rm(path, { force: true });
    return { data, done };
  }

  /** Removes a profile that will not be read (the download failed half-way). */
  async discard(profileId: string): Promise<void> {
    if (PROFILE_ID.test(profileId)) await rm(join(this.dir, profileId), { force: true });
  }

  private async removeAbandoned(): Promise<void> {
    const now = Date.now();
    for (const name of await readdir(this.dir)) {
      if (!PROFILE_ID.test(name)) continue;
      const path = join(this.dir, name);
      const info = await stat(path).catch(() => undefined);
      if (info && now - info.mtimeMs > ABANDONED_AFTER_MS) await rm(path, { force: true });
    }
  }
}

async function recordCpuProfile(path: string, seconds: number): Promise<void> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const { profile } = await session.post('Profiler.stop');
    await writeFile(path, JSON.stringify(profile));
  } finally {
    session.disconnect();
  }
}

async function takeHeapSnapshot(path: string): Promise<void> {
  const out = createWriteStream(path);
  const session = new Session();
  session.connect();
  let failed: Error | undefined;
  out.on('error', (error) => (failed = error));
  try {
    session.on('HeapProfiler.addHeapSnapshotChunk', (message) => {
      out.write(message.params.chunk);
    });
    await session.post('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  } finally {
    session.disconnect();
    await new Promise<void>((resolve) => out.end(resolve));
  }
  if (failed) throw new FaceshardError('INTERNAL', `heap snapshot could not be written: ${failed.message}`);
}
