import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cluster-harness';
import { readComposeFile } from '../support/compose-file';

/**
 * A misspelt variable in a manifest is silently ignored by the program and by every schema.
 * So: each variable that deploy/ gives a faceshard process must be one the code reads.
 */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

const source = ['apps', 'libs'].flatMap((d) => sourceFiles(join(REPO_ROOT, d))).map((f) => readFileSync(f, 'utf8')).join('\n');
const readByCode = (name: string) => new RegExp(`env\\.${name}\\b|['"\`]${name}['"\`]`).test(source);

function deployedVariables(): Map<string, string> {
  const where = new Map<string, string>();
  const k8s = join(REPO_ROOT, 'deploy/k8s');
  for (const file of readdirSync(k8s).filter((f) => f.endsWith('.yaml'))) {
    for (const doc of parseAllDocuments(readFileSync(join(k8s, file), 'utf8'))) {
      const object = doc.toJS() as { kind: string; spec?: { template?: { spec?: { containers?: { image: string; env?: { name: string }[] }[] } } } };
      for (const container of object.spec?.template?.spec?.containers ?? []) {
        if (!container.image.startsWith('faceshard')) continue;
        for (const { name } of container.env ?? []) where.set(name, `deploy/k8s/${file}`);
      }
    }
  }
  const compose = readComposeFile(join(REPO_ROOT, 'deploy/compose.yaml'));
  for (const service of Object.values(compose.services)) {
    if (!service.image?.startsWith('faceshard')) continue;
    for (const name of Object.keys(service.environment ?? {})) where.set(name, 'deploy/compose.yaml');
  }
  const dockerfile = DockerfileParser.parse(readFileSync(join(REPO_ROOT, 'deploy/Dockerfile'), 'utf8'));
  for (const instruction of dockerfile.getInstructions().filter((i) => i.getKeyword() === 'ENV')) {
    for (const match of (instruction.getArgumentsContent() ?? '').matchAll(/([A-Z][A-Z0-9_]*)=/g)) where.set(match[1], 'deploy/Dockerfile');
  }
  return where;
}

// Read by tools, not by faceshard's code.
const TOOL_VARIABLES = new Set(['NODE_ENV', 'ONNXRUNTIME_NODE_INSTALL', 'npm_config_nodedir']);

describe('deploy/ environment variables', () => {
  it('gives faceshard processes only variables its code reads', () => {
    const unknown = [...deployedVariables()].filter(([name]) => !TOOL_VARIABLES.has(name) && !readByCode(name)).map(([name, file]) => `${name} (${file})`);
    expect(unknown).toEqual([]);
  });

  it('would notice a misspelt one', () => {
    expect(readByCode('FACESHARD_CLUSTER')).toBe(true);
    expect(readByCode('FACESHARD_CLUSTR')).toBe(false);
  });
});
