/**
 * What hop-floor.ts and hop-ceiling.ts share: a search's request and a 10-hit answer as bytes,
 * a server role forked from the tool's own file, and one keep-alive POST of a search.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { type Agent, request } from 'node:http';

/** A 10-hit search answer, the shape the gateway sends. */
export const TEN_HITS_REPLY = JSON.stringify({
  hits: Array.from({ length: 10 }, (_, i) => ({ identityId: `p${i}`, faceId: 'f0', score: 0.9, shardId: 's0' })),
  partial: false,
  missingShards: [],
  ringEpoch: 1,
  tookMs: 1,
  shardEf: { s0: 256 },
});

/** A search request with a 128-D vectorB64, like bench:cluster's probes. */
export const SEARCH_BODY = JSON.stringify({ vectorB64: Buffer.alloc(128 * 4, 7).toString('base64'), k: 10, ef: 256 });

/** Forks `file` with `args`; resolves once the child reports over IPC (its port, or that it is ready). */
export function forkServer(file: string, role: string, args: string[]): Promise<{ child: ChildProcess; port?: number }> {
  const child = fork(file, ['--serve', role, ...args], { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('message', (m: { port?: number }) => resolve({ child, port: m.port }));
    child.once('exit', (code) => reject(new Error(`${role} server exited (${code}) before it was ready`)));
  });
}

/** One POST of a search body over `agent`; resolves when the JSON answer has been read and parsed. */
export function postSearch(agent: Agent, port: number, body: string = SEARCH_BODY): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: '127.0.0.1', port, method: 'POST', path: '/v1/collections/c/search', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          JSON.parse(Buffer.concat(chunks).toString('utf8'));
          resolve();
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
