/**
 * CPU time of a process split by thread (Linux /proc/<pid>/task/<tid>/stat): the main thread (the
 * event loop, where hnswlib's addPoint runs) apart from V8's GC helpers, libuv's pool (fsync) and
 * the rest. A receiver that gets 0.8 of a core may spend it off the main thread: the CPU profile
 * (main thread only) cannot tell.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpuSecondsOfStat } from '../cluster/process-idle';

/** The thread's group in a report: `main` for the thread whose id is the process id, else its name (comm). */
export function threadGroup(pid: number, tid: number, comm: string): string {
  return tid === pid ? 'main' : comm.trim() || 'unnamed';
}

/** CPU seconds per thread group of a live process; empty when it cannot be read (gone, not Linux). */
export function threadCpuSeconds(pid: number): Map<string, number> {
  const groups = new Map<string, number>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return groups;
  }
  for (const entry of tids) {
    const tid = Number(entry);
    try {
      const comm = readFileSync(`/proc/${pid}/task/${entry}/comm`, 'utf8');
      const seconds = cpuSecondsOfStat(readFileSync(`/proc/${pid}/task/${entry}/stat`, 'utf8'));
      const group = threadGroup(pid, tid, comm);
      groups.set(group, (groups.get(group) ?? 0) + seconds);
    } catch {
      // the thread ended meanwhile
    }
  }
  return groups;
}

/**
 * Cores each thread group used between two readings (`seconds` apart), largest first; rounded to
 * 0.01. A thread that ended between them is left out: what it used is lost with it. Pure.
 */
export function threadCores(before: Map<string, number>, after: Map<string, number>, seconds: number): Record<string, number> {
  const cores: [string, number][] = [];
  for (const [group, end] of after) {
    const start = before.get(group) ?? 0;
    if (end >= start) cores.push([group, Math.round(((end - start) / seconds) * 100) / 100]);
  }
  cores.sort((a, b) => b[1] - a[1]);
  return Object.fromEntries(cores);
}

/** Field 19 (nice) of a /proc/<pid>/task/<tid>/stat line. Pure. */
export function niceOfStat(stat: string): number {
  const nice = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  if (!Number.isInteger(nice)) throw new Error('not a /proc stat line');
  return nice;
}

/** Nice value of a live process's main thread (the event loop); null when it cannot be read. */
export function mainThreadNice(pid: number): number | null {
  try {
    return niceOfStat(readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}
