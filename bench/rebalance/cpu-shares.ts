/**
 * Where the CPU went over a window of a benchmark: per named process (from /proc/<pid>/stat), this
 * benchmark process itself, and the whole machine (/proc/stat), in cores. It tells a move that is
 * slow because the receiver is inefficient from one that is slow because it gets little CPU (the
 * search load, the other processes, or other jobs on a shared machine take the rest).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { cpuSeconds, TICKS_PER_SECOND } from '../cluster/process-idle';

/** Busy CPU seconds of the whole machine (every core: all but idle and iowait). */
function machineBusySeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = fields[3] + fields[4];
  return (fields.slice(0, 8).reduce((a, b) => a + b, 0) - idle) / TICKS_PER_SECOND;
}

/** The pid of the first process whose command name is `comm` (e.g. nats-server), if any. */
export function pidByCommand(comm: string): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === comm) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

interface Reading {
  at: number;
  /** NaN once a process is gone. */
  processes: Map<string, number>;
  self: number;
  machine: number;
}

export type CpuShares = { seconds: number; cores: Record<string, number>; machineCores: number; machineCoresAvailable: number };

/** Start a window with start(), end it with stop(): cores each process used on average meanwhile. */
export class CpuShareMeter {
  private started: Reading | null = null;

  constructor(private readonly pids: () => Map<string, number>) {}

  start(): void {
    this.started = this.read();
  }

  stop(): CpuShares | null {
    const from = this.started;
    if (!from) return null;
    this.started = null;
    const to = this.read();
    const seconds = (to.at - from.at) / 1000;
    const cores: Record<string, number> = {};
    for (const [name, before] of from.processes) {
      const after = to.processes.get(name);
      if (after !== undefined && Number.isFinite(before) && Number.isFinite(after)) cores[name] = round2((after - before) / seconds);
    }
    cores.bench = round2((to.self - from.self) / seconds);
    const ours = Object.values(cores).reduce((a, b) => a + b, 0);
    const machineCores = round2((to.machine - from.machine) / seconds);
    // Other jobs on a shared machine, the kernel, NATS if it was not found. A run with other > ~0.1 was disturbed.
    cores.other = round2(Math.max(0, machineCores - ours));
    return { seconds: round2(seconds), cores, machineCores, machineCoresAvailable: cpus().length };
  }

  private read(): Reading {
    const usage = process.cpuUsage();
    return {
      at: performance.now(),
      processes: new Map([...this.pids()].map(([name, pid]) => [name, cpuSeconds(pid)])),
      self: (usage.user + usage.system) / 1e6,
      machine: machineBusySeconds(),
    };
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
