import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MetaSource } from './meta-file';
import { writeCollectionFiles } from './snapshot-files';
import { nodeStoreFs } from './store-fs';
import { mayRaisePriority, withWriterThreadLowered, writingThread, type ThreadSample, type WriterThreadProbe } from './writer-thread-priority';

/** Nice value of each thread of this process (field 19 of /proc/self/task/<tid>/stat). */
function niceByThread(): Map<number, number> {
  const nice = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task').map(Number)) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'latin1');
      nice.set(tid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
    } catch {
      // ended
    }
  }
  return nice;
}

const linuxWithNice = process.platform === 'linux' && mayRaisePriority(readFileSync('/proc/self/status', 'utf8'), readFileSync('/proc/self/limits', 'utf8'), 0);

describe('writer thread priority', () => {
  it('finds the thread by the descriptor its system call works on, or as the one that stays on a CPU', () => {
    const sample = (atMs: number, fd: number | null, threads: [number, number, string][]): ThreadSample => ({
      atMs,
      fd,
      threads: new Map(threads.map(([tid, cpuMs, syscall]) => [tid, { cpuNs: cpuMs * 1e6, syscall }])),
    });
    const inCall = sample(0, 26, [
      [11, 0, 'running'],
      [12, 0, '75 0x7 0x0 0x0 0x0 0x0 0x0 0x7ffd 0x7f00'],
      [13, 0, '1 0x1a 0x7f3c 0x2000000 0x0 0x0 0x0 0x7ffd 0x7f00'],
    ]);
    expect(writingThread([inCall])).toBe(13);
    expect(writingThread([{ ...inCall, fd: 7 }])).toBe(12);
    expect(writingThread([{ ...inCall, fd: 8 }])).toBeNull();
    // Thread 21 on a CPU for 2 ms of every 2 ms, 22 for half of it: 21, once it has done so for three polls.
    const busy = [0, 2, 4, 6].map((t) =>
      sample(t, 30, [
        [21, t, 'running'],
        [22, t / 2, 'running'],
        [23, 0, '202 0x249dfb30 0x189 0x0 0x0 0'],
      ]),
    );
    expect(writingThread(busy.slice(0, 3))).toBeNull();
    expect(writingThread(busy)).toBe(21);
    // Off the CPU in the latest sample (and not in a call on the file): not it.
    const last = busy[3].threads;
    last.set(21, { ...last.get(21)!, syscall: '202 0x1 0x0' });
    expect(writingThread(busy)).toBeNull();
  });

  it('lowers only where the priority can be put back: CAP_SYS_NICE, or a nice rlimit that allows it', () => {
    const limits = (n: number) => `Limit  Soft Limit  Hard Limit  Units\nMax nice priority         ${n}                    ${n}                    \n`;
    expect(mayRaisePriority('CapEff:\t000001fffeffffff\n', limits(0), 0)).toBe(true);
    expect(mayRaisePriority('CapEff:\t00000000a80425fb\n', limits(0), 0)).toBe(false); // docker's default set: no CAP_SYS_NICE
    expect(mayRaisePriority('CapEff:\t0000000000000000\n', limits(20), 0)).toBe(true);
    expect(mayRaisePriority('CapEff:\t0000000000000000\n', limits(10), 5)).toBe(false);
    expect(mayRaisePriority('CapEff:\t0000000000000000\n', limits(10), 10)).toBe(true);
  });

  it('lowers the thread found and puts its priority back once the write is done, failed or not', async () => {
    const set: [number, number][] = [];
    const probe: WriterThreadProbe = {
      canRestore: () => true,
      sample: () => ({ atMs: 0, fd: 5, threads: new Map([[42, { cpuNs: 0, syscall: '1 0x5 0x0' }]]) }),
      getNice: () => 3,
      setNice: (tid, nice) => void set.push([tid, nice]),
    };
    await expect(withWriterThreadLowered('/x', async () => 'done', probe)).resolves.toBe('done');
    expect(set).toEqual([
      [42, 10],
      [42, 3],
    ]);
    set.length = 0;
    await expect(withWriterThreadLowered('/x', () => Promise.reject(new Error('disk full')), probe)).rejects.toThrow('disk full');
    expect(set).toEqual([
      [42, 10],
      [42, 3],
    ]);
    set.length = 0;
    await withWriterThreadLowered('/x', async () => 'done', { ...probe, canRestore: () => false });
    expect(set).toEqual([]);
  });

  describe.runIf(linuxWithNice)('a snapshot writing an index file (real threads)', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'faceshard-writer-nice-'));
    });
    afterEach(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('writes it from a libuv thread at nice 10, and that thread is back at its nice value afterwards', async () => {
      const before = niceByThread();
      const seen = new Map<number, number>();
      const watch = setInterval(() => {
        for (const [tid, nice] of niceByThread()) seen.set(tid, Math.max(nice, seen.get(tid) ?? -20));
      }, 1);
      const meta: MetaSource = { nextLabel: 0, identityCount: 0, identities: [], freeLabelCount: 0, freeLabels: [], tombstoneCount: 0, tombstones: [] };
      // As hnswlib's writeIndex: a big file written by one call on a libuv pool thread.
      const big = Buffer.alloc(384 * 1024 * 1024, 1);
      await writeCollectionFiles(nodeStoreFs, dir, 0, {
        spec: { name: 'c', dimension: 4, metric: 'cosine' },
        writeIndex: async (path) => {
          const file = await open(path, 'w');
          await file.write(big, 0, big.length, 0);
          await file.write(big, 0, big.length, big.length); // long enough for the polling to find it at least once
          await file.close();
          return true;
        },
        metaStream: () => meta,
      });
      clearInterval(watch);
      const lowered = [...seen].filter(([tid, nice]) => tid !== process.pid && nice === 10 && (before.get(tid) ?? 0) < 10);
      expect(lowered.length).toBeGreaterThan(0);
      const after = niceByThread();
      for (const [tid] of lowered) expect(after.get(tid) ?? 0).toBe(before.get(tid) ?? 0);
      expect(after.get(process.pid)).toBe(before.get(process.pid));
    });
  });
});
