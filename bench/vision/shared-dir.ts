import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** ../shared next to the repo (or FACESHARD_SHARED_DIR): LFW photos and bring-your-own models for tests and benches. */
export function sharedDir(): string {
  return process.env.FACESHARD_SHARED_DIR ?? path.resolve(__dirname, '..', '..', '..', 'shared');
}

/** The shared dir when it exists; bench/vision sits at the same depth in src and in dist/. */
export function findSharedDir(): string | undefined {
  const candidates = [process.env.FACESHARD_SHARED_DIR, path.resolve(process.cwd(), '..', 'shared'), sharedDir()].filter(Boolean) as string[];
  return candidates.find((d) => existsSync(path.join(d, 'datasets', 'lfw')));
}
