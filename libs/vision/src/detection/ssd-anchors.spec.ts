import { describe, expect, it } from 'vitest';
import { BLAZEFACE_BACK_256_ANCHORS, BLAZEFACE_FRONT_128_ANCHORS, generateSsdAnchors } from './ssd-anchors';

describe('generateSsdAnchors', () => {
  it('gives the back model 16x16x2 + 8x8x6 = 896 unit anchors, cell-centred', () => {
    const a = generateSsdAnchors(BLAZEFACE_BACK_256_ANCHORS);
    expect(a).toHaveLength(896);
    // Stride 16 on 256: 16 cells; two anchors per cell share a centre.
    expect(a[0]).toEqual({ xCenter: 0.5 / 16, yCenter: 0.5 / 16, w: 1, h: 1 });
    expect(a[1]).toEqual(a[0]);
    expect(a[2]!.xCenter).toBeCloseTo(1.5 / 16, 12);
    // Last anchor of layer 0 is the bottom-right cell.
    expect(a[511]).toEqual({ xCenter: 15.5 / 16, yCenter: 15.5 / 16, w: 1, h: 1 });
    // Stride 32 (three merged layers x 2 anchors = 6 per cell) on 8x8 cells.
    for (let k = 512; k < 518; k++) expect(a[k]).toEqual({ xCenter: 0.5 / 8, yCenter: 0.5 / 8, w: 1, h: 1 });
    expect(a[518]!.xCenter).toBeCloseTo(1.5 / 8, 12);
    expect(a[895]).toEqual({ xCenter: 7.5 / 8, yCenter: 7.5 / 8, w: 1, h: 1 });
  });

  it('gives the front model 896 anchors on 16x16 and 8x8 grids too', () => {
    const a = generateSsdAnchors(BLAZEFACE_FRONT_128_ANCHORS);
    expect(a).toHaveLength(896);
    expect(a[0]!.xCenter).toBeCloseTo(0.5 / 16, 12);
    expect(a[512]!.xCenter).toBeCloseTo(0.5 / 8, 12);
  });

  it('sizes anchors from scales and aspect ratios when not fixed', () => {
    const a = generateSsdAnchors({
      ...BLAZEFACE_BACK_256_ANCHORS,
      numLayers: 2,
      strides: [128, 256],
      aspectRatios: [1, 4],
      interpolatedScaleAspectRatio: 0,
      fixedAnchorSize: false,
      minScale: 0.2,
      maxScale: 0.8,
    });
    // layer 0: 2x2 cells x 2 ratios; layer 1: 1 cell x 2 ratios
    expect(a).toHaveLength(10);
    expect(a[0]!.w).toBeCloseTo(0.2, 12);
    expect(a[0]!.h).toBeCloseTo(0.2, 12);
    expect(a[1]!.w).toBeCloseTo(0.4, 12); // scale * sqrt(4)
    expect(a[1]!.h).toBeCloseTo(0.1, 12); // scale / sqrt(4)
    expect(a[8]!.w).toBeCloseTo(0.8, 12);
    expect(a[8]).toMatchObject({ xCenter: 0.5, yCenter: 0.5 });
  });

  it('adds the interpolated anchor at the geometric mean of neighbouring scales', () => {
    const a = generateSsdAnchors({ ...BLAZEFACE_BACK_256_ANCHORS, numLayers: 2, strides: [128, 256], fixedAnchorSize: false, minScale: 0.25, maxScale: 0.75 });
    // per cell: [ratio 1 at 0.25, interpolated sqrt(0.25*0.75)]
    expect(a[1]!.w).toBeCloseTo(Math.sqrt(0.25 * 0.75), 12);
    // last layer interpolates towards 1.0
    expect(a[a.length - 1]!.w).toBeCloseTo(Math.sqrt(0.75), 12);
  });

  it('reduces the lowest layer to three fixed boxes when asked', () => {
    const a = generateSsdAnchors({ ...BLAZEFACE_BACK_256_ANCHORS, numLayers: 1, strides: [256], reduceBoxesInLowestLayer: true, fixedAnchorSize: false });
    expect(a).toHaveLength(3);
    expect(a[0]!.w).toBeCloseTo(0.1, 12);
  });

  it('refuses strides that do not match the layer count', () => {
    expect(() => generateSsdAnchors({ ...BLAZEFACE_BACK_256_ANCHORS, strides: [16, 32] })).toThrow(RangeError);
  });
});
