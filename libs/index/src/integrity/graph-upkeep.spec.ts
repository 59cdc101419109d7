import { describe, expect, it } from 'vitest';
import { GraphUpkeep } from './graph-upkeep';

function deferred() {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('GraphUpkeep', () => {
  it('reports a check that fails while the upkeep runs', async () => {
    const errors: string[] = [];
    const upkeep = new GraphUpkeep(1, () => Promise.reject(new Error('disk full')), () => 10, (name, error) => errors.push(`${name}: ${String(error)}`));
    upkeep.noteWrites('faces', 5);
    await new Promise((r) => setTimeout(r, 20));
    await upkeep.idle();
    expect(errors).toEqual(['faces: Error: disk full']);
  });

  it('does not report a check that stop() cut short (the store closing under it)', async () => {
    const errors: unknown[] = [];
    const started = deferred();
    const check = deferred();
    const upkeep = new GraphUpkeep(
      1,
      () => {
        started.resolve();
        return check.promise;
      },
      () => 10,
      (_, error) => errors.push(error),
    );
    upkeep.noteWrites('faces', 5);
    await started.promise;
    const stopping = upkeep.stop();
    check.reject(new Error('shard store is closing'));
    await stopping;
    expect(errors).toEqual([]);
  });

  it('runs a check at once when the writes since the last one make up half the collection', async () => {
    const checked: string[] = [];
    const upkeep = new GraphUpkeep(60_000, async (name) => void checked.push(name), () => 2000, () => undefined);
    upkeep.noteWrites('faces', 999);
    await new Promise((r) => setTimeout(r, 10));
    expect(checked).toEqual([]);
    upkeep.noteWrites('faces', 1);
    await new Promise((r) => setTimeout(r, 10));
    await upkeep.idle();
    expect(checked).toEqual(['faces']);
    await upkeep.stop();
  });
});
