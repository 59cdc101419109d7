import { dirname } from 'node:path';
import { writeFully, type StoreFs } from './store-fs';

/** Creates/overwrites a file and fsyncs it before returning (the caller fsyncs the directory). */
export async function writeFileDurable(fs: StoreFs, path: string, data: Uint8Array): Promise<void> {
  const file = await fs.open(path, 'w');
  try {
    await writeFully(file, data);
    await file.datasync();
  } finally {
    await file.close();
  }
}

/** mkdir -p whose new entries survive a power cut: fsyncs the folder that got the new entry. */
export async function mkdirDurable(fs: StoreFs, path: string): Promise<void> {
  const parent = dirname(path);
  if (!(await fs.exists(parent))) await mkdirDurable(fs, parent);
  if (await fs.mkdir(path)) await fs.fsyncPath(parent);
}
