/**
 * Per-thread scheduler accounting of this process, read from /proc/self/task/<tid>/schedstat
 * (Linux): for each thread, ns spent on a CPU and ns spent runnable but waiting for one. Read at
 * every tick of the probes' 1 ms timer, so a long event-loop gap splits into: the main thread on
 * a CPU (our JS, GC, native code called from JS), waiting in the run queue (another thread or
 * process had the core), or neither (blocked: a syscall, a page fault, a futex), and says which of
 * our other threads ran meanwhile. The files stay open and are re-read at offset 0 (a pread costs a
 * few µs, not an open); the thread list is re-scanned every RESCAN_MS for threads started later.
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';

export interface ThreadTimes {
  /** ns on a CPU, per tid. */
  cpuNs: Map<number, number>;
  /** ns runnable but not running, per tid. */
  waitNs: Map<number, number>;
  /** The main thread's page faults so far (minor, major: /proc/self/task/<pid>/stat), null without /proc. */
  mainFaults: [number, number] | null;
  /**
   * The main thread's user and system CPU time so far, ms (utime, stime of the same stat file; the
   * kernel counts them in ticks of 10 ms, so only long gaps tell): system time in an own-code gap
   * points at the kernel (page faults, reclaim, compaction), user time at our code or hnswlib.
   */
  mainUserSysMs: [number, number] | null;
}

const RESCAN_MS = 100;

export interface ThreadCensus {
  /** False where /proc is not there (not Linux): read() then returns empty maps. */
  readonly available: boolean;
  read(nowMs: number): ThreadTimes;
  /** What each thread is: the main thread, one present before the store opened, or started later. */
  describe(tid: number): string;
  close(): void;
}

/** `platformTids`: threads present before anything else started (node's and V8's own helpers). */
export function openThreadCensus(platformTids: ReadonlySet<number>): ThreadCensus {
  const fds = new Map<number, number>();
  const buffer = Buffer.alloc(128);
  let lastScan = -Infinity;
  const firstSeen = new Map<number, 'start' | 'later'>();
  let available = true;
  let mainStat: number | null = null;
  try {
    mainStat = openSync(`/proc/self/task/${process.pid}/stat`, 'r');
  } catch {
    // not Linux
  }
  const statBuffer = Buffer.alloc(1024);
  const ticksMs = 10; // USER_HZ is 100 on Linux
  const mainStatFields = (): string[] | null => {
    if (mainStat === null) return null;
    const text = statBuffer.toString('latin1', 0, readSync(mainStat, statBuffer, 0, statBuffer.length, 0));
    return text.slice(text.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
  };
  const mainFaults = (fields: string[] | null): [number, number] | null => (fields ? [Number(fields[7]), Number(fields[9])] : null); // minflt (10), majflt (12)
  const mainUserSys = (fields: string[] | null): [number, number] | null => (fields ? [Number(fields[11]) * ticksMs, Number(fields[12]) * ticksMs] : null); // utime (14), stime (15)
  const scan = (): void => {
    let tids: number[];
    try {
      tids = readdirSync('/proc/self/task').map(Number);
    } catch {
      available = false;
      return;
    }
    for (const tid of tids) {
      if (fds.has(tid)) continue;
      try {
        fds.set(tid, openSync(`/proc/self/task/${tid}/schedstat`, 'r'));
        firstSeen.set(tid, lastScan === -Infinity ? 'start' : 'later');
      } catch {
        // the thread ended between readdir and open
      }
    }
  };
  const comm = (tid: number): string => {
    try {
      return readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
    } catch {
      return '?';
    }
  };
  return {
    get available() {
      return available;
    },
    read(nowMs) {
      if (nowMs - lastScan > RESCAN_MS) {
        scan();
        lastScan = nowMs;
      }
      const cpuNs = new Map<number, number>();
      const waitNs = new Map<number, number>();
      for (const [tid, fd] of fds) {
        let n = 0;
        try {
          n = readSync(fd, buffer, 0, buffer.length, 0);
        } catch {
          closeSync(fd);
          fds.delete(tid); // the thread ended
          continue;
        }
        const [cpu, wait] = buffer.toString('latin1', 0, n).split(' ');
        cpuNs.set(tid, Number(cpu));
        waitNs.set(tid, Number(wait));
      }
      const fields = mainStatFields();
      return { cpuNs, waitNs, mainFaults: mainFaults(fields), mainUserSysMs: mainUserSys(fields) };
    },
    describe(tid) {
      if (tid === process.pid) return 'main';
      const kind = platformTids.has(tid) ? 'node/V8 platform' : firstSeen.get(tid) === 'later' ? 'started during the run' : 'libuv pool or worker';
      return `${kind} ${tid} (${comm(tid)})`;
    },
    close() {
      for (const fd of fds.values()) closeSync(fd);
      fds.clear();
      if (mainStat !== null) closeSync(mainStat);
    },
  };
}

function currentThreadIds(): Set<number> {
  try {
    return new Set(readdirSync('/proc/self/task').map(Number));
  } catch {
    return new Set();
  }
}

/**
 * This process's threads when this module was first loaded: node's and V8's own (the main thread,
 * V8's platform workers that also run GC helpers, the signal and inspector threads). Import this
 * module first, before anything starts libuv's thread pool (its threads start at its first use).
 */
export const threadsAtStartup: ReadonlySet<number> = currentThreadIds();
