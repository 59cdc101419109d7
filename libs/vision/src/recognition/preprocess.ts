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
    // One pass over the interleaved pixels, writing the three planes at once (not one strided
    // pass per plane, which read the crop three times).
    const data = crop.data;
    const c0 = srcChannel[0];
    const c1 = srcChannel[1];
    const c2 = srcChannel[2];
    const mean0 = norm.mean[c0];
    const mean1 = norm.mean[c1];
    const mean2 = norm.mean[c2];
    const inv0 = 1 / norm.std[c0];
    const inv1 = 1 / norm.std[c1];
    const inv2 = 1 / norm.std[c2];
    const base0 = n * 3 * plane;
    const base1 = base0 + plane;
    const base2 = base1 + plane;
    for (let i = 0, j = 0; i < plane; i++, j += 3) {
      out[base0 + i] = (data[j + c0] - mean0) * inv0;
      out[base1 + i] = (data[j + c1] - mean1) * inv1;
      out[base2 + i] = (data[j + c2] - mean2) * inv2;
    }
  });
  return out;
}
