/**
 * The throughput ceiling of faceshard's process layout on this machine, with no faceshard code:
 * how many searches per second 8 HTTP clients get through the same hops as bench:cluster when
 * every server does the least any implementation must do (read the JSON request, search, answer).
 * The search is either
 *
 *   --index-dir D   raw hnswlib on the indexes shard-search-cost.ts --save D built (the same
 *                   100k vectors as bench:cluster; each shard of 2 its half at the per-shard ef),
 *                   with the saved probes; the baseline is raw hnswlib's one hot thread on the
 *                   whole index in this process, measured just before the passes; or
 *   --work-us W     a busy spin of exactly W µs per query (a perfectly hot search that costs what
 *                   raw hnswlib's one thread costs); the baseline is one thread spinning, 1e6 / W.
 *
 * and the layouts are
 *
 *   embedded   client -> one node:http process (parse, search, answer)
 *   1 shard    client -> node:http gateway -> NATS -> shard process (search) -> back. The gateway
 *              coalesces like faceshard's fan-out: while `in flight` messages are out, arriving
 *              queries wait and leave together in the next one (at most 64), which the shard answers
 *              in one reply. Passes with 1, 2 and `clients` messages in flight (the last: every query
 *              leaves at once in a message of its own, no coalescing).
 *   2 shards   the same with two shard processes; each message goes to both and the gateway merges
 *              the two top-10s (with --work-us: each shard spins --two-shard-work-us per query).
 *
 * "x raw" is the most any implementation of this layout could reach against issue 10's
 * raw-hnswlib ratio on this machine. CPU per request is read for every process of the path (the
 * client's own process.cpuUsage; servers' and nats-server's from /proc), so a row also says which
 * side runs out of core first. See bench/cluster/README.md, "The ceiling of the layout".
 *
 *   npm run build && node dist/bench/cluster/shard-search-cost.js --ef 64,256 --save /tmp/hop-index
 *   node dist/bench/cluster/hop-ceiling.js --index-dir /tmp/hop-index --ef 64,256 [--clients 8] [--seconds 8]
 *   node dist/bench/cluster/hop-ceiling.js --work-us 176,551 --two-shard-work-us 96,273
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { Agent, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { HierarchicalNSW } from 'hnswlib-node';
import { connect, type Msg } from 'nats';
import { shardEf } from '@faceshard/query';
import { parseArgsOrExit } from '../cli-options';
import { readHopIndex, searchBodies } from './hop-index';
import { forkServer, postSearch, SEARCH_BODY, TEN_HITS_REPLY } from './hop-parts';
import { cpuSeconds } from './process-idle';

const MAX_BATCH = 64;
const K = 10;

type Role = 'embedded' | 'shard' | 'gateway';

/** What a server does per query: `spin:<µs>` or `hnsw:<index file>:<dimension>:<ef>`. */
type Work = string;

interface Hits {
  neighbors: number[];
  distances: number[];
}

/** Busy-waits `us` microseconds: the stand-in for one hot hnswlib search. */
function spin(us: number): void {
  const until = process.hrtime.bigint() + BigInt(Math.round(us * 1000));
  while (process.hrtime.bigint() < until) {
    /* spin */
  }
}

/** The per-query work of a server: a parsed search request in, its top-K out. */
function searcherFor(work: Work): (request: { vectorB64?: string }) => Hits | null {
  const [kind, ...rest] = work.split(':');
  if (kind === 'spin') {
    const us = Number(rest[0]);
    return () => {
      spin(us);
      return null;
    };
  }
  const [file, dimension, ef] = [rest.slice(0, -2).join(':'), Number(rest.at(-2)), Number(rest.at(-1))];
  const index = new HierarchicalNSW('cosine', dimension);
  index.readIndexSync(file);
  index.setEf(ef);
  return (request) => {
    const bytes = Buffer.from(request.vectorB64!, 'base64');
    const vector = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    return index.searchKnn(Array.from(vector), K);
  };
}

/** The top K of several shards' answers to one query. */
function mergeTopK(answers: (Hits | null)[]): Hits | null {
  if (answers.every((a) => a === null)) return null;
  const all: { n: number; d: number }[] = [];
  for (const a of answers) a?.neighbors.forEach((n, i) => all.push({ n, d: a.distances[i]! }));
  all.sort((x, y) => x.d - y.d);
  const top = all.slice(0, K);
  return { neighbors: top.map((h) => h.n), distances: top.map((h) => h.d) };
}

function readBody(req: IncomingMessage, then: (body: string) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => then(Buffer.concat(chunks).toString('utf8')));
}

function answer(res: ServerResponse, hits: Hits | null): void {
  const body = hits ? JSON.stringify({ hits }) : TEN_HITS_REPLY;
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** One server role in a child process; tells the parent its port (or that it is ready) over IPC. */
async function serve(role: Role, natsUrl: string, subject: string, work: Work, maxInFlight: number, shards: number): Promise<void> {
  if (role === 'shard') {
    const search = searcherFor(work);
    const nc = await connect({ servers: natsUrl, noAsyncTraces: true });
    nc.subscribe(subject, {
      callback: (_err, msg: Msg) => {
        const requests = JSON.parse(msg.string()) as { vectorB64?: string }[];
        msg.respond(Buffer.from(JSON.stringify(requests.map(search))));
      },
    });
    await nc.flush();
    process.send!({ ready: true });
    return;
  }
  let send: ((body: string, done: (hits: Hits | null) => void) => void) | undefined;
  const search = role === 'embedded' ? searcherFor(work) : undefined;
  if (role === 'gateway') {
    const nc = await connect({ servers: natsUrl, noAsyncTraces: true });
    const waiting: { body: string; done: (hits: Hits | null) => void }[] = [];
    let inFlight = 0;
    const flush = (): void => {
      if (inFlight >= maxInFlight || waiting.length === 0) return;
      const batch = waiting.splice(0, MAX_BATCH);
      inFlight++;
      const message = `[${batch.map((q) => q.body).join(',')}]`;
      const replies = Array.from({ length: shards }, (_, i) => nc.request(`${subject}.${i}`, message, { timeout: 10_000 }));
      Promise.all(replies).then(
        (replies) => {
          const perShard = replies.map((r) => JSON.parse(r.string()) as (Hits | null)[]);
          inFlight--;
          batch.forEach((q, i) => q.done(mergeTopK(perShard.map((answers) => answers[i]!))));
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
      const request = JSON.parse(body) as { vectorB64?: string }; // what any gateway must do with a JSON request
      if (search) return answer(res, search(request));
      send!(body, (hits) => answer(res, hits));
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
}

function startChild(role: Role, natsUrl: string, subject: string, work: Work, inFlight = 1, shards = 1): Promise<{ child: ChildProcess; port?: number }> {
  return forkServer(__filename, role, ['--nats', natsUrl, '--subject', subject, '--work', work, '--in-flight', String(inFlight), '--shards', String(shards)]);
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

/** `clients` closed loops over `bodies` for `seconds` after a 1 s warm-up; CPU of every listed process over the timed part. */
async function measure(port: number, bodies: string[], clients: number, seconds: number, pids: Record<string, number | undefined>): Promise<Pass> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  let counting = false;
  let done = 0;
  let next = 0;
  let stop = false;
  const loops = Array.from({ length: clients }, async () => {
    while (!stop) {
      await postSearch(agent, port, bodies[next++ % bodies.length]!);
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

/** One row of the table: what each server does, the request bodies, and the baseline's QPS. */
interface Setting {
  label: string;
  baselineQps: number;
  bodies: string[];
  whole: Work;
  perShard?: Work[];
}

/** Raw hnswlib's one hot thread on the whole index: QPS over every probe, best of 3 passes. */
function rawQps(file: string, dimension: number, probes: number[][], ef: number): number {
  const index = new HierarchicalNSW('cosine', dimension);
  index.readIndexSync(file);
  index.setEf(ef);
  let best = 0;
  for (let pass = 0; pass < 3; pass++) {
    const t0 = process.hrtime.bigint();
    for (const probe of probes) index.searchKnn(probe, K);
    best = Math.max(best, probes.length / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
  return best;
}

function settingsFromIndexDir(dir: string, efs: number[]): Setting[] {
  const index = readHopIndex(dir);
  const { dimension, shards, probes: count } = index.meta;
  const probes = Array.from({ length: count }, (_, i) => Array.from(index.probes.subarray(i * dimension, (i + 1) * dimension)));
  return efs.map((ef) => {
    const partEf = shardEf(ef, shards);
    return {
      label: `raw hnswlib, ef ${ef} (each of ${shards} shards at ef ${partEf})`,
      baselineQps: rawQps(index.wholeFile, dimension, probes, ef),
      bodies: searchBodies(index, K, ef),
      whole: `hnsw:${index.wholeFile}:${dimension}:${ef}`,
      perShard: Array.from({ length: shards }, (_, i) => `hnsw:${index.partFile(i)}:${dimension}:${partEf}`),
    };
  });
}

function settingsFromSpins(works: number[], twoShardWorks: number[]): Setting[] {
  return works.map((us, i) => ({
    label: `spin ${us} µs`,
    baselineQps: 1e6 / us,
    bodies: [SEARCH_BODY],
    whole: `spin:${us}`,
    perShard: twoShardWorks[i] === undefined ? undefined : [`spin:${twoShardWorks[i]}`, `spin:${twoShardWorks[i]}`],
  }));
}

async function main(): Promise<void> {
  const { values } = parseArgsOrExit('node dist/bench/cluster/hop-ceiling.js', {
    options: {
      'index-dir': { type: 'string' },
      ef: { type: 'string', default: '64,256' },
      'work-us': { type: 'string', default: '330,810' },
      'two-shard-work-us': { type: 'string', default: '' },
      clients: { type: 'string', default: '8' },
      seconds: { type: 'string', default: '8' },
      nats: { type: 'string', default: 'nats://127.0.0.1:4222' },
      // What this tool passes to the server roles it forks of itself.
      serve: { type: 'string' },
      subject: { type: 'string', default: `bench.hopceiling.${process.pid}` },
      work: { type: 'string', default: 'spin:0' },
      'in-flight': { type: 'string', default: '1' },
      shards: { type: 'string', default: '1' },
    },
  });
  const { nats: natsUrl, subject } = values;
  if (values.serve) return serve(values.serve as Role, natsUrl, subject, values.work, Number(values['in-flight']), Number(values.shards));

  const clients = Number(values.clients);
  const seconds = Number(values.seconds);
  const list = (s: string): number[] => s.split(',').filter(Boolean).map(Number);
  const settings = values['index-dir']
    ? settingsFromIndexDir(values['index-dir'], list(values.ef))
    : settingsFromSpins(list(values['work-us']), list(values['two-shard-work-us']));
  const natsPid = natsServerPid();
  console.log(`hop ceiling: ${clients} clients, ${seconds} s per pass, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const rows: unknown[] = [];
  for (const setting of settings) {
    const children: ChildProcess[] = [];
    const passes: Record<string, Pass> = {};
    try {
      const embedded = await startChild('embedded', natsUrl, subject, setting.whole);
      children.push(embedded.child);
      passes.embedded = await measure(embedded.port!, setting.bodies, clients, seconds, { server: embedded.child.pid });
      embedded.child.kill('SIGTERM');
      const layouts = [{ label: '1 shard', works: [setting.whole] }];
      if (setting.perShard) layouts.push({ label: `${setting.perShard.length} shards`, works: setting.perShard });
      for (const [l, layout] of layouts.entries()) {
        const lane = `${subject}.${rows.length}.${l}`;
        const shardChildren: ChildProcess[] = [];
        for (const [i, work] of layout.works.entries()) shardChildren.push((await startChild('shard', natsUrl, `${lane}.${i}`, work)).child);
        children.push(...shardChildren);
        for (const inFlight of layout.works.length === 1 ? [1, 2, clients] : [1, clients]) {
          const gateway = await startChild('gateway', natsUrl, lane, 'spin:0', inFlight, layout.works.length);
          children.push(gateway.child);
          const pids: Record<string, number | undefined> = { gateway: gateway.child.pid, natsServer: natsPid };
          shardChildren.forEach((c, i) => (pids[`shard${i}`] = c.pid));
          passes[`${layout.label}, ${inFlight} in flight`] = await measure(gateway.port!, setting.bodies, clients, seconds, pids);
          gateway.child.kill('SIGTERM');
        }
        for (const c of shardChildren) c.kill('SIGTERM');
      }
    } finally {
      for (const child of children) child.kill('SIGTERM');
    }
    console.log(`${setting.label}: one thread ${setting.baselineQps.toFixed(0)} QPS`);
    for (const [label, p] of Object.entries(passes)) {
      const cpu = Object.entries(p.cpuUsPerRequest).map(([k, v]) => `${k} ${v.toFixed(0)}`);
      console.log(`  ${label.padEnd(24)} ${p.qps.toFixed(0).padStart(6)} QPS  x raw ${(p.qps / setting.baselineQps).toFixed(2)}  CPU µs/request ${cpu.join(', ')}`);
    }
    rows.push({ setting: setting.label, baselineQps: setting.baselineQps, passes });
  }
  console.log(JSON.stringify({ clients, seconds, rows }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
