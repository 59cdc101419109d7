import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGatewayConfig } from '../../apps/gateway/src/config/gateway-config';
import { DRAIN_REFUSED_BODY_MAX, drainsRefusedBody } from '../../apps/gateway/src/http/fastify-options';
import { startPlatform, type RunningPlatform } from '../../apps/platform/src/start-platform';

describe('drainsRefusedBody', () => {
  it('drains only an unread body refused by its declared length, up to DRAIN_REFUSED_BODY_MAX', () => {
    expect(drainsRefusedBody(2_000, 1_000, false)).toBe(true);
    expect(drainsRefusedBody(DRAIN_REFUSED_BODY_MAX, 1_000, false)).toBe(true);
    expect(drainsRefusedBody(DRAIN_REFUSED_BODY_MAX + 1, 1_000, false)).toBe(false); // too much to read for nothing
    expect(drainsRefusedBody(2_000, 1_000, true)).toBe(false); // refused midway: Node will not drain it
    expect(drainsRefusedBody(NaN, 1_000, false)).toBe(false); // chunked: no declared length
    expect(drainsRefusedBody(500, 1_000, false)).toBe(false); // not an oversize refusal
  });
});

/** Everything the socket has received so far, and a way to wait for more. */
function reader(socket: Socket): { text: () => string; waitFor: (pattern: RegExp, ms: number) => Promise<string> } {
  let data = '';
  socket.on('data', (chunk) => (data += chunk.toString('latin1')));
  return {
    text: () => data,
    waitFor: async (pattern, ms) => {
      const until = Date.now() + ms;
      while (!pattern.test(data)) {
        if (Date.now() > until || socket.destroyed) throw new Error(`no ${pattern} within ${ms} ms (socket ${socket.destroyed ? 'closed' : 'open'}); got: ${data.slice(0, 300)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return data;
    },
  };
}

describe('a body refused by its Content-Length (the embedded platform)', () => {
  let platform: RunningPlatform;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'faceshard-oversize-'));
    const env = { DATA_DIR: dataDir, PORT: '0' };
    platform = await startPlatform(readGatewayConfig(env), env);
  }, 60_000);
  afterAll(async () => {
    await platform?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 413 PAYLOAD_TOO_LARGE while the client is still sending, reads the rest, and keeps the connection for the next request', async () => {
    const { hostname, port } = new URL(platform.gateway.url);
    const socket = connect(Number(port), hostname);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const errors: Error[] = [];
    socket.on('error', (error) => errors.push(error));
    const got = reader(socket);
    const length = 2 * 1024 * 1024; // over the default 1 MiB limit of the search route
    socket.write(`POST /v1/collections/people/search HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`);
    socket.write(Buffer.alloc(64 * 1024, 0x20));
    // The answer comes before the body is complete...
    const first = await got.waitFor(/^HTTP\/1\.1 413[\s\S]*\r\n\r\n[\s\S]*PAYLOAD_TOO_LARGE/, 5_000);
    expect(first).not.toMatch(/\r\nconnection: close\r\n/i);
    // ...and the client can still send the rest of it without a reset.
    for (let sent = 64 * 1024; sent < length; sent += 256 * 1024) {
      await new Promise<void>((resolve, reject) => socket.write(Buffer.alloc(Math.min(256 * 1024, length - sent), 0x20), (e) => (e ? reject(e) : resolve())));
    }
    // The same connection then serves the next request.
    socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n');
    const both = await got.waitFor(/HTTP\/1\.1 200[\s\S]*"live"/, 5_000);
    expect(both.match(/HTTP\/1\.1 /g)).toHaveLength(2);
    expect(errors).toEqual([]);
    socket.destroy();
  });

  it('a request the HTTP parser refuses (a bad Content-Length), with more bytes behind it: the client reads the 400 every time, not a reset', async () => {
    const { hostname, port } = new URL(platform.gateway.url);
    const request = `POST /v1/collections HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n${'x'.repeat(4 << 20)}`;
    const outcomes: string[] = [];
    for (let i = 0; i < 20; i++) {
      outcomes.push(
        await new Promise<string>((resolve) => {
          const socket = connect(Number(port), hostname, () => socket.write(request));
          let data = '';
          socket.on('data', (chunk) => (data += chunk.toString('latin1')));
          socket.on('error', (error: NodeJS.ErrnoException) => resolve(`${error.code}: ${data.slice(0, 12)}`));
          socket.on('close', () => resolve(data.slice(0, 12)));
          socket.setTimeout(5_000, () => socket.destroy());
        }),
      );
    }
    expect(new Set(outcomes)).toEqual(new Set(['HTTP/1.1 400']));
  });
});
