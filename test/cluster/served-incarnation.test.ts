import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { metadataLostSinceLastServed, readServedIncarnation, recordServedIncarnation, SERVED_INCARNATION_FILE } from '@faceshard/cluster';
import { useTempDir } from '../support/temp-dir';

describe('the metadata incarnation a shard last served under', () => {
  const dir = useTempDir('faceshard-incarnation-');

  it('is null until recorded, then reads back what was recorded last', async () => {
    expect(await readServedIncarnation(dir())).toBeNull();
    await recordServedIncarnation(dir(), 'a1');
    expect(await readServedIncarnation(dir())).toBe('a1');
    await recordServedIncarnation(dir(), 'b2');
    expect(await readServedIncarnation(dir())).toBe('b2');
    expect(readFileSync(join(dir(), SERVED_INCARNATION_FILE), 'utf8')).toBe('b2\n');
  });

  it('says the metadata was lost only when another incarnation was recorded (no record: a first start or an upgrade)', () => {
    expect(metadataLostSinceLastServed('a1', 'b2')).toBe(true);
    expect(metadataLostSinceLastServed('a1', 'a1')).toBe(false);
    expect(metadataLostSinceLastServed(null, 'a1')).toBe(false);
  });
});
