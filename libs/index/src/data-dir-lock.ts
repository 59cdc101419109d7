import { createRequire } from 'node:module';
import { FaceshardError, isDiskFullError } from '@faceshard/contracts';
import { writeFully, type StoreFs } from './store-fs';

type FsNativeExtensions = typeof import('fs-native-extensions');

/** Loaded on first use, so a checkout whose node_modules predates the dependency says what to do. */
function nativeLocks(): FsNativeExtensions {
  try {
    return createRequire(__filename)('fs-native-extensions') as FsNativeExtensions;
  } catch (error) {
    throw new FaceshardError(
      'INTERNAL',
      `the data-folder lock needs the npm package fs-native-extensions, which is not installed here (${(error as Error).message}); run \`ONNXRUNTIME_NODE_INSTALL=skip npm ci\``,
    );
  }
}


/**
 * An exclusive lock on <dataDir>/LOCK: an open-file-description lock (fcntl F_OFD_SETLK through
 * fs-native-extensions). Taking it is one atomic kernel call, not read-then-write, and it says
 * nothing about pids: the kernel drops it when the holder's descriptor closes, which a kill -9,
 * a crash or a container restart all do, so a stale lock cannot exist and a live one cannot be
 * mistaken for ours (pid 1 in every container). Two stores in one process conflict too (two opens,
 * two descriptions). The pid written into the file is only for the error message.
 */
export async function acquireDataDirLock(fs: StoreFs, root: string, lockFile: string): Promise<() => Promise<void>> {
  const file = await fs.open(lockFile, 'a');
  let locked: boolean;
  try {
    locked = nativeLocks().tryLock(file.fd);
  } catch (error) {
    await file.close();
    throw error;
  }
  if (!locked) {
    await file.close();
    const holder = (await fs.readFile(lockFile).catch(() => Buffer.alloc(0))).toString('utf8').trim();
    const who = holder === String(process.pid) ? 'already open in this process' : `in use by another process${holder ? ` (pid ${holder})` : ''}`;
    throw new FaceshardError('DATA_DIR_LOCKED', `data folder ${root} is ${who}`, { dataDir: root });
  }
  try {
    await file.truncate(0);
    await writeFully(file, Buffer.from(`${process.pid}\n`));
  } catch (error) {
    // The pid only makes the error message of a second opener nicer: a full disk must not stop a
    // shard from opening (and serving reads) over it.
    if (!isDiskFullError(error)) {
      await file.close();
      throw error;
    }
  }
  return async () => {
    // Closing the descriptor releases the lock; the file stays (removing it would race a new holder).
    await file.close();
  };
}
