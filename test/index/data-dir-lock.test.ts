import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ShardStore } from '@faceshard/index';
import { makeTempDir, removeDir } from './helpers';

const REPO_ROOT = resolve(__dirname, '../..');
const FIXTURE = join(__dirname, 'fixtures', 'lock-holder.ts');

interface Holder {
  child: ChildProcess;
  /** First line the child printed: `OPENED <pid>` or `LOCKED <code>`. */
  outcome: Promise<string>;
}

function startHolder(dataDir: string): Holder {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dataDir], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const outcome = new Promise<string>((resolvePromise, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolvePromise(out.split('\n')[0]);
    });
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (code, signal) => reject(new Error(`holder exited (code ${code}, signal ${signal}) before saying anything: ${err}`)));
  });
  return { child, outcome };
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolvePromise) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolvePromise();
    child.once('exit', () => resolvePromise());
    child.kill('SIGKILL');
  });
}

describe('data-folder lock: exclusive across processes, released by the kernel when the holder dies', () => {
  let dir: string;
  const children: ChildProcess[] = [];

  beforeEach(() => {
    dir = makeTempDir('lock');
  });

  afterEach(async () => {
    await Promise.all(children.splice(0).map(killed));
    removeDir(dir);
  });

  it('refuses a second process while the first holds the folder, and takes over at once after the holder is killed -9', async () => {
    const holder = startHolder(dir);
    children.push(holder.child);
    expect(await holder.outcome).toBe(`OPENED ${holder.child.pid}`);

    await expect(ShardStore.open({ dataDir: dir })).rejects.toMatchObject({
      code: 'DATA_DIR_LOCKED',
      message: expect.stringContaining(`in use by another process (pid ${holder.child.pid})`),
    });

    await killed(holder.child); // kill -9: no cleanup ran, the LOCK file is still there
    const store = await ShardStore.open({ dataDir: dir });
    try {
      expect(store.identityIds('locks')).toEqual([`held-by-${holder.child.pid}`]);
    } finally {
      await store.close();
    }
  });

  it('lets exactly one of two processes that start together open the folder', async () => {
    const [a, b] = [startHolder(dir), startHolder(dir)];
    children.push(a.child, b.child);
    const outcomes = (await Promise.all([a.outcome, b.outcome])).map((line) => line.split(' ')[0]).sort();
    expect(outcomes).toEqual(['LOCKED', 'OPENED']);
  });

  it('is not fooled by a LOCK file naming our own pid or pid 1 (a container restart): no live holder, so it opens', async () => {
    for (const pid of [process.pid, 1]) {
      writeFileSync(join(dir, 'LOCK'), `${pid}\n`);
      const store = await ShardStore.open({ dataDir: dir });
      await store.close();
    }
  });

  it('refuses a second store on the same folder inside one process', async () => {
    const store = await ShardStore.open({ dataDir: dir });
    try {
      await expect(ShardStore.open({ dataDir: dir })).rejects.toMatchObject({ code: 'DATA_DIR_LOCKED' });
    } finally {
      await store.close();
    }
  });
});
