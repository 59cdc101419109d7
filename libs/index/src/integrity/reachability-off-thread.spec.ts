import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { graphReachability } from './graph-reachability';
import { parseHnswIndexFile } from './hnsw-graph-file';
import { reachabilityOfBytes, reachabilityOfFile } from './reachability-off-thread';
import { writeIndexWithCutOffNodes } from '../testing/hnsw-cut-off-file';

const dir = mkdtempSync(join(tmpdir(), 'faceshard-reach-spec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A real hnswlib file whose graph has cut-off nodes (see writeIndexWithCutOffNodes). */
function fileWithCutOffNodes(): string {
  return writeIndexWithCutOffNodes(dir, 'cut.hnsw', { elements: 400, firstLabel: 5000, deletedLabel: 5003, seed: 11 });
}

describe('reachabilityOfFile (on a worker thread)', () => {
  it('answers what parsing and walking the file on this thread answers', async () => {
    const file = fileWithCutOffNodes();
    const here = graphReachability(parseHnswIndexFile(readFileSync(file)));
    expect(here.unreachableLabels.length).toBe(398); // all live nodes but the entry point: the comparison is not of two empty lists
    expect(await reachabilityOfFile(file)).toEqual(here);
  });

  it("rejects with the parser's error when the file is not a complete index", async () => {
    const file = join(dir, 'torn.hnsw');
    writeFileSync(file, readFileSync(fileWithCutOffNodes()).subarray(0, 5000));
    await expect(reachabilityOfFile(file)).rejects.toThrow(/truncated/);
  });

  it('rejects when the file does not exist', async () => {
    await expect(reachabilityOfFile(join(dir, 'absent.hnsw'))).rejects.toThrow(/ENOENT/);
  });

  it('answers for the bytes of a file in shared memory what it answers for the file, and rejects bytes that are no index', async () => {
    const file = fileWithCutOffNodes();
    const bytes = readFileSync(file);
    const shared = new SharedArrayBuffer(bytes.length);
    new Uint8Array(shared).set(bytes);
    const answer = await reachabilityOfBytes(shared);
    expect({ unreachableLabels: answer.unreachableLabels, noIncomingLabels: answer.noIncomingLabels }).toEqual(await reachabilityOfFile(file));
    expect(answer.unreachableVectors.length).toBe(answer.unreachableLabels.length * answer.dimension);
    await expect(reachabilityOfBytes(new SharedArrayBuffer(4096))).rejects.toThrow(/not an hnswlib 0\.8 index file/);
  });
});
