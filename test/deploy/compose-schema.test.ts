import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cluster-harness';
import { durationMs, interpolate, mapHosts, natsConfigOf, readComposeFile, startOrder, toLocalProcess } from '../support/compose-file';

/**
 * deploy/compose.yaml against the Compose Specification's JSON schema (as shipped by the
 * dclint package, offline), and the pure helpers the topology test runs it with.
 */
const schemaPath = join(dirname(require.resolve('dclint/package.json')), 'schemas/compose.schema.json');
// Draft-07 (Ajv's default), named by an https $schema URL Ajv does not register: dropped. The
// schema carries annotations strict mode does not know ("deprecated"), hence strict: false.
const { $schema: _draft, ...composeSchema } = JSON.parse(readFileSync(schemaPath, 'utf8'));
const validateCompose = new Ajv({ strict: false, allErrors: true }).compile(composeSchema);
const compose = readComposeFile(join(REPO_ROOT, 'deploy/compose.yaml'));

describe('deploy/compose.yaml', () => {
  it('is valid against the Compose Specification schema', () => {
    const valid = validateCompose(compose);
    expect(validateCompose.errors ?? [], JSON.stringify(validateCompose.errors, null, 1)).toEqual([]);
    expect(valid).toBe(true);
  });

  it('would be rejected by the same schema with a misspelt service key or a wrong type', () => {
    const typo = structuredClone(compose);
    (typo.services.gateway as Record<string, unknown>).enviroment = { X: '1' };
    expect(validateCompose(typo)).toBe(false);
    const wrongType = structuredClone(compose);
    (wrongType.services['shard-1'] as Record<string, unknown>).command = 42;
    expect(validateCompose(wrongType)).toBe(false);
  });

  it('runs NATS with JetStream fsyncing every write (sync_interval: always): by default it fsyncs every 2 minutes, and a power cut of the one node would lose acknowledged metadata', () => {
    const conf = natsConfigOf(compose);
    expect(conf).toMatch(/jetstream\s*\{[^}]*store_dir:\s*\/data[^}]*\}/);
    expect(conf).toMatch(/jetstream\s*\{[^}]*sync_interval:\s*always[^}]*\}/);
    expect(compose.services.nats.volumes).toContain('nats-data:/data');
  });

  it('gives every shard its own volume and id, and starts the gateway after NATS, Redis and the shards', () => {
    const shards = Object.entries(compose.services).filter(([, s]) => s.environment?.FACESHARD_ROLE === 'shard');
    expect(new Set(shards.map(([, s]) => s.volumes?.[0]?.split(':')[0])).size).toBe(shards.length);
    const order = startOrder(compose.services);
    for (const dep of ['nats', 'redis', ...shards.map(([name]) => name)]) expect(order.indexOf(dep)).toBeLessThan(order.indexOf('gateway'));
  });
});

describe('compose helpers', () => {
  it('interpolates ${VAR}, ${VAR:-default}, ${VAR:?error} and $$ as Compose does', () => {
    expect(interpolate('a${X}b', { X: '1' })).toBe('a1b');
    expect(interpolate('${X:-dflt}', {})).toBe('dflt');
    expect(interpolate('${X:-dflt}', { X: '' })).toBe('dflt');
    expect(interpolate('${X:?need it}', { X: 'k' })).toBe('k');
    expect(() => interpolate('${X:?need it}', {})).toThrow('X is required: need it');
    expect(interpolate('$$HOME', {})).toBe('$HOME');
  });

  it('reads compose durations', () => {
    expect(durationMs('60s')).toBe(60_000);
    expect(durationMs('1m30s')).toBe(90_000);
    expect(durationMs('500ms')).toBe(500);
    expect(() => durationMs('5 minutes')).toThrow('not a compose duration');
  });

  it('maps service hosts in URLs and URL lists, leaving other hosts alone', () => {
    const hosts = { nats: '127.0.0.1:4222', redis: '127.0.0.1:6390' };
    expect(mapHosts('nats://nats:4222', hosts)).toBe('nats://127.0.0.1:4222');
    expect(mapHosts('redis://redis:6379/0', hosts)).toBe('redis://127.0.0.1:6390/0');
    expect(mapHosts('nats://nats:4222,nats://other:4222', hosts)).toBe('nats://127.0.0.1:4222,nats://other:4222');
    expect(mapHosts('plain nats', hosts)).toBe('plain nats');
  });

  it('turns a service into argv and env: paths under the workdir, overrides last', () => {
    const local = toLocalProcess(
      { command: ['node', 'dist/main.js', '--flag'], environment: { NATS_URL: 'nats://nats:4222', KEY: '${K}', GONE: null, N: 3 } },
      { hosts: { nats: '127.0.0.1:4222' }, interpolation: { K: 'secret' }, workdir: '/repo', overrides: { N: '4' } },
    );
    expect(local).toEqual({ argv: ['node', '/repo/dist/main.js', '--flag'], env: { NATS_URL: 'nats://127.0.0.1:4222', KEY: 'secret', N: '4' } });
  });

  it('orders services after their dependencies and refuses cycles and unknown ones', () => {
    expect(startOrder({ a: { depends_on: ['b'] }, b: { depends_on: { c: {} } }, c: {} })).toEqual(['c', 'b', 'a']);
    expect(() => startOrder({ a: { depends_on: ['b'] }, b: { depends_on: ['a'] } })).toThrow('dependency cycle');
    expect(() => startOrder({ a: { depends_on: ['x'] } })).toThrow('unknown service x');
  });
});
