import { afterEach, describe, expect, it } from 'vitest';
import { connect, ErrorCode, type NatsConnection } from 'nats';
import { ReplyInbox } from '../../libs/messaging/src/reply-inbox';
import { NATS_URL } from '../support/cluster-harness';

/** Request/reply on the real NATS server, through the project's own reply inbox. */
describe('ReplyInbox (real NATS)', () => {
  const open: NatsConnection[] = [];
  const conn = async () => {
    const nc = await connect({ servers: NATS_URL });
    open.push(nc);
    return nc;
  };
  const subject = () => `test.replyinbox.${process.pid}.${Math.random().toString(36).slice(2)}`;
  afterEach(async () => {
    await Promise.all(open.splice(0).map((nc) => (nc.isClosed() ? undefined : nc.close())));
  });

  it('gives each of many concurrent requests its own reply, whatever order the replies come in', async () => {
    const [server, client] = [await conn(), await conn()];
    const to = subject();
    const held: { reply: string; data: Uint8Array }[] = [];
    server.subscribe(to, {
      callback: (_err, msg) => {
        held.push({ reply: msg.reply!, data: msg.data });
        // Answer all 20 at once, last first.
        if (held.length === 20) for (const h of held.reverse()) server.publish(h.reply, h.data);
      },
    });
    await server.flush();
    const inbox = new ReplyInbox(client);
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => inbox.request(to, Uint8Array.of(i), { timeoutMs: 5_000 })));
    expect(replies.map((m) => m.data[0])).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('times out with the Timeout code, drops the late reply, and keeps serving the next request', async () => {
    const [server, client] = [await conn(), await conn()];
    const to = subject();
    let first = true;
    server.subscribe(to, {
      callback: (_err, msg) => {
        const delay = first ? 300 : 0;
        first = false;
        setTimeout(() => server.publish(msg.reply!, msg.data), delay);
      },
    });
    await server.flush();
    const inbox = new ReplyInbox(client);
    await expect(inbox.request(to, Uint8Array.of(1), { timeoutMs: 100 })).rejects.toMatchObject({ code: ErrorCode.Timeout });
    await new Promise((r) => setTimeout(r, 300)); // the late reply arrives and is dropped
    expect((await inbox.request(to, Uint8Array.of(2), { timeoutMs: 5_000 })).data[0]).toBe(2);
  });

  it('answers NoResponders at once when nobody subscribes', async () => {
    const inbox = new ReplyInbox(await conn());
    await expect(inbox.request(subject(), Uint8Array.of(1), { timeoutMs: 5_000 })).rejects.toMatchObject({ code: ErrorCode.NoResponders });
  });

  it('fails what is still waiting when the connection closes, and refuses new requests', async () => {
    const [server, client] = [await conn(), await conn()];
    const to = subject();
    server.subscribe(to, { callback: () => undefined }); // never answers
    await server.flush();
    const inbox = new ReplyInbox(client);
    const waiting = inbox.request(to, Uint8Array.of(1), { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 50));
    await client.close();
    await expect(waiting).rejects.toMatchObject({ code: ErrorCode.ConnectionClosed });
    await expect(inbox.request(to, Uint8Array.of(1), { timeoutMs: 1_000 })).rejects.toMatchObject({ code: ErrorCode.ConnectionClosed });
  });
});
