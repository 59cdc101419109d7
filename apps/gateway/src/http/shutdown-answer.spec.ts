import { connect } from 'node:net';
import fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { gatewayFastifyOptions } from './fastify-options';
import { installShutdownAnswer } from './shutdown-answer';

const bodyLimits = { default: 1024, batch: 1024, photo: 1024 } as never;

describe('installShutdownAnswer', () => {
  it("answers a request that arrives while the gateway closes with 503 NOT_READY in the API's shape (Connection: close, Retry-After), and lets the one running finish", async () => {
    const app = fastify(gatewayFastifyOptions({ bodyLimits }));
    const shutdown = installShutdownAnswer(app);
    let finishSlow!: () => void;
    let slowStarted!: () => void;
    const started = new Promise<void>((resolve) => (slowStarted = resolve));
    app.get('/slow', async () => {
      slowStarted();
      await new Promise<void>((resolve) => (finishSlow = resolve));
      return { done: true };
    });
    app.get('/fast', async () => ({ ok: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };

    // A second request on a connection still busy with the first, sent once the gateway closes (a
    // busy keep-alive connection at SIGTERM: closing the server does not close it).
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await started;
    shutdown.begin();
    const closed = app.close(); // held open by the slow request
    await new Promise((resolve) => setTimeout(resolve, 50)); // Fastify's own routes are "closing" by now
    socket.write('GET /fast HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 50));
    finishSlow();
    await ended;
    await closed;

    const [first, second] = received.split(/(?=HTTP\/1\.1 )/);
    expect(first).toMatch(/^HTTP\/1\.1 200/);
    expect(first).toContain('{"done":true}');
    expect(second).toMatch(/^HTTP\/1\.1 503/);
    expect(second).toMatch(/\r\nconnection: close\r\n/i);
    expect(second).toMatch(/\r\nretry-after: 1\r\n/i);
    const body = JSON.parse(second!.slice(second!.indexOf('\r\n\r\n') + 4));
    expect(body).toMatchObject({ code: 'NOT_READY', retryable: true, message: expect.stringContaining('shutting down') });
  });
});
