import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeStoreFs, type StoreFs } from '../store-fs';
import { parseHnswIndexFile } from './hnsw-graph-file';
import { reachabilityOfFile } from './reachability-off-thread';
import { reachabilityOfIndexFile } from './snapshot-graph';
import { writeIndexWithCutOffNodes } from '../testing/hnsw-cut-off-file';

const dir = mkdtempSync(join(tmpdir(), 'faceshard-snapshot-graph-spec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A real hnswlib file whose graph has cut-off nodes (see writeIndexWithCutOffNodes). */
function fileWithCutOffNodes(): string {
  return writeIndexWithCutOffNodes(dir, 'cut.hnsw', { elements: 300, firstLabel: 100, deletedLabel: 110, seed: 5 });
}

/** The real file system, counting the bytes of each read of `path`. */
function countingReads(): { fs: StoreFs; reads: number[] } {
  const reads: number[] = [];
  const fs: StoreFs = {
    ...nodeStoreFs,
    async open(path, flags) {
      const file = await nodeStoreFs.open(path, flags);
      return {
        get fd() {
          return file.fd;
        },
        write: (data, offset, length, position) => file.write(data, offset, length, position),
        read: async (buffer, offset, length, position) => {
          reads.push(length);
          return file.read(buffer, offset, length, position);
        },
        datasync: () => file.datasync(),
        truncate: (length) => file.truncate(length),
        size: () => file.size(),
        close: () => file.close(),
      };
    },
  };
  return { fs, reads };
}

describe('reachabilityOfIndexFile (a snapshot index read in steps through the store file system, parsed on a worker)', () => {
  it('answers what the worker answers for the whole file, with the stored vector of every unreachable node', async () => {
    const file = fileWithCutOffNodes();
    const { fs, reads } = countingReads();
    const answer = await reachabilityOfIndexFile(fs, file, { pacing: 4096 });
    const whole = await reachabilityOfFile(file);
    expect(answer.unreachableLabels).toEqual(whole.unreachableLabels);
    expect(answer.unreachableLabels.length).toBe(298); // all live nodes but the entry point
    expect(answer.noIncomingLabels).toEqual(whole.noIncomingLabels);
    const graph = parseHnswIndexFile(readFileSync(file));
    expect(answer.dimension).toBe(8);
    answer.unreachableLabels.forEach((label, i) => {
      const internal = Array.from(graph.labelOf).indexOf(label);
      expect(Array.from(answer.unreachableVectors.subarray(i * 8, (i + 1) * 8)), `label ${label}`).toEqual(Array.from(graph.vectorOf(internal)));
    });
    // In steps of the pacing's size, never the whole file at once.
    const size = readFileSync(file).length;
    expect(size).toBeGreaterThan(3 * 4096);
    expect(reads.length).toBe(Math.ceil(size / 4096));
    expect(Math.max(...reads)).toBe(4096);
  });

  it("rejects with the parser's error when the file is not a complete index", async () => {
    const file = join(dir, 'torn.hnsw');
    writeFileSync(file, readFileSync(fileWithCutOffNodes()).subarray(0, 5000));
    await expect(reachabilityOfIndexFile(nodeStoreFs, file, { pacing: 4096 })).rejects.toThrow(/truncated/);
  });

  it("rejects with the read's error when a read fails", async () => {
    const file = fileWithCutOffNodes();
    const failing: StoreFs = {
      ...nodeStoreFs,
      async open(path, flags) {
        const real = await nodeStoreFs.open(path, flags);
        return { ...real, fd: real.fd, size: () => real.size(), close: () => real.close(), read: async () => Promise.reject(new Error('EIO: injected')) };
      },
    };
    await expect(reachabilityOfIndexFile(failing, file, { pacing: 4096 })).rejects.toThrow(/EIO/);
  });

  it('stops reading when told to (a store closing does not wait for the rest of the file)', async () => {
    const file = fileWithCutOffNodes();
    const { fs, reads } = countingReads();
    let steps = 0;
    await expect(reachabilityOfIndexFile(fs, file, { pacing: 4096, stopped: () => ++steps > 2 })).rejects.toThrow(/the store is closing/);
    expect(reads.length).toBe(2);
  });
});
