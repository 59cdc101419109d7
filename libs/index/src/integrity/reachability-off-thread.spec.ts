import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { graphReachability } from './graph-reachability';
import { parseHnswIndexFile } from './hnsw-graph-file';
import { reachabilityOfFile, reachabilityOfStream } from './reachability-off-thread';
import { STREAM_ACK_BYTES } from './reachability-protocol';
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

  it('streams a file three times the allowed lead in full: the worker acknowledges what it copied, which lets the waiting feed go on', async () => {
    const chunk = new Uint8Array(1024 * 1024);
    const total = 3 * STREAM_ACK_BYTES;
    let fedBytes = 0;
    const answer = reachabilityOfStream(
      total,
      async (send) => {
        for (let at = 0; at < total; at += chunk.length) {
          await send(at, chunk);
          fedBytes += chunk.length;
        }
      },
      STREAM_ACK_BYTES, // at most 8 MB ahead of the worker: without its acknowledgements the feed would wait for good
    );
    // Zeros are no index: the worker's answer is the parser's error, after the whole stream.
    await expect(answer).rejects.toThrow(/not an hnswlib 0\.8 index file/);
    expect(fedBytes).toBe(total);
  });
});
