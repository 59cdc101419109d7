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
  // sharp wants a Buffer; wrap without copying.
  const input = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

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
 */
export async function decodeImage(bytes: Uint8Array, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): Promise<RgbImage> {
  const { input } = await inspectImage(bytes, limits);
  try {
    const { data, info } = await sharp(input, { failOn: 'truncated', limitInputPixels: limits.maxPixels, pages: 1 })
      .rotate() // honour EXIF orientation
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    return toRgb(data, info.width, info.height, info.channels);
  } catch (err) {
    const message = messageOf(err);
    if (TRUNCATED.test(message)) throw new FaceshardError('IMAGE_TRUNCATED', `image file is truncated: ${message}`);
    if (/pixel limit/i.test(message)) throw new FaceshardError('IMAGE_TOO_LARGE', message);
    throw new FaceshardError('IMAGE_INVALID', `image cannot be decoded: ${message}`);
  }
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
