/**
 * The floor under faceshard's one-client latency on this machine: the same hops as a search,
 * with nothing done at each end. One sequential client (this process) times, over keep-alive
 * node:http like bench:cluster's client and with a search's body (a 128-D vectorB64):
 *
 *   http          client -> bare node:http server process -> client (the embedded mode's hops)
 *   nats          client -> nats-server -> echo process -> nats-server -> client (one shard's hops)
 *   http+nats     client -> node:http process -> NATS echo process -> back (the cluster's hops)
 *
 * The servers answer at once (a fixed 10-hit JSON; the echo returns the bytes it got). What a
 * round here takes is what the processes, sockets and the scheduler cost before any faceshard
 * code runs; bench:cluster's "added to raw" compares with it (bench/cluster/README.md, One client).
 *
 *   npm run build && node dist/bench/cluster/hop-floor.js [--requests 3000] [--nats nats://127.0.0.1:4222]
 */
import type { ChildProcess } from 'node:child_process';
import { Agent, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type NatsConnection } from 'nats';
import { parseArgsOrExit } from '../cli-options';
import { forkServer, postSearch, SEARCH_BODY, TEN_HITS_REPLY } from './hop-parts';
import { summariseLatencies } from './latency';

type Role = 'http' | 'echo' | 'http+nats';

/** A server role in a child process: prints its port (or "ready") to the parent over IPC. */
async function serve(role: Role, natsUrl: string, subject: string): Promise<void> {
  if (role === 'echo') {
    const nc = await connect({ servers: natsUrl, noAsyncTraces: true });
    nc.subscribe(subject, {
      callback: (_err, msg) => {
        msg.respond(msg.data);
      },
    });
    await nc.flush();
    process.send!({ ready: true });
    return;
  }
  let nc: NatsConnection | undefined;
  if (role === 'http+nats') nc = await connect({ servers: natsUrl, noAsyncTraces: true });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = (): void => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(TEN_HITS_REPLY) });
        res.end(TEN_HITS_REPLY);
      };
      if (!nc) return answer();
      const body = Buffer.concat(chunks);
      nc.request(subject, body, { timeout: 5_000 }).then(answer, (err: Error) => {
        res.writeHead(500);
        res.end(err.message);
      });
    });
  });
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
}

function startChild(role: Role, natsUrl: string, subject: string): Promise<{ child: ChildProcess; port?: number }> {
  return forkServer(__filename, role, ['--nats', natsUrl, '--subject', subject]);
}

async function time(label: string, requests: number, round: () => Promise<void>): Promise<void> {
  for (let i = 0; i < Math.min(500, requests); i++) await round(); // warm-up
  const samples = new Float64Array(requests);
  for (let i = 0; i < requests; i++) {
    const t0 = process.hrtime.bigint();
    await round();
    samples[i] = Number(process.hrtime.bigint() - t0) / 1e6;
  }
  const s = summariseLatencies(samples);
  console.log(`${label.padEnd(10)} p50 ${(s.p50Ms * 1000).toFixed(0).padStart(5)} µs   p99 ${(s.p99Ms * 1000).toFixed(0).padStart(6)} µs   mean ${(s.meanMs * 1000).toFixed(0)} µs  (${requests} rounds)`);
}

async function main(): Promise<void> {
  const { values } = parseArgsOrExit('node dist/bench/cluster/hop-floor.js', {
    options: {
      requests: { type: 'string', default: '3000' },
      nats: { type: 'string', default: 'nats://127.0.0.1:4222' },
      // A server role this tool forks of itself, and the subject its servers share.
      serve: { type: 'string' },
      subject: { type: 'string', default: `bench.hopfloor.${process.pid}` },
    },
  });
  const { nats: natsUrl, subject } = values;
  if (values.serve) return serve(values.serve as Role, natsUrl, subject);

  const requests = Number(values.requests);
  const children: ChildProcess[] = [];
  try {
    const http = await startChild('http', natsUrl, subject);
    const echo = await startChild('echo', natsUrl, subject);
    const gateway = await startChild('http+nats', natsUrl, subject);
    children.push(http.child, echo.child, gateway.child);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const nc = await connect({ servers: natsUrl, noAsyncTraces: true });
    const payload = Buffer.from(SEARCH_BODY);
    console.log(`hop floor, one sequential client, ${requests} rounds each (load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')})`);
    await time('http', requests, () => postSearch(agent, http.port!));
    await time('nats', requests, async () => {
      await nc.request(subject, payload, { timeout: 5_000 });
    });
    await time('http+nats', requests, () => postSearch(agent, gateway.port!));
    await nc.close();
    agent.destroy();
  } finally {
    for (const child of children) child.kill('SIGTERM');
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
