import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces `path` with `data` so a crash leaves either the old or the new content, never a
 * torn file: write a temp file beside it, fsync it, rename over, fsync the directory.
 */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const tmp = await writeTemp(path, data);
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fsyncDir(dirname(path));
}

/**
 * Creates `path` with `data` only if it does not exist (link() fails on an existing name,
 * atomically). Returns false if something was already there.
 */
export async function createFileAtomic(path: string, data: string): Promise<boolean> {
  const tmp = await writeTemp(path, data);
  try {
    await link(tmp, path);
    await fsyncDir(dirname(path));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/** Renames `from` to `to` (a file or a folder, same file system) and makes the rename durable. */
export async function renameDurable(from: string, to: string): Promise<void> {
  await rename(from, to);
  await fsyncDir(dirname(to));
}

async function writeTemp(path: string, data: string): Promise<string> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return tmp;
}

async function fsyncDir(dir: string): Promise<void> {
  // Makes the rename itself durable. Some platforms cannot fsync a directory; the rename is
  // still atomic there, only its durability across power loss is weaker.
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    /* see above */
  } finally {
    await fh?.close();
  }
}

/** The file's text, or null if it does not exist yet; creates its directory for the first write. */
export async function readTextIfExists(path: string): Promise<string | null> {
  await mkdir(dirname(path), { recursive: true });
  return readTextIfPresent(path);
}

/** The file's text, or null if it does not exist; writes nothing (a full disk must not stop a read). */
export async function readTextIfPresent(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
