/**
 * CPU time per HTTP search through the whole gateway and shard code, in one process: the
 * embedded platform (gateway + one in-process shard), requests injected into Fastify (no
 * sockets, no NATS), a small collection so that hnswlib is a small part. What it measures is
 * the code around hnswlib, as CPU time (process.cpuUsage, every thread of the process), which a
 * loaded machine inflates far less than latency. The platform is configured from this
 * process's environment (LOG_LEVEL info unless set), so variants are runs with another
 * environment, best alternated (one platform per process: two in one process share its heap and
 * JIT state and measured alike within the noise), e.g. the access log sampled vs on every request:
 *
 *   npm run build
 *   for i in 1 2 3; do for s in 0.01 1; do ACCESS_LOG_SAMPLE=$s node dist/bench/cluster/http-path-cost.js \
 *     --label "sample $s" 2>>/tmp/http-path-cost.txt | grep -v '^{'; done; done; grep median /tmp/http-path-cost.txt
 *   options: [--requests 5000] [--rounds 3] [--identities 2000] [--ef 64] [--label L] [--profile DIR]
 *
 * The process logs to stdout: pipe it to a reader, as a platform's log collector reads it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createObservability, readObservabilityConfig } from '@faceshard/observability';
import { readGatewayConfig } from '../../apps/gateway/src/config/gateway-config';
import { startPlatform, type RunningPlatform } from '../../apps/platform/src/start-platform';

interface Options {
  requests: number;
  rounds: number;
  identities: number;
  ef: number;
  label: string;
  profileDir?: string;
}

const DIMENSION = 128;

const NUMERIC_OPTIONS = { '--requests': 'requests', '--rounds': 'rounds', '--identities': 'identities', '--ef': 'ef' } as const;

function parseOptions(argv: string[]): Options {
  const opts: Options = { requests: 5000, rounds: 3, identities: 2000, ef: 64, label: 'this environment' };
  for (let i = 0; i < argv.length; i += 2) {
    const [name, value] = [argv[i]!, argv[i + 1]];
    if (name in NUMERIC_OPTIONS) opts[NUMERIC_OPTIONS[name as keyof typeof NUMERIC_OPTIONS]] = positive(name, value);
    else if (name === '--label' && value) opts.label = value;
    else if (name === '--profile' && value) opts.profileDir = value;
    else throw new Error(`unknown option ${name} (see the comment at the top of bench/cluster/http-path-cost.ts)`);
  }
  return opts;
}

function positive(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${value}`);
  return n;
}

/** A deterministic unit vector per seed (the vectors' distribution does not matter here). */
function unitVector(seed: number): Float32Array {
  const v = new Float32Array(DIMENSION);
  let norm = 0;
  for (let i = 0; i < DIMENSION; i++) {
    v[i] = Math.sin(seed * 31 + i * 7.1);
    norm += v[i] * v[i];
  }
  for (let i = 0; i < DIMENSION; i++) v[i] /= Math.sqrt(norm);
  return v;
}

const b64 = (v: Float32Array): string => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');

interface Running {
  platform: RunningPlatform;
  dataDir: string;
  inject(method: string, url: string, payload?: unknown): Promise<{ statusCode: number; body: string }>;
}

async function startEmbedded(opts: Options): Promise<Running> {
  const dataDir = mkdtempSync(join(tmpdir(), 'faceshard-http-path-cost-'));
  const env: NodeJS.ProcessEnv = { LOG_LEVEL: 'info', ...process.env, DATA_DIR: dataDir, PORT: '0', FACE_PRELOAD: 'false' };
  const observability = createObservability(readObservabilityConfig(env), { role: 'embedded' }, { processMetrics: false });
  const platform = await startPlatform(readGatewayConfig(env), env, observability);
  const fastify = platform.gateway.app.getHttpAdapter().getInstance();
  const inject = async (method: string, url: string, payload?: unknown) => {
    const res = await fastify.inject({ method: method as 'POST', url, payload: payload as string, headers: { 'content-type': 'application/json' } });
    return { statusCode: res.statusCode, body: res.body };
  };
  const created = await inject('POST', '/v1/collections', { name: 'cost', dimension: DIMENSION, metric: 'ip' });
  if (created.statusCode >= 300) throw new Error(`create collection: ${created.body}`);
  for (let start = 0; start < opts.identities; start += 1000) {
    const identities = Array.from({ length: Math.min(1000, opts.identities - start) }, (_, i) => ({
      identityId: `p${start + i}`,
      mode: 'replace',
      faces: [{ faceId: 'f0', vectorB64: b64(unitVector(start + i)) }],
    }));
    const res = await inject('POST', '/v1/collections/cost/identities/batch', { identities });
    if (res.statusCode !== 200) throw new Error(`insert: ${res.body}`);
  }
  return { platform, dataDir, inject };
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const bodies = Array.from({ length: 500 }, (_, i) => JSON.stringify({ vectorB64: b64(unitVector(i + 0.5)), k: 10, ef: opts.ef }));
  const r = await startEmbedded(opts);
  const session = new Session();
  const post = (method: string, params: object = {}) =>
    new Promise<any>((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
  try {
    const rounds: number[] = [];
    const search = async (i: number) => {
      const res = await r.inject('POST', '/v1/collections/cost/search', bodies[i % bodies.length]);
      if (res.statusCode !== 200) throw new Error(`search: HTTP ${res.statusCode} ${res.body}`);
    };
    for (let round = 0; round < opts.rounds; round++) {
      for (let i = 0; i < 1000; i++) await search(i); // warm-up (JIT)
      if (opts.profileDir) {
        session.connect();
        await post('Profiler.enable');
        await post('Profiler.start');
      }
      const cpu0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < opts.requests; i++) await search(i);
      const wallUs = Number(process.hrtime.bigint() - t0) / 1e3 / opts.requests;
      const cpu = process.cpuUsage(cpu0);
      const cpuUs = (cpu.user + cpu.system) / opts.requests;
      if (opts.profileDir) {
        const { profile } = await post('Profiler.stop');
        session.disconnect();
        const file = join(opts.profileDir, `http-path-cost.${opts.label.replace(/[^A-Za-z0-9]+/g, '-')}.${process.pid}.round${round}.cpuprofile`);
        writeFileSync(file, JSON.stringify(profile));
      }
      rounds.push(cpuUs);
      console.error(`round ${round} ${opts.label}: ${cpuUs.toFixed(1)} µs CPU / request (${wallUs.toFixed(1)} µs wall), load ${loadavg()[0].toFixed(2)}`);
    }
    console.error(`\n${opts.requests} searches per round, ${opts.identities} identities, ef ${opts.ef}, k 10; CPU time of this process per request (median of ${opts.rounds} rounds)`);
    const sorted = [...rounds].sort((a, b) => a - b);
    console.error(`${opts.label}: median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} µs CPU / request (rounds: ${rounds.map((v) => v.toFixed(1)).join(' / ')})`);
  } finally {
    await r.platform.close();
    rmSync(r.dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
