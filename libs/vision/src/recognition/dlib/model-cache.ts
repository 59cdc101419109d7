import { existsSync, readFileSync } from 'node:fs';
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
