import { FaceshardError } from '@faceshard/contracts';
import type { RgbImage } from '../types';

/** Per-channel normalisation in 0..255 pixel units: value = (pixel - mean) / std, in RGB order. */
export interface ChannelNormalisation {
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

/** (x - 127.5) / 128: what most ArcFace-family models (insightface) are trained with. */
export const ARCFACE_NORMALISATION: ChannelNormalisation = { mean: [127.5, 127.5, 127.5], std: [128, 128, 128] };

/** torchvision's ImageNet mean/std, expressed in 0..255 pixel units. */
export const IMAGENET_NORMALISATION: ChannelNormalisation = {
  mean: [0.485 * 255, 0.456 * 255, 0.406 * 255],
  std: [0.229 * 255, 0.224 * 255, 0.225 * 255],
};

/** No normalisation: raw 0..255 (used when the graph normalises itself, as the dlib graph does). */
export const RAW_PIXELS: ChannelNormalisation = { mean: [0, 0, 0], std: [1, 1, 1] };

export type ChannelOrder = 'rgb' | 'bgr';

/**
 * Packs square RGB crops into one NCHW float32 batch [n, 3, size, size], normalised per channel.
 * With channelOrder 'bgr', plane 0 holds blue; mean/std stay given in RGB order and move with the channel.
 */
export function cropsToNchw(
  crops: readonly RgbImage[],
  size: number,
  norm: ChannelNormalisation,
  channelOrder: ChannelOrder,
): Float32Array {
  const plane = size * size;
  const out = new Float32Array(crops.length * 3 * plane);
  // Source channel (in RGB interleaved data) that feeds each output plane.
  const srcChannel = channelOrder === 'rgb' ? [0, 1, 2] : [2, 1, 0];
  crops.forEach((crop, n) => {
    if (crop.width !== size || crop.height !== size || crop.data.length !== plane * 3) {
      throw new FaceshardError(
        'VALIDATION_FAILED',
        `crop ${n} is ${crop.width}x${crop.height} (${crop.data.length} bytes), expected ${size}x${size} RGB`,
        { index: n, width: crop.width, height: crop.height, expected: size },
      );
    }
    for (let p = 0; p < 3; p++) {
      const c = srcChannel[p];
      const mean = norm.mean[c];
      const inv = 1 / norm.std[c];
      const base = (n * 3 + p) * plane;
      const data = crop.data;
      for (let i = 0; i < plane; i++) out[base + i] = (data[i * 3 + c] - mean) * inv;
    }
  });
  return out;
}
