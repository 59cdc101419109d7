import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertBuilt, REPO_ROOT } from '../support/cluster-harness';

/**
 * Loading the default models must not print onnxruntime's warnings (native code writes them
 * straight to fd 2, so only a child process shows them): every `npm start` used to open with
 * coloured "Removing initializer 'const_fold_opt__361'" lines about the shipped BlazeFace graph.
 */
describe('loading the default face pipeline', () => {
  assertBuilt();

  it('prints no onnxruntime warning on stderr, in process and in worker threads', () => {
    const lib = join(REPO_ROOT, 'dist/libs/vision/src/index.js');
    const script = `
      const v = require(${JSON.stringify(lib)});
      (async () => {
        const inProcess = await v.createInProcessPipeline();
        await inProcess.close();
        const onWorkers = await v.createDefaultPipeline();
        await onWorkers.close();
        console.log('loaded');
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('loaded');
    expect(run.stderr).not.toMatch(/onnxruntime/);
  });
});
