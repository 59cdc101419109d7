import { describe, expect, it } from 'vitest';
import { GraphUpkeep } from './graph-upkeep';

function deferred() {
  let resolve!: (value: number) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<number>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('GraphUpkeep', () => {
  it('reports a check that fails while the upkeep runs', async () => {
    const errors: string[] = [];
    const upkeep = new GraphUpkeep(1, () => Promise.reject(new Error('disk full')), () => 10, (name, error) => errors.push(`${name}: ${String(error)}`));
    upkeep.snapshotInstalled(1);
    upkeep.noteWrites('faces', 5, 1);
    await pause(20);
    await upkeep.idle();
    expect(errors).toEqual(['faces: Error: disk full']);
    await upkeep.stop();
  });

  it('does not report a check that stop() cut short (the store closing under it)', async () => {
    const errors: unknown[] = [];
    let started!: () => void;
    const begun = new Promise<void>((resolve) => (started = resolve));
    const check = deferred();
    const upkeep = new GraphUpkeep(
      1,
      () => {
        started();
        return check.promise;
      },
      () => 10,
      (_, error) => errors.push(error),
    );
    upkeep.snapshotInstalled(1);
    upkeep.noteWrites('faces', 5, 1);
    await begun;
    const stopping = upkeep.stop();
    check.reject(new Error('shard store is closing'));
    await stopping;
    expect(errors).toEqual([]);
  });

  it('runs no check for writes the newest snapshot does not hold, and one once a snapshot holding them is installed', async () => {
    const checked: string[] = [];
    const upkeep = new GraphUpkeep(5, async (name) => (checked.push(name), 3), () => 100, () => undefined);
    upkeep.snapshotInstalled(2);
    upkeep.noteWrites('faces', 5, 3); // after snapshot 2
    await pause(30);
    await upkeep.idle();
    expect(checked).toEqual([]);
    upkeep.snapshotInstalled(3); // writes paused for longer than 5 ms: due at once
    await upkeep.idle();
    expect(checked).toEqual(['faces']);
    await pause(30);
    await upkeep.idle();
    expect(checked).toEqual(['faces']); // checked: not again
    await upkeep.stop();
  });

  it('under continuous writes, runs a check at once when the covered faces make up half the collection', async () => {
    const checked: string[] = [];
    const upkeep = new GraphUpkeep(60_000, async (name) => (checked.push(name), 2), () => 2000, () => undefined);
    upkeep.noteWrites('faces', 999, 1);
    upkeep.snapshotInstalled(1);
    await pause(10);
    expect(checked).toEqual([]);
    upkeep.noteWrites('faces', 1, 2);
    upkeep.snapshotInstalled(2);
    await upkeep.idle();
    expect(checked).toEqual(['faces']);
    await upkeep.stop();
  });
});
