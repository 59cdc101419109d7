import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import type { RgbImage } from '../../libs/vision/src/types';

/** The read-only shared material (models, LFW): FACESHARD_SHARED_DIR or <repo>/../shared. */
export const SHARED_DIR = process.env.FACESHARD_SHARED_DIR ?? resolve(__dirname, '../../../shared');
export const LFW_IMAGES = join(SHARED_DIR, 'datasets/lfw/images');
export const MOBILEFACENET_PATH = join(SHARED_DIR, 'models/mobilefacenet_112.onnx');
export const HAVE_LFW = existsSync(LFW_IMAGES);
export const HAVE_MOBILEFACENET = existsSync(MOBILEFACENET_PATH);

export function lfwPath(name: string, n: number): string {
  return join(LFW_IMAGES, name, `${name}_${String(n).padStart(4, '0')}.jpg`);
}

/**
 * A centre crop of an LFW deep-funneled 250x250 photo, resized to size x size RGB. Not an
 * alignment: the faces sit roughly in the middle, which is enough for exactness and sanity tests.
 */
export async function lfwCenterCrop(name: string, n: number, cropSide: number, size: number): Promise<RgbImage> {
  const offset = Math.round((250 - cropSide) / 2);
  const { data, info } = await sharp(lfwPath(name, n))
    .extract({ left: offset, top: offset, width: cropSide, height: cropSide })
    .resize(size, size, { kernel: 'linear' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`expected 3 channels, got ${info.channels}`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}
