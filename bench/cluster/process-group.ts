/**
 * Child processes of one benchmark configuration: started with their own environment, ready
 * when they print `{"event":"ready", ...}` on stdout, stopped together (also on error/SIGINT).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { onCores } from './cpu-placement';

export interface ReadyEvent {
  event: 'ready';
  url?: string;
  [key: string]: unknown;
}

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  /** Resolves with the ready line; rejects if the process exits first or takes longer than the timeout. */
  ready: Promise<ReadyEvent>;
}

/** Every live group, so that a signal handler can stop them all. */
const liveGroups = new Set<ProcessGroup>();

export class ProcessGroup {
  private readonly processes: ManagedProcess[] = [];
  /** The last lines each process printed, for error messages. */
  private readonly tails = new Map<string, string[]>();
  /** Set once stopping was asked for: exits after that are expected. */
  private stopping = false;
  /** Processes that will exit by themselves (a drained shard): their exit is not reported as unexpected. */
  private readonly expectedExits = new Set<string>();

  constructor(private readonly log: (line: string) => void) {
    liveGroups.add(this);
  }

  /** `nodeArgs` go before the script (node's own flags, e.g. --cpu-prof); `cores`: run it on these only (taskset). */
  start(name: string, script: string, env: NodeJS.ProcessEnv, readyTimeoutMs = 60_000, nodeArgs: string[] = [], cores?: number[]): ManagedProcess {
    const { command, args } = onCores(cores, process.execPath, [...nodeArgs, script]);
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    this.tails.set(name, tail);
    const remember = (line: string): void => {
      tail.push(line);
      if (tail.length > 30) tail.shift();
    };
    const ready = new Promise<ReadyEvent>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} not ready after ${readyTimeoutMs} ms; last output:\n${tail.join('\n')}`)), readyTimeoutMs);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        remember(line);
        const event = parseJsonLine(line);
        if (event?.event === 'ready') {
          clearTimeout(timer);
          resolve(event as ReadyEvent);
        }
      });
      createInterface({ input: child.stderr! }).on('line', remember);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (code ${code}, signal ${signal}) before it was ready; last output:\n${tail.join('\n')}`));
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    ready.catch(() => undefined); // observed by the caller; avoid an unhandled rejection meanwhile
    child.once('exit', (code, signal) => {
      if (!this.stopping && !this.expectedExits.has(name)) this.log(`${name} exited unexpectedly (code ${code}, signal ${signal}); last output:\n${tail.join('\n')}`);
    });
    const managed = { name, child, ready };
    this.processes.push(managed);
    return managed;
  }

  /** `name` is about to exit on its own (e.g. a shard that was drained): no "exited unexpectedly" report. */
  expectExit(name: string): void {
    this.expectedExits.add(name);
  }

  /** The last lines of every process, for a failure report. */
  recentOutput(): string {
    return [...this.tails].map(([name, tail]) => `--- ${name} (last ${tail.length} lines)\n${tail.join('\n')}`).join('\n');
  }

  /** The child process started under `name`, if any. */
  child(name: string): ChildProcess | undefined {
    return this.processes.find((p) => p.name === name)?.child;
  }

  pids(): number[] {
    return this.processes.map((p) => p.child.pid).filter((pid): pid is number => pid !== undefined);
  }

  /** SIGTERM to every process, SIGKILL to those still alive after `graceMs`. */
  async stopAll(graceMs = 5_000): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.processes.map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs));
        if ((await Promise.race([exited, timer])) === 'timeout') {
          child.kill('SIGKILL');
          await exited;
        }
      }),
    );
    liveGroups.delete(this);
  }

  /** Last resort from an exit handler: synchronous SIGKILL to whatever is still running. */
  killNow(): void {
    this.stopping = true;
    for (const { child } of this.processes) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }
}

/** Kills every group's processes if this process exits without stopping them. */
export function killAllGroupsNow(): void {
  for (const group of liveGroups) group.killNow();
}

/**
 * Ctrl-C or a kill of a benchmark: runs `cleanUp` (stop child processes, drop what the run made),
 * then exits 130; if that takes longer than `graceMs`, kills every group at once and exits. Child
 * groups are also killed if the process exits any other way.
 */
export function exitCleanlyOnSignal(cleanUp: () => Promise<unknown>, graceMs: number, log: (line: string) => void, what: string): void {
  let exiting = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (exiting) return;
    exiting = true;
    log(`${signal}: ${what}`);
    const hardStop = setTimeout(() => {
      killAllGroupsNow();
      process.exit(130);
    }, graceMs);
    void cleanUp().finally(() => {
      clearTimeout(hardStop);
      process.exit(130);
    });
  };
  // on, not once: a second signal (e.g. relayed by npm/tsx) must not fall back to the default, which exits at once.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.once('exit', killAllGroupsNow);
}

function parseJsonLine(line: string): Record<string, unknown> | null {
  if (!line.startsWith('{')) return null;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
}
