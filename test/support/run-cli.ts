import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './cluster-harness';

export const CLI_MAIN = join(REPO_ROOT, 'dist/apps/cli/src/main.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the compiled `faceshard` command as a user would, with its own environment. */
export function runCli(args: string[], env: Record<string, string> = {}, options: { cwd?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI_MAIN, ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, cwd: options.cwd ?? REPO_ROOT, timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}
