import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { resolve } from 'node:path';
import { BACKGROUND_NICE } from './integrity/background-thread-priority';

/**
 * Runs `write` (a native call that writes the file at `path` on one of libuv's pool threads:
 * hnswlib-node's writeIndex) with that thread's OS priority lowered to BACKGROUND_NICE, and puts
 * the thread's priority back when it is done.
 *
 * Why: at 1M hnswlib spends 1.4–2.5 s of CPU writing ~600 MB into the page cache; on a 2-core
 * machine it took the core from the event loop (a loop gap of 13.5 ms spent waiting in the run
 * queue while that thread ran, snapshot-stall's attribution) and from the threads that complete
 * the log's fdatasyncs (writers waited 10–38 ms for syncs that take 1–6 ms otherwise). Linux
 * priorities are per thread (a tid is a task) and kernel autogroup puts all of a process's
 * threads in one group, so inside the process a nice value orders them.
 *
 * Which pool thread runs the write is not known to JS. It is found by polling /proc every POLL_MS
 * from the start: the thread inside a system call on the file's descriptor
 * (/proc/self/task/<tid>/syscall; the bulk of hnswlib's file is one write call), or, since a
 * thread on a CPU shows no system call there ("running") and copying into the page cache keeps it
 * on one, the thread other than this one that stayed on a CPU for BUSY_POLLS polls in a row (its
 * CPU time grew by at least BUSY_SHARE of the wall time: schedstat). Only where the priority can be
 * put back afterwards (CAP_SYS_NICE or a nice rlimit that allows it): a pool thread left at nice 10
 * would later run the log's fdatasyncs at that priority. Anywhere else (not Linux, no permission,
 * thread not found) the write runs as before. A pool thread that finishes the write takes its next
 * job before the priority is restored from this thread: that job runs niced for that moment.
 */
const POLL_MS = 2;
const POLL_LIMIT = 500;
const BUSY_POLLS = 3;
const BUSY_SHARE = 0.7;

/** One look at this process's other threads. */
export interface ThreadSample {
  atMs: number;
  /** Per tid: CPU ns so far, and its /proc syscall line ("running" while on a CPU). */
  threads: Map<number, { cpuNs: number; syscall: string }>;
  /** The file's descriptor, when it is open. */
  fd: number | null;
}

export interface WriterThreadProbe {
  /** Whether a thread's nice value can be put back after lowering it. */
  canRestore(): boolean;
  sample(path: string): ThreadSample;
  getNice(tid: number): number;
  setNice(tid: number, nice: number): void;
}

export async function withWriterThreadLowered<T>(path: string, write: () => Promise<T>, probe: WriterThreadProbe = linuxProbe): Promise<T> {
  if (!probe.canRestore()) return write();
  let finished = false;
  let lowered: { tid: number; nice: number } | null = null;
  let polls = 0;
  const samples: ThreadSample[] = [];
  const poll = (): void => {
    if (finished || lowered || polls++ > POLL_LIMIT) return;
    try {
      samples.push(probe.sample(path));
      if (samples.length > BUSY_POLLS + 1) samples.shift();
      const tid = writingThread(samples);
      if (tid !== null) {
        const nice = probe.getNice(tid);
        probe.setNice(tid, Math.max(BACKGROUND_NICE, nice));
        lowered = { tid, nice };
        return;
      }
    } catch {
      return; // no /proc, or the thread went: the write runs at normal priority
    }
    setTimeout(poll, POLL_MS).unref();
  };
  const running = write();
  poll();
  try {
    return await running;
  } finally {
    finished = true;
    const done = lowered as { tid: number; nice: number } | null;
    if (done) {
      try {
        probe.setNice(done.tid, done.nice);
      } catch {
        // the thread is gone
      }
    }
  }
}

/** CapEff has CAP_SYS_NICE (bit 23), or RLIMIT_NICE lets a thread go back to the process's nice value. */
export function mayRaisePriority(status: string, limits: string, processNice: number): boolean {
  const capabilities = /^CapEff:\s*([0-9a-f]+)/m.exec(status)?.[1];
  if (capabilities && (BigInt(`0x${capabilities}`) >> 23n) & 1n) return true;
  const limit = /^Max nice priority\s+(\d+)/m.exec(limits)?.[1];
  return limit !== undefined && 20 - Number(limit) <= processNice;
}

/**
 * The thread writing the file, from the latest samples (oldest first): one inside a system call on
 * its descriptor ("<nr> 0x<fd> ..." in /proc/<tid>/syscall), else one that stayed on a CPU (at
 * least BUSY_SHARE of the time between each of the last BUSY_POLLS + 1 samples, and "running" in
 * the latest); null: none yet.
 */
export function writingThread(samples: ThreadSample[]): number | null {
  const latest = samples[samples.length - 1];
  if (!latest) return null;
  if (latest.fd !== null) {
    const wanted = `0x${latest.fd.toString(16)}`;
    for (const [tid, { syscall }] of latest.threads) {
      const [nr, firstArg] = syscall.trim().split(' ');
      if (/^\d+$/.test(nr) && firstArg === wanted) return tid;
    }
  }
  if (samples.length < BUSY_POLLS + 1) return null;
  for (const [tid, { syscall }] of latest.threads) {
    if (syscall.trim() !== 'running') continue;
    let busy = true;
    for (let i = 1; i < samples.length && busy; i++) {
      const [before, after] = [samples[i - 1].threads.get(tid), samples[i].threads.get(tid)];
      const wallNs = (samples[i].atMs - samples[i - 1].atMs) * 1e6;
      busy = before !== undefined && after !== undefined && after.cpuNs - before.cpuNs >= BUSY_SHARE * wallNs;
    }
    if (busy) return tid;
  }
  return null;
}

let restorable: boolean | null = null;

const linuxProbe: WriterThreadProbe = {
  canRestore() {
    if (restorable === null) {
      try {
        restorable = process.platform === 'linux' && mayRaisePriority(readFileSync('/proc/self/status', 'utf8'), readFileSync('/proc/self/limits', 'utf8'), getPriority());
      } catch {
        restorable = false;
      }
    }
    return restorable;
  },
  sample(path) {
    const target = resolve(path);
    let fd: number | null = null;
    for (const name of readdirSync('/proc/self/fd')) {
      try {
        if (readlinkSync(`/proc/self/fd/${name}`) === target) fd = Number(name);
      } catch {
        // closed meanwhile
      }
    }
    const threads: ThreadSample['threads'] = new Map();
    for (const tid of readdirSync('/proc/self/task').map(Number)) {
      if (tid === process.pid) continue; // never the event loop's own thread
      try {
        const cpuNs = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'latin1').split(' ')[0]);
        threads.set(tid, { cpuNs, syscall: readFileSync(`/proc/self/task/${tid}/syscall`, 'latin1') });
      } catch {
        // the thread ended
      }
    }
    return { atMs: performance.now(), threads, fd };
  },
  getNice: (tid) => getPriority(tid),
  setNice: (tid, nice) => setPriority(tid, nice),
};
