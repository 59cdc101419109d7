import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARD_ID_PATTERN } from '@faceshard/contracts';
import { resolveShardId, SHARD_ID_FILE } from '@faceshard/cluster';
import { useTempDir } from '../support/temp-dir';

describe('resolveShardId', () => {
  const root = useTempDir('faceshard-id-');

  it('creates a valid id in a fresh directory, records it, and returns the same one on every later call', async () => {
    const dataDir = join(root(), 'shard', 'data');
    const id = await resolveShardId(dataDir);
    expect(id).toMatch(SHARD_ID_PATTERN);
    expect(readFileSync(join(dataDir, SHARD_ID_FILE), 'utf8').trim()).toBe(id);
    expect(await resolveShardId(dataDir)).toBe(id);
    expect(await resolveShardId(dataDir, '')).toBe(id);
    expect(readdirSync(dataDir)).toEqual([SHARD_ID_FILE]); // no temp files left
  });

  it('gives different directories different ids', async () => {
    const ids = await Promise.all([1, 2, 3].map((i) => resolveShardId(join(root(), String(i)))));
    expect(new Set(ids).size).toBe(3);
  });

  it('records exactly one id when several processes race on one fresh directory', async () => {
    const dataDir = join(root(), 'race');
    const ids = await Promise.all(Array.from({ length: 8 }, () => resolveShardId(dataDir)));
    expect(new Set(ids).size).toBe(1);
  });

  it('uses a given id (a pod name) and records it, so it survives a restart without one', async () => {
    const dataDir = join(root(), 'pod');
    expect(await resolveShardId(dataDir, 'faceshard-shard-0')).toBe('faceshard-shard-0');
    expect(await resolveShardId(dataDir)).toBe('faceshard-shard-0');
    expect(await resolveShardId(dataDir, 'faceshard-shard-0')).toBe('faceshard-shard-0');
  });

  it('refuses a given id that differs from the one the directory belongs to', async () => {
    const dataDir = join(root(), 'owned');
    await resolveShardId(dataDir, 'shard-a');
    await expect(resolveShardId(dataDir, 'shard-b')).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { recorded: 'shard-a', given: 'shard-b' } });
  });

  it('refuses an id that is not a single subject token, and a corrupt id file', async () => {
    await expect(resolveShardId(join(root(), 'x'), 'bad.id')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const dataDir = join(root(), 'corrupt');
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, SHARD_ID_FILE), 'not a valid id!\n');
    await expect(resolveShardId(dataDir)).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});
