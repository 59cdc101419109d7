import { FaceshardError } from '@faceshard/contracts';
import { expect } from 'vitest';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** ../shared (LFW photos, bring-your-own models) or FACESHARD_SHARED_DIR; undefined when absent. */
export const SHARED_DIR: string | undefined = [process.env.FACESHARD_SHARED_DIR, path.resolve(__dirname, '..', '..', '..', 'shared')]
  .filter((d): d is string => !!d)
  .find((d) => existsSync(path.join(d, 'datasets', 'lfw', 'images')));

export const SHARED_ABSENT_REASON = 'SKIPPED: shared data (../shared/datasets/lfw, ../shared/models) is absent; set FACESHARD_SHARED_DIR';

export function lfwPhoto(name: string, index: number): string {
  return path.join(SHARED_DIR ?? '', 'datasets', 'lfw', 'images', name, `${name}_${String(index).padStart(4, '0')}.jpg`);
}

export const YUNET_MODEL = path.join(SHARED_DIR ?? '', 'models', 'yunet_n_dynamic.onnx');
export const MOBILEFACENET_MODEL = path.join(SHARED_DIR ?? '', 'models', 'mobilefacenet_112.onnx');

/** Awaits a promise that must reject with a FaceshardError of the given code. */
export async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FaceshardError);
  expect((err as FaceshardError).code).toBe(code);
}
