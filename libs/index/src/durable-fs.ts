import { promises as fsp } from 'node:fs';

/** fsync a file or a directory (a directory fsync makes creations, renames and unlinks in it durable). */
export async function fsyncPath(path: string): Promise<void> {
  const handle = await fsp.open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Creates/overwrites a file and fsyncs it before returning (the caller fsyncs the directory). */
export async function writeFileDurable(path: string, data: Uint8Array): Promise<void> {
  const handle = await fsp.open(path, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
