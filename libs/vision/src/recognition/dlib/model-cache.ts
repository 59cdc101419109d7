import { existsSync, readFileSync } from 'node:fs';
import { FaceshardError } from '@faceshard/contracts';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

/**
 * Where generated models live: option > env FACESHARD_MODEL_CACHE > <repo>/.cache/models
 * (.cache/ is gitignored). <repo> is the nearest ancestor of this file with the faceshard
 * package.json (so it works from src/ under vitest and from dist/ after a build), else the cwd.
 */
export function resolveModelCacheDir(explicit?: string): string {
  if (explicit) return resolve(explicit);
  const fromEnv = process.env.FACESHARD_MODEL_CACHE;
  if (fromEnv) return resolve(fromEnv);
  return join(findRepoRoot(__dirname) ?? process.cwd(), '.cache', 'models');
}

function findRepoRoot(start: string): string | undefined {
  let dir = start;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'faceshard') return dir;
      } catch {
        // unreadable package.json: keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Writes atomically (temp file + rename), so a concurrent reader never sees half a model. */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, path);
}

export interface GeneratedModel {
  path: string;
  /** The cache key the file name carries. */
  key: string;
  /** True when this call generated the file, false when it was already cached. */
  built: boolean;
}

/**
 * Returns `<cacheDir>/<fileName>` (fileName carries the key), calling `build` and writing its
 * bytes atomically first when the file is not there. `what` names the model in the error a
 * read-only cache directory gives.
 */
export async function ensureGeneratedModel(options: {
  cacheDir?: string;
  fileName: string;
  key: string;
  what: string;
  build: () => Uint8Array;
}): Promise<GeneratedModel> {
  const path = join(resolveModelCacheDir(options.cacheDir), options.fileName);
  if (existsSync(path)) return { path, key: options.key, built: false };
  const bytes = options.build();
  try {
    await writeFileAtomic(path, bytes);
  } catch (err) {
    throw new FaceshardError(
      'INTERNAL',
      `cannot write the generated ${options.what} to ${path} (${(err as Error).message}); set FACESHARD_MODEL_CACHE to a writable directory`,
      { path },
    );
  }
  return { path, key: options.key, built: true };
}
