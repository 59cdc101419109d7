import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveModelCacheDir } from './model-cache';
import { DLIB_ONNX_BUILDER_VERSION, dlibOnnxCacheKey } from './build-dlib-onnx';

describe('resolveModelCacheDir', () => {
  const saved = process.env.FACESHARD_MODEL_CACHE;
  afterEach(() => {
    if (saved === undefined) delete process.env.FACESHARD_MODEL_CACHE;
    else process.env.FACESHARD_MODEL_CACHE = saved;
  });

  it('prefers the explicit option, then FACESHARD_MODEL_CACHE', () => {
    process.env.FACESHARD_MODEL_CACHE = '/tmp/from-env';
    expect(resolveModelCacheDir('/tmp/explicit')).toBe('/tmp/explicit');
    expect(resolveModelCacheDir()).toBe('/tmp/from-env');
  });

  it('defaults to <repo>/.cache/models', () => {
    delete process.env.FACESHARD_MODEL_CACHE;
    const repo = resolve(__dirname, '../../../../..');
    expect(resolveModelCacheDir()).toBe(join(repo, '.cache', 'models'));
  });
});

describe('dlibOnnxCacheKey', () => {
  it('is a sha-256 hex that changes with the weights', () => {
    const a = dlibOnnxCacheKey('a'.repeat(64));
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(dlibOnnxCacheKey('a'.repeat(64))).toBe(a);
    expect(dlibOnnxCacheKey('b'.repeat(64))).not.toBe(a);
    expect(DLIB_ONNX_BUILDER_VERSION).toBeGreaterThanOrEqual(1);
  });
});
