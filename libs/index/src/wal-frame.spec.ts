import { describe, expect, it } from 'vitest';
import { FRAME_HEADER_BYTES, encodeFrame, readFrameAt } from './wal-frame';

const body = Buffer.from('a log record body with some bytes \x00\x01\x02', 'latin1');

describe('record framing', () => {
  it('round-trips a body and reports where the next frame starts', () => {
    const frame = encodeFrame(body);
    expect(frame.length).toBe(FRAME_HEADER_BYTES + body.length);
    expect(frame.readUInt32LE(0)).toBe(body.length);
    const read = readFrameAt(frame, 0);
    expect(read.kind).toBe('ok');
    if (read.kind === 'ok') {
      expect(Buffer.compare(read.body, body)).toBe(0);
      expect(read.next).toBe(frame.length);
    }
  });

  it('reads consecutive frames and then the end', () => {
    const bodies = [Buffer.from('one'), Buffer.from('two two'), Buffer.alloc(1000, 7)];
    const stream = Buffer.concat(bodies.map(encodeFrame));
    let offset = 0;
    const seen: Buffer[] = [];
    for (;;) {
      const read = readFrameAt(stream, offset);
      if (read.kind !== 'ok') {
        expect(read.kind).toBe('end');
        break;
      }
      seen.push(read.body);
      offset = read.next;
    }
    expect(seen.map((b) => b.toString('hex'))).toEqual(bodies.map((b) => b.toString('hex')));
  });

  it('detects every truncation (a torn write)', () => {
    const frame = encodeFrame(body);
    for (let cut = 1; cut < frame.length; cut++) {
      expect(readFrameAt(frame.subarray(0, cut), 0).kind, `cut at ${cut}`).toBe('bad');
    }
  });

  it('detects every single-bit flip, in header and body', () => {
    const frame = encodeFrame(body);
    for (let byte = 0; byte < frame.length; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        const damaged = Buffer.from(frame);
        damaged[byte] ^= 1 << bit;
        const read = readFrameAt(damaged, 0);
        expect(read.kind, `byte ${byte} bit ${bit}`).toBe('bad');
      }
    }
  });

  it('treats zero fill (a preallocated or never-written tail) as bad, not as an empty record', () => {
    expect(readFrameAt(Buffer.alloc(64), 0)).toEqual({ kind: 'bad', reason: 'invalid length' });
  });

  it('refuses to frame an empty body', () => {
    expect(() => encodeFrame(new Uint8Array(0))).toThrow();
  });
});
