import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { ensureDlibOnnxModel } from '@faceshard/vision';
import { assertBuilt, REPO_ROOT } from '../support/cluster-harness';

/**
 * deploy/Dockerfile without a container engine: the Docker language server's validator
 * (dockerfile-utils) for syntax, and the image's promises checked on the parsed stages —
 * compilers only in the build stage, a non-root runtime, the model generated at build time
 * (by running the Dockerfile's own command) and found by the runtime's configuration.
 */
const source = readFileSync(join(REPO_ROOT, 'deploy/Dockerfile'), 'utf8');
const dockerfile = DockerfileParser.parse(source);
const [buildStage, runtimeStage] = stages();

function stages(): { name: string; instructions: Instruction[] }[] {
  const result: { name: string; instructions: Instruction[] }[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') result.push({ name: /\bAS\s+(\S+)/i.exec(instruction.getArgumentsContent() ?? '')?.[1] ?? '', instructions: [] });
    else result.at(-1)?.instructions.push(instruction);
  }
  return result;
}

const args = (stage: { instructions: Instruction[] }, keyword: string) =>
  stage.instructions.filter((i) => i.getKeyword() === keyword).map((i) => i.getArgumentsContent() ?? '');
/** COPY instructions as `[--from=stage] src… dest` (the parser keeps flags apart from arguments). */
const copies = (stage: { instructions: Instruction[] }) =>
  stage.instructions
    .filter((i) => i.getKeyword() === 'COPY')
    .map((i) => [...(i as unknown as { getFlags(): { toString(): string }[] }).getFlags().map(String), i.getArgumentsContent()].join(' '));
const COMPILERS = /\b(g\+\+|gcc|make|python3?|build-essential|clang)\b/;

describe('deploy/Dockerfile', () => {
  it('has no diagnostics from the Dockerfile validator (which does flag a broken one)', () => {
    expect(validate(source)).toEqual([]);
    expect(validate(source.replace('WORKDIR /app', 'WORKDR /app')).map((d) => d.message)).toContain('Unknown instruction: WORKDR');
  });

  it('is two stages: compilers in the build stage only, a runtime that copies results from it', () => {
    expect([buildStage.name, runtimeStage.name]).toEqual(['build', 'runtime']);
    expect(args(buildStage, 'RUN').some((run) => COMPILERS.test(run))).toBe(true);
    for (const run of args(runtimeStage, 'RUN')) {
      expect(run).not.toMatch(/apt-get install|apk add|npm (ci|install)/);
      expect(run).not.toMatch(COMPILERS);
    }
    for (const copy of copies(runtimeStage)) expect(copy).toMatch(/^--from=build /);
  });

  it('runs as an unprivileged user', () => {
    const users = args(runtimeStage, 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
  });

  it('sends only files that exist in the repository into the build', () => {
    for (const copy of args(buildStage, 'COPY')) {
      const parts = copy.split(/\s+/).filter((p) => !p.startsWith('--'));
      for (const src of parts.slice(0, -1)) expect(existsSync(join(REPO_ROOT, src)), src).toBe(true);
    }
  });

  it("starts a program the build produces, and its model-generation step yields the model the runtime's FACESHARD_MODEL_CACHE finds", async () => {
    assertBuilt();
    const cmd = JSON.parse(args(runtimeStage, 'CMD').at(-1)!) as string[];
    expect(existsSync(join(REPO_ROOT, cmd[1]))).toBe(true);

    const generate = args(buildStage, 'RUN').find((run) => run.includes('build-dlib-onnx'))!;
    const [, script, target] = generate.trim().split(/\s+/);
    const cacheEnv = args(runtimeStage, 'ENV').join(' ').match(/FACESHARD_MODEL_CACHE=(\S+)/)?.[1];
    expect(copies(runtimeStage)).toContain(`--from=build ${target} ./models`);
    expect(cacheEnv).toBe(target);

    // Run the build step here, /app being this checkout and the target a temp directory.
    const dir = mkdtempSync(join(tmpdir(), 'faceshard-image-models-'));
    try {
      const run = spawnSync(process.execPath, [script, dir], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
      expect(run.status, run.stderr).toBe(0);
      const atRuntime = await ensureDlibOnnxModel({ cacheDir: dir });
      expect(atRuntime.built).toBe(false);
      expect(run.stdout).toContain(atRuntime.path);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
