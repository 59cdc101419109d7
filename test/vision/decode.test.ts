import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import * as zlib from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { FaceshardError } from '@faceshard/contracts';
import { decodeImage, hasAcceptedSignature } from '@faceshard/vision';
import { lfwPhoto, SHARED_ABSENT_REASON, SHARED_DIR } from './shared-fixtures';
import { expectCode } from './shared-fixtures';

/** A real PNG (valid CRCs) whose header claims width x height but whose data is a few bytes. */
function pngHeaderBomb(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(64))), chunk('IEND', Buffer.alloc(0))]);
}

describe('decodeImage on files made by sharp', () => {
  const solid = (channels: 3 | 4) => sharp({ create: { width: 24, height: 16, channels, background: { r: 200, g: 100, b: 50, alpha: 0.5 } } });

  it('decodes JPEG, PNG and WebP to 3-channel RGB', async () => {
    for (const bytes of [await solid(3).jpeg({ quality: 95 }).toBuffer(), await solid(3).png().toBuffer(), await solid(3).webp({ lossless: true }).toBuffer()]) {
      const img = await decodeImage(bytes);
      expect(img.width).toBe(24);
      expect(img.height).toBe(16);
      expect(img.data.length).toBe(24 * 16 * 3);
      const [r, g, b] = img.data;
      expect(Math.abs(r! - 200)).toBeLessThanOrEqual(3);
      expect(Math.abs(g! - 100)).toBeLessThanOrEqual(3);
      expect(Math.abs(b! - 50)).toBeLessThanOrEqual(3);
    }
  });

  it('drops alpha and expands greyscale to RGB', async () => {
    expect((await decodeImage(await solid(4).png().toBuffer())).data.length).toBe(24 * 16 * 3);
    const grey = await sharp(Buffer.alloc(20 * 10, 77), { raw: { width: 20, height: 10, channels: 1 } }).png().toBuffer();
    const img = await decodeImage(grey);
    expect(img.data.length).toBe(20 * 10 * 3);
    expect(Array.from(img.data.subarray(0, 3))).toEqual([77, 77, 77]);
  });

  it('honours EXIF orientation (6 = rotate 90 clockwise)', async () => {
    // Left half red, right half blue, 40x20, tagged orientation 6: upright it is 20x40, red on top.
    const raw = Buffer.alloc(40 * 20 * 3);
    for (let y = 0; y < 20; y++) for (let x = 0; x < 40; x++) raw.set(x < 20 ? [255, 0, 0] : [0, 0, 255], (y * 40 + x) * 3);
    const jpeg = await sharp(raw, { raw: { width: 40, height: 20, channels: 3 } }).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toBuffer();
    const img = await decodeImage(jpeg);
    expect([img.width, img.height]).toEqual([20, 40]);
    const top = img.data.subarray((5 * 20 + 10) * 3, (5 * 20 + 10) * 3 + 3);
    const bottom = img.data.subarray((35 * 20 + 10) * 3, (35 * 20 + 10) * 3 + 3);
    expect(top[0]).toBeGreaterThan(200);
    expect(bottom[2]).toBeGreaterThan(200);
  });

  it('refuses random bytes and empty input as IMAGE_INVALID, formats outside JPEG/PNG/WebP as IMAGE_UNSUPPORTED_TYPE', async () => {
    let seed = 12345;
    const random = Buffer.alloc(4096);
    for (let i = 0; i < random.length; i++) random[i] = (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
    await expectCode(decodeImage(random), 'IMAGE_INVALID');
    await expectCode(decodeImage(new Uint8Array(0)), 'IMAGE_INVALID');
    await expectCode(decodeImage(await solid(3).gif().toBuffer()), 'IMAGE_UNSUPPORTED_TYPE');
  });

  it('refuses a truncated PNG as IMAGE_TRUNCATED', async () => {
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 0, g: 0, b: 0 }, noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).png().toBuffer();
    await expectCode(decodeImage(png.subarray(0, Math.floor(png.length / 2))), 'IMAGE_TRUNCATED');
  });

  it('refuses a PNG header claiming 100000 x 100000 pixels as IMAGE_TOO_LARGE before decoding', async () => {
    const bomb = pngHeaderBomb(100_000, 100_000);
    expect(bomb.length).toBeLessThan(200);
    await expectCode(decodeImage(bomb), 'IMAGE_TOO_LARGE');
  });

  it('refuses the 100000 x 100000 header with its size in the error, as the header read reports it', async () => {
    const err = await decodeImage(pngHeaderBomb(100_000, 100_000)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FaceshardError);
    expect((err as FaceshardError).details).toEqual({ width: 100_000, height: 100_000, maxPixels: 40_000_000 });
  });

  it('refuses a JPEG signature followed by garbage as IMAGE_INVALID (the header verdict), not IMAGE_TRUNCATED', async () => {
    const fake = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2000, 0x37)]);
    expect(hasAcceptedSignature(fake)).toBe(true);
    await expectCode(decodeImage(fake), 'IMAGE_INVALID');
  });

  it('takes the one-call path for JPEG, PNG and WebP signatures only', async () => {
    for (const bytes of [await solid(3).jpeg().toBuffer(), await solid(3).png().toBuffer(), await solid(3).webp().toBuffer()]) {
      expect(hasAcceptedSignature(bytes)).toBe(true);
    }
    for (const bytes of [await solid(3).gif().toBuffer(), await solid(3).tiff().toBuffer(), Buffer.from('RIFF0000WAVE'), Buffer.from([0xff, 0xd8]), new Uint8Array(0)]) {
      expect(hasAcceptedSignature(bytes)).toBe(false);
    }
  });

  it('applies configurable caps on bytes and pixels', async () => {
    const png = await solid(3).png().toBuffer();
    await expectCode(decodeImage(png, { maxBytes: png.length - 1, maxPixels: 1e9 }), 'IMAGE_TOO_LARGE');
    await expectCode(decodeImage(png, { maxBytes: 1e9, maxPixels: 24 * 16 - 1 }), 'IMAGE_TOO_LARGE');
    expect((await decodeImage(png, { maxBytes: png.length, maxPixels: 24 * 16 })).width).toBe(24);
  });
});

describe.skipIf(!SHARED_DIR)(`decodeImage on LFW photos${SHARED_DIR ? '' : ` (${SHARED_ABSENT_REASON})`}`, () => {
  it('decodes a real LFW JPEG and refuses the same file cut in half as IMAGE_TRUNCATED', async () => {
    const jpeg = readFileSync(lfwPhoto('George_W_Bush', 1));
    const img = await decodeImage(jpeg);
    expect([img.width, img.height]).toEqual([250, 250]);
    await expectCode(decodeImage(jpeg.subarray(0, Math.floor(jpeg.length / 2))), 'IMAGE_TRUNCATED');
  });
});
