/**
 * The throughput ceiling of faceshard's process layout on this machine, with no faceshard code:
 * how many searches per second 8 HTTP clients get through the same hops as bench:cluster when
 * every server does the least any implementation must do (read the request, answer) and the
 * "search" is a busy spin of exactly `--work-us` µs: a perfectly hot search that costs what raw
 * hnswlib's one thread costs per query. The spin alone on one thread answers 1e6 / work-us per
 * second, so "x spin" is the best any code could reach against issue 10's raw-hnswlib ratio:
 *
 *   embedded   client -> one node:http process (parse, spin, answer)
 *   1 shard    client -> node:http gateway -> NATS -> shard process (spin) -> back. The gateway
 *              coalesces like faceshard's fan-out: while `in flight` messages are out, arriving
 *              queries wait and leave together in the next one (at most 64), which the shard answers
 *              in one reply. Passes with 1, 2 and `clients` messages in flight (the last: every query
 *              leaves at once in a message of its own, no coalescing).
 *   2 shards   the same with two shard processes, each message sent to both; each shard spins
 *              `--two-shard-work-us` per query (what raw hnswlib spends on half the data at the
 *              per-shard ef: shard-search-cost.ts measures it).
 *
 * CPU per request is read for every process of the path (the client's own process.cpuUsage; the
 * servers' and nats-server's from /proc), so a row also says which side runs out of core first.
 * See bench/cluster/README.md, "The ceiling of the layout".
 *
 *   npm run build && node dist/bench/cluster/shard-search-cost.js --ef 64,256      # raw µs per search: whole, per shard
 *   node dist/bench/cluster/hop-ceiling.js --work-us <whole µs at 64,256> --two-shard-work-us <per-shard µs> [--clients 8] [--seconds 8]
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { Agent, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { connect, type Msg, type NatsConnection } from 'nats';
import { forkServer, postSearch, TEN_HITS_REPLY } from './hop-parts';
import { cpuSeconds } from './process-idle';

const MAX_BATCH = 64;

type Role = 'embedded' | 'shard' | 'gateway';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at >= 0 && process.argv[at + 1] ? process.argv[at + 1]! : fallback;
}

/** Busy-waits `us` microseconds: the stand-in for one hot hnswlib search. */
function spin(us: number): void {
  const until = process.hrtime.bigint() + BigInt(Math.round(us * 1000));
  while (process.hrtime.bigint() < until) {
    /* spin */
  }
}

function readBody(req: import('node:http').IncomingMessage, then: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => then(Buffer.concat(chunks)));
}

function answer(res: import('node:http').ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(TEN_HITS_REPLY) });
  res.end(TEN_HITS_REPLY);
}

/** One server role in a child process; tells the parent its port (or that it is ready) over IPC. */
async function serve(role: Role, natsUrl: string, subject: string, workUs: number, maxInFlight: number, shards: number): Promise<void> {
  if (role === 'shard') {
    const nc = await connect({ servers: natsUrl, noAsyncTraces: true });
    nc.subscribe(subject, {
      callback: (_err, msg: Msg) => {
        const queries = msg.data[0]! | (msg.data[1]! << 8); // the gateway's count header; the bodies follow
        spin(workUs * queries);
        msg.respond(Buffer.from(JSON.stringify(Array.from({ length: queries }, () => TEN_HITS_REPLY))));
      },
    });
    await nc.flush();
    process.send!({ ready: true });
    return;
  }
  let send: ((body: Buffer, done: () => void) => void) | undefined;
  if (role === 'gateway') {
    const nc: NatsConnection = await connect({ servers: natsUrl, noAsyncTraces: true });
    const waiting: { body: Buffer; done: () => void }[] = [];
    let inFlight = 0;
    const flush = (): void => {
      if (inFlight >= maxInFlight || waiting.length === 0) return;
      const batch = waiting.splice(0, MAX_BATCH);
      inFlight++;
      const header = Buffer.alloc(2);
      header.writeUInt16LE(batch.length, 0);
      const message = Buffer.concat([header, ...batch.map((q) => q.body)]);
      const replies = Array.from({ length: shards }, (_, i) => nc.request(`${subject}.${i}`, message, { timeout: 10_000 }));
      Promise.all(replies).then(
        (answers) => {
          for (const reply of answers) JSON.parse(reply.string());
          inFlight--;
          for (const q of batch) q.done();
          flush();
        },
        (err: Error) => {
          console.error(err);
          process.exit(1);
        },
      );
    };
    send = (body, done) => {
      waiting.push({ body, done });
      flush();
    };
  }
  const server = createServer((req, res) => {
    readBody(req, (body) => {
      JSON.parse(body.toString('utf8')); // what any gateway must do with a JSON request
      if (!send) {
        spin(workUs);
        return answer(res);
      }
      send(body, () => answer(res));
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
}

function startChild(role: Role, natsUrl: string, subject: string, workUs: number, inFlight = 1, shards = 1): Promise<{ child: ChildProcess; port?: number }> {
  return forkServer(__filename, role, ['--nats', natsUrl, '--subject', subject, '--work-us', String(workUs), '--in-flight', String(inFlight), '--shards', String(shards)]);
}

function natsServerPid(): number | undefined {
  try {
    const pid = Number(execFileSync('pgrep', ['-o', '-x', 'nats-server'], { encoding: 'utf8' }).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

interface Pass {
  qps: number;
  cpuUsPerRequest: Record<string, number>;
}

/** `clients` closed loops for `seconds` after a 1 s warm-up; CPU of every listed process over the timed part. */
async function measure(port: number, clients: number, seconds: number, pids: Record<string, number | undefined>): Promise<Pass> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  let counting = false;
  let done = 0;
  let stop = false;
  const loops = Array.from({ length: clients }, async () => {
    while (!stop) {
      await postSearch(agent, port);
      if (counting) done++;
    }
  });
  await new Promise((r) => setTimeout(r, 1000));
  const cpu0 = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, pid ? cpuSeconds(pid) : NaN]));
  const self0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  counting = true;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  counting = false;
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  const self = process.cpuUsage(self0);
  const cpuUsPerRequest: Record<string, number> = { client: (self.user + self.system) / done };
  for (const [k, pid] of Object.entries(pids)) cpuUsPerRequest[k] = pid ? ((cpuSeconds(pid) - cpu0[k]!) * 1e6) / done : NaN;
  stop = true;
  await Promise.all(loops);
  agent.destroy();
  return { qps: done / elapsed, cpuUsPerRequest };
}

async function main(): Promise<void> {
  const natsUrl = option('--nats', 'nats://127.0.0.1:4222');
  const subject = option('--subject', `bench.hopceiling.${process.pid}`);
  const serveRole = option('--serve', '');
  if (serveRole) return serve(serveRole as Role, natsUrl, subject, Number(option('--work-us', '0')), Number(option('--in-flight', '1')), Number(option('--shards', '1')));

  const works = option('--work-us', '330,810').split(',').map(Number);
  // Per-shard spin of a 2-shard pass, one per --work-us (a shard searches half the data at a smaller ef: what it costs is measured, see the README).
  const twoShardWork = option('--two-shard-work-us', '').split(',').filter(Boolean).map(Number);
  const clients = Number(option('--clients', '8'));
  const seconds = Number(option('--seconds', '8'));
  const natsPid = natsServerPid();
  console.log(
    `hop ceiling: ${clients} clients, ${seconds} s per pass, spin per search ${works.join(' / ')} µs, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  );
  const rows: unknown[] = [];
  for (const [w, workUs] of works.entries()) {
    const spinQps = 1e6 / workUs;
    const children: ChildProcess[] = [];
    try {
      const embedded = await startChild('embedded', natsUrl, subject, workUs);
      children.push(embedded.child);
      const e = await measure(embedded.port!, clients, seconds, { server: embedded.child.pid });
      embedded.child.kill('SIGTERM');
      const cluster: Record<string, Pass> = {};
      const layouts: { label: string; shards: number; shardWorkUs: number }[] = [{ label: '1 shard', shards: 1, shardWorkUs: workUs }];
      if (twoShardWork[w] !== undefined) layouts.push({ label: '2 shards', shards: 2, shardWorkUs: twoShardWork[w]! });
      for (const layout of layouts) {
        const lane = `${subject}.${layout.shards}.${workUs}`;
        const shardChildren: ChildProcess[] = [];
        for (let i = 0; i < layout.shards; i++) shardChildren.push((await startChild('shard', natsUrl, `${lane}.${i}`, layout.shardWorkUs)).child);
        children.push(...shardChildren);
        for (const inFlight of layout.shards === 1 ? [1, 2, clients] : [1, clients]) {
          const gateway = await startChild('gateway', natsUrl, lane, workUs, inFlight, layout.shards);
          children.push(gateway.child);
          const pids: Record<string, number | undefined> = { gateway: gateway.child.pid, natsServer: natsPid };
          shardChildren.forEach((c, i) => (pids[`shard${i}`] = c.pid));
          cluster[`${layout.label} (${layout.shardWorkUs} µs each), ${inFlight} in flight`] = await measure(gateway.port!, clients, seconds, pids);
          gateway.child.kill('SIGTERM');
        }
        for (const c of shardChildren) c.kill('SIGTERM');
      }
      const fmt = (p: Pass): string =>
        `${p.qps.toFixed(0).padStart(6)} QPS  x spin ${(p.qps / spinQps).toFixed(2)}  CPU µs/request ${Object.entries(p.cpuUsPerRequest)
          .map(([k, v]) => `${k} ${v.toFixed(0)}`)
          .join(', ')}`;
      console.log(`spin ${workUs} µs (one thread: ${spinQps.toFixed(0)} QPS)`);
      console.log(`  embedded  ${fmt(e)}`);
      for (const [label, c] of Object.entries(cluster)) console.log(`  ${label}  ${fmt(c)}`);
      rows.push({ workUs, spinQps, embedded: e, cluster });
    } finally {
      for (const child of children) child.kill('SIGTERM');
    }
  }
  console.log(JSON.stringify({ clients, seconds, rows }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
