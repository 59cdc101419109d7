import { promises as fsp } from 'node:fs';
import { FaceshardError } from '@faceshard/contracts';

/** Folders opened by this process: two stores on one folder would corrupt each other's log. */
const openInThisProcess = new Set<string>();

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A pid file. A lock left by a process that died (kill -9) is taken over; a live holder is refused.
 */
export async function acquireDataDirLock(root: string, lockFile: string): Promise<() => Promise<void>> {
  if (openInThisProcess.has(root)) throw new FaceshardError('INTERNAL', `data folder ${root} is already open in this process`);
  try {
    const holder = Number((await fsp.readFile(lockFile, 'utf8')).trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && processAlive(holder)) {
      throw new FaceshardError('INTERNAL', `data folder ${root} is in use by process ${holder}`);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await fsp.writeFile(lockFile, `${process.pid}\n`);
  openInThisProcess.add(root);
  return async () => {
    openInThisProcess.delete(root);
    await fsp.rm(lockFile, { force: true });
  };
}
