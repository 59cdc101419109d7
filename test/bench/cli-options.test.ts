import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { usageOfOptions } from '../../bench/cli-options';

describe('usageOfOptions (the --help of the parseArgs tools)', () => {
  it('lists every option: string options take a value, defaults are shown, --help last', () => {
    const usage = usageOfOptions('npm run bench:vision --', {
      photos: { type: 'string', default: '200' },
      flip: { type: 'boolean', default: false },
      images: { type: 'string' },
      variant: { type: 'string', multiple: true },
    });
    const lines = usage.split('\n');
    expect(lines[0]).toBe('npm run bench:vision -- options:');
    expect(lines[1]).toMatch(/^ {2}--photos <value> +\(default "200"\)$/);
    expect(lines[2]).toMatch(/^ {2}--flip +\(default false\)$/);
    expect(lines[3]).toMatch(/^ {2}--images <value>$/);
    expect(lines[4]).toMatch(/^ {2}--variant <value> +\(repeatable\)$/);
    expect(lines[5]).toMatch(/^ {2}--help +this text$/);
  });
});

// The compiled tool, as `npm run bench:vision` runs it (npm test builds first).
const speedJs = join(__dirname, '..', '..', 'dist', 'bench', 'vision', 'speed.js');

describe.skipIf(!existsSync(speedJs))('a parseArgs tool on the command line (needs dist/: npm run build)', () => {
  it('--help prints the options and exits 0 without loading a model', () => {
    const run = spawnSync(process.execPath, [speedJs, '--help'], { encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('--photos <value>');
    expect(run.stdout).toContain('--flip');
  });

  it('an unknown option exits 2 with the message and the options, not a stack trace', () => {
    const run = spawnSync(process.execPath, [speedJs, '--bogus'], { encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("Unknown option '--bogus'");
    expect(run.stderr).toContain('--photos <value>');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
