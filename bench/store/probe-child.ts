import { spawn, type ChildProcess } from 'node:child_process';

/**
 * A probe that runs in a process of its own (`node -e source args`): it prints "ready", records
 * until its stdin closes, then prints one line of JSON. `result` is that JSON, null if it failed.
 */
export function startProbeChild<T>(source: string, args: string[] = []): { child: ChildProcess; ready: Promise<void>; result: Promise<T | null> } {
  const child = spawn(process.execPath, ['-e', source, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  let resolveReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (resolveReady = resolve));
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    out += chunk;
    if (out.startsWith('ready\n')) resolveReady();
  });
  const result = new Promise<T | null>((resolve) => {
    // 'close', not 'exit': 'exit' can come before the last of stdout is read (a long phase's census
    // then parsed as truncated JSON: null).
    child.on('close', () => {
      resolveReady();
      try {
        resolve(JSON.parse(out.split('\n')[1]) as T);
      } catch {
        resolve(null);
      }
    });
  });
  return { child, ready, result };
}
