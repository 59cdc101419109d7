import sharp from 'sharp';
import { FaceshardError } from '@faceshard/contracts';
import type { RgbImage } from '../types';
import { ACCEPTED_FORMATS, DEFAULT_DECODE_LIMITS, type DecodeLimits } from './decode-limits';

export interface ImageHeader {
  format: string;
  width: number;
  height: number;
  /** The bytes as a Buffer (no copy), for the decode that follows. */
  input: Buffer;
}

/**
 * The cheap checks, from the header alone (no pixel decoded): empty, over the byte cap, not an
 * image (IMAGE_INVALID), a type we do not take (IMAGE_UNSUPPORTED_TYPE), over the pixel cap.
 * Servers call it before queueing a photo for the pipeline.
 */
export async function inspectImage(bytes: Uint8Array, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): Promise<ImageHeader> {
  if (bytes.length === 0) throw new FaceshardError('IMAGE_INVALID', 'empty image');
  if (bytes.length > limits.maxBytes) {
    throw new FaceshardError('IMAGE_TOO_LARGE', `image is ${bytes.length} bytes, limit ${limits.maxBytes}`, {
      bytes: bytes.length,
      maxBytes: limits.maxBytes,
    });
  }
  const input = asBuffer(bytes);

  // Header only: reading metadata does not decode pixels, so the pixel cap is enforced first.
  let meta: sharp.Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new FaceshardError('IMAGE_INVALID', `not a readable image: ${messageOf(err)}`);
  }
  if (!meta.format || !ACCEPTED_FORMATS.includes(meta.format)) {
    throw new FaceshardError('IMAGE_UNSUPPORTED_TYPE', `unsupported image type '${meta.format ?? 'unknown'}': send JPEG, PNG or WebP`, {
      format: meta.format ?? null,
    });
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width <= 0 || height <= 0) throw new FaceshardError('IMAGE_INVALID', 'image has no dimensions');
  if (width * height > limits.maxPixels) {
    throw new FaceshardError('IMAGE_TOO_LARGE', `image is ${width}x${height} pixels, limit ${limits.maxPixels}`, {
      width,
      height,
      maxPixels: limits.maxPixels,
    });
  }
  return { format: meta.format, width, height, input };
}

/**
 * Decodes a JPEG, PNG or WebP into interleaved 8-bit RGB, upright per its EXIF orientation.
 * Refuses with IMAGE_INVALID (not an image), IMAGE_UNSUPPORTED_TYPE (GIF, SVG...), IMAGE_TRUNCATED
 * (cut-off file) or IMAGE_TOO_LARGE (over the byte or pixel caps, checked before decoding).
 *
 * One sharp call for the photos that are what they claim: bytes that start with a JPEG, PNG or
 * WebP signature go straight to the decode, whose limitInputPixels refuses an over-cap image from
 * its header before decoding a pixel (the same width x height > maxPixels test inspectImage makes).
 * A separate header read first cost a second trip through sharp's thread pool on every photo
 * (0.2 ms quiet, ~1 ms on a loaded machine; bench/vision/README.md, Speed). Anything else, and
 * every refusal, goes through inspectImage, so the errors and their details are the same as before.
 */
export async function decodeImage(bytes: Uint8Array, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): Promise<RgbImage> {
  const input = hasAcceptedSignature(bytes) && bytes.length <= limits.maxBytes ? asBuffer(bytes) : (await inspectImage(bytes, limits)).input;
  try {
    const { data, info } = await sharp(input, { failOn: 'truncated', limitInputPixels: limits.maxPixels, pages: 1 })
      .rotate() // honour EXIF orientation
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    return toRgb(data, info.width, info.height, info.channels);
  } catch (err) {
    // First the header's own verdict, as when it was read before every decode (not an image,
    // unsupported type, over the pixel cap with its size); then what the decode said.
    await inspectImage(bytes, limits);
    const message = messageOf(err);
    if (TRUNCATED.test(message)) throw new FaceshardError('IMAGE_TRUNCATED', `image file is truncated: ${message}`);
    if (/pixel limit/i.test(message)) throw new FaceshardError('IMAGE_TOO_LARGE', message);
    throw new FaceshardError('IMAGE_INVALID', `image cannot be decoded: ${message}`);
  }
}

/**
 * JPEG (FF D8 FF), PNG (89 'PNG' CR LF 1A LF) or WebP ('RIFF' size 'WEBP'): the formats sharp's
 * loaders recognise by these same leading bytes.
 */
export function hasAcceptedSignature(b: Uint8Array): boolean {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return true;
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 && b[4] === 0x0d && b[5] === 0x0a && b[6] === 0x1a && b[7] === 0x0a) return true;
  return b.length >= 12 && b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x45 && b[10] === 0x42 && b[11] === 0x50;
}

/** sharp wants a Buffer; wrap without copying. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** libjpeg, libpng/spng and libwebp word a cut-off file differently. */
const TRUNCATED = /premature end|truncat|unexpected end|end of (input|file|stream)|not enough data|read error|incomplete/i;

function toRgb(data: Buffer, width: number, height: number, channels: number): RgbImage {
  const pixels = width * height;
  if (channels === 3) return { data: new Uint8Array(data.buffer, data.byteOffset, pixels * 3), width, height };
  // Defensive: sRGB output should always be 3 channels after removeAlpha, but never hand on
  // a buffer whose layout does not match RgbImage.
  const out = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    const src = i * channels;
    out[i * 3] = data[src]!;
    out[i * 3 + 1] = data[channels >= 3 ? src + 1 : src]!;
    out[i * 3 + 2] = data[channels >= 3 ? src + 2 : src]!;
  }
  return { data: out, width, height };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
