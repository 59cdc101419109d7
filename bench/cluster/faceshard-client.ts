/**
 * A minimal client of the faceshard HTTP API for the benchmark, on node:http with keep-alive
 * sockets (cheaper per request than fetch, so the client steals less CPU from the servers).
 * Searches can be sent as bodies built beforehand (searchBody, then searchWith): the timed
 * passes then spend no client CPU on JSON.stringify and base64 of the probe, which the server
 * cannot tell apart (the same bytes arrive).
 */
import { Agent, request } from 'node:http';
import { FaceshardError, type ErrorBody } from '@faceshard/contracts';

export interface SearchReply {
  hits: { identityId: string; faceId: string; score: number; shardId?: string }[];
  partial: boolean;
  missingShards: string[];
  ringEpoch: number;
  tookMs: number;
}

export interface ClusterReply {
  ringEpoch: number;
  members: { shardId: string; health: 'up' | 'down'; lastHeartbeatMs: number | null }[];
}

export interface BatchReply {
  upserted: number;
  faces: number;
  /** Identities not written (the rest of the batch is durable). */
  failed?: { identityId: string; error: ErrorBody }[];
}

export interface IdentityInput {
  identityId: string;
  faces: { faceId: string; vector: Float32Array }[];
}

/** Little-endian float32 bytes as base64: the API's `vectorB64`. */
export function vectorToB64(vector: Float32Array): string {
  // The API fixes little-endian; typed arrays use the machine's order.
  if (!IS_LITTLE_ENDIAN) {
    const copy = new DataView(new ArrayBuffer(vector.length * 4));
    vector.forEach((v, i) => copy.setFloat32(i * 4, v, true));
    return Buffer.from(copy.buffer).toString('base64');
  }
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64');
}

const searchPath = (collection: string): string => `/v1/collections/${encodeURIComponent(collection)}/search`;

const searchBodyOf = (vector: Float32Array, k: number, ef: number | undefined) => ({ vectorB64: vectorToB64(vector), k, ...(ef !== undefined ? { ef } : {}) });

const IS_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export class FaceshardClient {
  private readonly agent: Agent;
  private readonly url: URL;

  constructor(baseUrl: string, maxSockets: number) {
    this.url = new URL(baseUrl);
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  health(): Promise<{ status: string }> {
    return this.call('GET', '/health');
  }

  cluster(): Promise<ClusterReply> {
    return this.call('GET', '/v1/cluster');
  }

  /** Admin: the shard becomes `leaving`; a move streams its identities out, then it exits 0. */
  drain(shardId: string): Promise<{ shardId: string; state: string | null; ringEpoch: number }> {
    return this.call('POST', `/v1/cluster/members/${encodeURIComponent(shardId)}/drain`);
  }

  createCollection(name: string, dimension: number, metric: 'cosine' | 'ip'): Promise<unknown> {
    return this.call('POST', '/v1/collections', { name, dimension, metric });
  }

  deleteCollection(name: string): Promise<unknown> {
    return this.call('DELETE', `/v1/collections/${encodeURIComponent(name)}`);
  }

  upsertBatch(collection: string, identities: IdentityInput[]): Promise<BatchReply> {
    return this.call('POST', `/v1/collections/${encodeURIComponent(collection)}/identities/batch`, {
      identities: identities.map((identity) => ({
        identityId: identity.identityId,
        mode: 'replace',
        faces: identity.faces.map((f) => ({ faceId: f.faceId, vectorB64: vectorToB64(f.vector) })),
      })),
    });
  }

  search(collection: string, vector: Float32Array, k: number, ef?: number): Promise<SearchReply> {
    return this.call('POST', searchPath(collection), searchBodyOf(vector, k, ef));
  }

  /** The bytes search() would send, built once (e.g. before a timed pass), for searchWith. */
  searchBody(vector: Float32Array, k: number, ef?: number): Buffer {
    return Buffer.from(JSON.stringify(searchBodyOf(vector, k, ef)));
  }

  /** search() with a body from searchBody: the same request, without building it again. */
  searchWith(collection: string, body: Buffer): Promise<SearchReply> {
    return this.send('POST', searchPath(collection), body);
  }

  /** A CPU profile of a shard (or, without one, the gateway) over `seconds`: the .cpuprofile JSON. */
  profileCpu(shard: string | undefined, seconds: number): Promise<unknown> {
    const query = `kind=cpu&seconds=${seconds}${shard ? `&shard=${encodeURIComponent(shard)}` : ''}`;
    return this.call('POST', `/v1/admin/profile?${query}`);
  }

  close(): void {
    this.agent.destroy();
  }

  /** JSON in, JSON out; a non-2xx answer becomes the FaceshardError its body describes. */
  private call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.send(method, path, body === undefined ? undefined : Buffer.from(JSON.stringify(body)));
  }

  private send<T>(method: string, path: string, payload: Buffer | undefined): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const req = request(
        {
          agent: this.agent,
          host: this.url.hostname,
          port: this.url.port,
          method,
          path,
          headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown;
            try {
              json = text ? JSON.parse(text) : undefined;
            } catch {
              return reject(new FaceshardError('INTERNAL', `${method} ${path}: HTTP ${res.statusCode}, body is not JSON: ${text.slice(0, 200)}`));
            }
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) return resolve(json as T);
            const err = json as Partial<ErrorBody> | undefined;
            reject(
              err?.code
                ? FaceshardError.fromJSON({ code: err.code, message: `${method} ${path}: HTTP ${status}: ${err.message}`, details: err.details })
                : new FaceshardError('INTERNAL', `${method} ${path}: HTTP ${status}: ${text.slice(0, 200)}`),
            );
          });
        },
      );
      req.on('error', (e) => reject(new FaceshardError('INTERNAL', `${method} ${path}: gateway unreachable: ${e.message}`)));
      if (payload) req.write(payload);
      req.end();
    });
  }
}
