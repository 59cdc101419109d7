/**
 * `--cpu-placement`: which cores each process of a configuration may run on (Linux `taskset`).
 * Each shard process gets a core of its own; the gateway(s) and this process (the benchmark
 * client) share the cores left over (all of them when the shards take every core); the raw
 * baseline searches pinned to the first shard's core, so "× raw" compares one core with one core.
 * nats-server is the machine's shared loopback server, not started by the benchmark: not placed.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface CpuPlacement {
  /** Cores of shard i (one each). */
  shardCores: number[][];
  /** Cores of the gateway(s) and of this process while a cluster is searched. */
  rest: number[];
  /** One line for the report. */
  description: string;
}

/**
 * Shard i takes the i-th core from the end of `cores`; the gateway and client the cores before.
 * With as many shards as cores or more, shards take the cores round-robin and the rest is every core.
 */
export function planCpuPlacement(cores: number[], shards: number): CpuPlacement {
  if (cores.length === 0) throw new Error('no cores to place processes on');
  const fromEnd = [...cores].reverse();
  const shardCores = Array.from({ length: shards }, (_, i) => [fromEnd[i % fromEnd.length]!]);
  const taken = new Set(shardCores.flat());
  const left = cores.filter((c) => !taken.has(c));
  const rest = left.length > 0 ? left : [...cores];
  const shardText = shardCores.map((c, i) => `shard s${i} on CPU ${c.join(',')}`).join(', ');
  const restText = left.length > 0 ? `gateway and client on CPU ${rest.join(',')}` : `gateway and client unpinned (no core left over)`;
  return { shardCores, rest, description: `${shardText}; ${restText}; nats-server unpinned (shared)` };
}

/** The cores this process may run on (Cpus_allowed_list of /proc/self/status). */
export function allowedCores(): number[] {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('Cpus_allowed_list:'));
  if (!line) throw new Error('no Cpus_allowed_list in /proc/self/status (--cpu-placement needs Linux)');
  return parseCpuList(line.slice(line.indexOf(':') + 1));
}

/** "0-2,5" → [0, 1, 2, 5]. */
export function parseCpuList(text: string): number[] {
  const cores: number[] = [];
  for (const part of text.trim().split(',').filter((p) => p !== '')) {
    const [a, b] = part.split('-').map((n) => Number.parseInt(n, 10));
    if (!Number.isInteger(a) || (b !== undefined && !Number.isInteger(b))) throw new Error(`not a CPU list: ${text}`);
    for (let c = a!; c <= (b ?? a!); c++) cores.push(c);
  }
  return cores;
}

/** Every thread of process `pid` (this process by default) onto `cores` (`taskset -a -p -c`). */
export function pinProcess(cores: number[], pid = process.pid): void {
  execFileSync('taskset', ['-a', '-p', '-c', cores.join(','), String(pid)], { stdio: 'ignore' });
}

/** The command and arguments that start `command args` on `cores` (`taskset -c`, which execs it: same pid). */
export function onCores(cores: number[] | undefined, command: string, args: string[]): { command: string; args: string[] } {
  if (!cores || cores.length === 0) return { command, args };
  return { command: 'taskset', args: ['-c', cores.join(','), command, ...args] };
}
