import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { testClusterName } from './test-run';

export const REPO_ROOT = resolve(__dirname, '../..');
export const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
export const GATEWAY_MAIN = join(REPO_ROOT, 'dist/apps/gateway/src/main.js');
/** `npm start`'s entry point: the embedded platform by default, or the role FACESHARD_ROLE names. */
export const PLATFORM_MAIN = join(REPO_ROOT, 'dist/apps/platform/src/main.js');
export const SHARD_MAIN = join(REPO_ROOT, 'dist/apps/shard/src/main.js');

/** Real processes of a real cluster on the real NATS server, each test cluster under its own name. */
export function assertBuilt(): void {
  if (![GATEWAY_MAIN, SHARD_MAIN, PLATFORM_MAIN].every((entry) => existsSync(entry))) {
    throw new Error(`compiled apps not found under dist/: run "npm run build" first ("npm test" does it for you)`);
  }
}

export interface ManagedProcess {
  child: ChildProcess;
  ready: Record<string, unknown>;
  output: string[];
}

export async function startProcess(main: string, env: Record<string, string>, timeoutMs = 30_000): Promise<ManagedProcess> {
  const child = spawn(process.execPath, [main], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const lines = createInterface({ input: child.stdout! });
  child.stderr!.on('data', (chunk) => output.push(String(chunk)));
  const ready = await new Promise<Record<string, unknown>>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready after ${timeoutMs} ms:\n${output.join('')}`)), timeoutMs);
    lines.on('line', (line) => {
      output.push(line + '\n');
      if (!line.startsWith('{')) return;
      try {
        const event = JSON.parse(line);
        if (event.event === 'ready') {
          clearTimeout(timer);
          resolveReady(event);
        }
      } catch {
        /* a log line that merely starts with a brace */
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code ?? signal}) before ready:\n${output.join('')}`));
    });
  });
  return { child, ready, output };
}

export class TestCluster {
  readonly name = testClusterName();
  readonly root = mkdtempSync(join(tmpdir(), 'faceshard-e2e-'));
  readonly shards = new Map<string, ManagedProcess>();
  gateway?: ManagedProcess;
  readonly extraGateways: ManagedProcess[] = [];
  url = '';
  /** Sent by the harness's own calls (waitForMembers) when the cluster requires API keys. */
  apiKey?: string;

  constructor(private readonly extraEnv: Record<string, string> = {}) {
    assertBuilt();
  }

  private baseEnv(): Record<string, string> {
    // SHARD_DOWN_AFTER_MS: a shard whose heartbeat is late by this much is left out of fan-outs.
    // The 3 s default flakes when parallel test files load the 2 cores (a busy shard misses beats
    // and a first search finds every shard "down"); tests about down shards set their own.
    return { NATS_URL, FACESHARD_CLUSTER: this.name, HNSW_EF_SEARCH: '200', HEARTBEAT_EVERY_MS: '300', SHARD_DOWN_AFTER_MS: '10000', ...this.extraEnv };
  }

  async startShard(shardId: string): Promise<ManagedProcess> {
    const shard = await startProcess(SHARD_MAIN, {
      ...this.baseEnv(),
      FACESHARD_ROLE: 'shard',
      SHARD_ID: shardId,
      DATA_DIR: join(this.root, shardId),
    });
    this.shards.set(shardId, shard);
    return shard;
  }

  async startGateway(env: Record<string, string> = {}): Promise<string> {
    this.gateway = await startProcess(GATEWAY_MAIN, { ...this.baseEnv(), FACESHARD_ROLE: 'gateway', PORT: '0', ...env });
    this.url = String(this.gateway.ready.url);
    return this.url;
  }

  /** Another gateway of the same cluster (gateways are stateless; any number may run). */
  async startExtraGateway(env: Record<string, string> = {}): Promise<string> {
    const gateway = await startProcess(GATEWAY_MAIN, { ...this.baseEnv(), FACESHARD_ROLE: 'gateway', PORT: '0', ...env });
    this.extraGateways.push(gateway);
    return String(gateway.ready.url);
  }

  /** Waits until the gateway reports every named shard on the ring and up. */
  async waitForMembers(shardIds: string[], timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const headers: Record<string, string> = this.apiKey ? { 'x-api-key': this.apiKey } : {};
      const status = (await (await fetch(`${this.url}/v1/cluster`, { headers })).json()) as { members: { shardId: string; health: string }[] };
      const up = new Set(status.members.filter((m) => m.health === 'up').map((m) => m.shardId));
      if (shardIds.every((id) => up.has(id))) return;
      if (Date.now() > deadline) throw new Error(`members not up: ${JSON.stringify(status)}`);
      await sleep(100);
    }
  }

  /** Sends a signal; for signals that end the process, resolves once it has exited. */
  kill(shardId: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const shard = this.shards.get(shardId)!;
    if (signal === 'SIGSTOP' || signal === 'SIGCONT') {
      shard.child.kill(signal);
      return Promise.resolve();
    }
    return new Promise((done) => {
      if (shard.child.exitCode !== null || shard.child.signalCode !== null) return done();
      shard.child.once('exit', () => done());
      shard.child.kill(signal);
    });
  }

  async stop(): Promise<void> {
    const all = [...this.shards.values(), ...(this.gateway ? [this.gateway] : []), ...this.extraGateways];
    await Promise.all(
      all.map(
        (p) =>
          new Promise<void>((done) => {
            if (p.child.exitCode !== null || p.child.signalCode !== null) return done();
            p.child.once('exit', () => done());
            p.child.kill('SIGCONT');
            p.child.kill('SIGKILL');
          }),
      ),
    );
    rmSync(this.root, { recursive: true, force: true });
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A tiny JSON client for the gateway that hands back status and body, never throwing on 4xx/5xx. */
export async function call(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(url + path, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}
