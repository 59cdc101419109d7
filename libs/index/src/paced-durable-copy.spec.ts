import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { LogSyncActivity } from './log-sync-activity';
import { copyDurablyInSteps } from './paced-durable-copy';
import { FaultInjectingFs } from './testing/fault-injecting-fs';

const root = mkdtempSync(join(tmpdir(), 'faceshard-paced-copy-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const STEP = 1000;
let cases = 0;

function sourceBytes(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) & 0xff;
  return bytes;
}

/** A folder holding a durable `from` with these bytes and a durable, empty `to`. */
async function setUp(size: number): Promise<{ dir: string; from: string; to: string; bytes: Buffer }> {
  const dir = join(root, `case-${cases++}`);
  mkdirSync(dir);
  const bytes = sourceBytes(size);
  writeFileSync(join(dir, 'from'), bytes);
  writeFileSync(join(dir, 'to'), Buffer.alloc(0));
  return { dir, from: join(dir, 'from'), to: join(dir, 'to'), bytes };
}

describe('copyDurablyInSteps', () => {
  it.each([0, 1, STEP - 1, STEP, 3 * STEP + 17])('copies %i bytes exactly', async (size) => {
    const { dir, from, to, bytes } = await setUp(size);
    const fs = await FaultInjectingFs.create(dir);
    await copyDurablyInSteps(fs, from, to, { pacing: STEP });
    expect(readFileSync(to).equals(bytes)).toBe(true);
    await fs.powerCycle(); // and all of it is durable
    expect(readFileSync(to).equals(bytes)).toBe(true);
  });

  it('makes the file durable step by step: a power cut anywhere keeps a whole number of steps', async () => {
    const size = 4 * STEP + 300;
    const survived = new Set<number>();
    for (let crashAt = 1; ; crashAt++) {
      const { dir, from, to, bytes } = await setUp(size);
      const fs = await FaultInjectingFs.create(dir);
      fs.crashAtMutation = crashAt;
      const finished = await copyDurablyInSteps(fs, from, to, { pacing: STEP }).then(
        () => true,
        () => false,
      );
      await fs.powerCycle();
      const kept = existsSync(to) ? readFileSync(to) : Buffer.alloc(0);
      expect(kept.equals(bytes.subarray(0, kept.length))).toBe(true);
      expect(kept.length === size || kept.length % STEP === 0).toBe(true);
      survived.add(kept.length);
      if (finished) break;
    }
    // Every step reached the disk on its own (one sync at the end would leave only 0 and the whole).
    expect([...survived].sort((a, b) => a - b)).toEqual([0, STEP, 2 * STEP, 3 * STEP, 4 * STEP, size]);
  });

  it('starts no step while a round of the log is in flight, and goes on once it ends', async () => {
    const size = 3 * STEP;
    const { dir, from, to, bytes } = await setUp(size);
    const fs = await FaultInjectingFs.create(dir);
    const log = new LogSyncActivity();
    log.started();
    let finished = false;
    const copy = copyDurablyInSteps(fs, from, to, { pacing: STEP, log, deferToLogMs: 60_000 }).then(() => (finished = true));
    // Without the rule three 1000-byte steps take a few ms; give them far longer than that.
    await Promise.race([copy, sleep(300)]);
    expect(finished).toBe(false);
    expect(fs.journal.filter((entry) => entry.includes(' write ') || entry.includes(' datasync '))).toEqual([]);
    log.ended();
    await copy;
    await fs.powerCycle();
    expect(readFileSync(to).equals(bytes)).toBe(true);
  });

  it('with adaptive steps still copies every byte durably', async () => {
    const size = 50 * STEP + 123;
    const { dir, from, to, bytes } = await setUp(size);
    const fs = await FaultInjectingFs.create(dir);
    await copyDurablyInSteps(fs, from, to, { pacing: { minStepBytes: 100, maxStepBytes: 4 * STEP, initialStepBytes: STEP, targetSyncMs: 2, pauseFactor: 1, maxPauseMs: 5 } });
    await fs.powerCycle();
    expect(readFileSync(to).equals(bytes)).toBe(true);
  });
});
