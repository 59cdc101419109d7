import { describe, expect, it } from 'vitest';
import type { RgbImage } from '../types';
import { ARCFACE_NORMALISATION, IMAGENET_NORMALISATION, RAW_PIXELS, cropsToNchw } from './preprocess';

/** A size x size crop whose pixel i has RGB (i, 100 + i, 200 + i) mod 256. */
function crop(size: number, offset = 0): RgbImage {
  const data = new Uint8Array(size * size * 3);
  for (let i = 0; i < size * size; i++) {
    data[i * 3] = (i + offset) % 256;
    data[i * 3 + 1] = (100 + i + offset) % 256;
    data[i * 3 + 2] = (200 + i + offset) % 256;
  }
  return { data, width: size, height: size };
}

describe('cropsToNchw', () => {
  it('RGB, raw pixels: plane c holds channel c, pixel order row-major', () => {
    const out = cropsToNchw([crop(2)], 2, RAW_PIXELS, 'rgb');
    expect(Array.from(out)).toEqual([0, 1, 2, 3, 100, 101, 102, 103, 200, 201, 202, 203]);
  });

  it('BGR: plane 0 holds blue, and each channel keeps its own mean/std', () => {
    const norm = { mean: [1, 2, 3] as const, std: [1, 2, 4] as const };
    const out = cropsToNchw([crop(1)], 1, norm, 'bgr');
    // pixel RGB = (0, 100, 200): B=(200-3)/4, G=(100-2)/2, R=(0-1)/1
    expect(Array.from(out)).toEqual([197 / 4, 49, -1]);
  });

  it('stacks several crops one after another along N', () => {
    const out = cropsToNchw([crop(2, 0), crop(2, 7)], 2, RAW_PIXELS, 'rgb');
    expect(out.length).toBe(2 * 3 * 4);
    expect(Array.from(out.subarray(12, 16))).toEqual([7, 8, 9, 10]);
    expect(Array.from(out.subarray(20, 24))).toEqual([207, 208, 209, 210]);
  });

  it('ArcFace normalisation maps 0..255 to about [-1, 1]', () => {
    const black: RgbImage = { data: new Uint8Array(3), width: 1, height: 1 };
    const white: RgbImage = { data: Uint8Array.of(255, 255, 255), width: 1, height: 1 };
    const out = cropsToNchw([black, white], 1, ARCFACE_NORMALISATION, 'rgb');
    expect(out[0]).toBeCloseTo(-127.5 / 128, 6);
    expect(out[3]).toBeCloseTo(127.5 / 128, 6);
  });

  it('ImageNet normalisation equals torchvision (x/255 - mean)/std', () => {
    const px: RgbImage = { data: Uint8Array.of(10, 128, 250), width: 1, height: 1 };
    const out = cropsToNchw([px], 1, IMAGENET_NORMALISATION, 'rgb');
    expect(out[0]).toBeCloseTo((10 / 255 - 0.485) / 0.229, 5);
    expect(out[1]).toBeCloseTo((128 / 255 - 0.456) / 0.224, 5);
    expect(out[2]).toBeCloseTo((250 / 255 - 0.406) / 0.225, 5);
  });

  it('rejects a crop of the wrong size or byte length with VALIDATION_FAILED', () => {
    expect(() => cropsToNchw([crop(3)], 2, RAW_PIXELS, 'rgb')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    const short: RgbImage = { data: new Uint8Array(11), width: 2, height: 2 };
    expect(() => cropsToNchw([short], 2, RAW_PIXELS, 'rgb')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});
