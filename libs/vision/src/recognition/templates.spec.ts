import { describe, expect, it } from 'vitest';
import { ARCFACE_112_TEMPLATE, DLIB_150_TEMPLATE, arcFaceTemplate, dlibChipTemplate } from './templates';

describe('alignment templates', () => {
  it('ArcFace 112 is the insightface template, image-left eye first', () => {
    expect(ARCFACE_112_TEMPLATE[0]).toEqual({ x: 38.2946, y: 51.6963 });
    expect(ARCFACE_112_TEMPLATE[4]).toEqual({ x: 70.7299, y: 92.2041 });
    expect(ARCFACE_112_TEMPLATE[0].x).toBeLessThan(ARCFACE_112_TEMPLATE[1].x);
  });

  it('ArcFace template scales with the input size (and is unchanged at 112)', () => {
    expect(arcFaceTemplate(112)).toEqual(ARCFACE_112_TEMPLATE);
    const t224 = arcFaceTemplate(224);
    t224.forEach((p, i) => {
      expect(p.x).toBeCloseTo(ARCFACE_112_TEMPLATE[i].x * 2, 10);
      expect(p.y).toBeCloseTo(ARCFACE_112_TEMPLATE[i].y * 2, 10);
    });
  });

  it('dlib 150 chip: ((0.25 + p) / 1.5) * 150 on the mean face', () => {
    expect(DLIB_150_TEMPLATE[0].x).toBeCloseTo(((0.25 + 0.225492) / 1.5) * 150, 10);
    expect(DLIB_150_TEMPLATE[0].y).toBeCloseTo(((0.25 + 0.21599) / 1.5) * 150, 10);
    expect(DLIB_150_TEMPLATE[2].x).toBeCloseTo(((0.25 + 0.490127) / 1.5) * 150, 10);
    expect(DLIB_150_TEMPLATE[4].y).toBeCloseTo(((0.25 + 0.780233) / 1.5) * 150, 10);
    // Eyes level, mouth below nose below eyes, everything inside the chip.
    expect(DLIB_150_TEMPLATE[0].y).toBe(DLIB_150_TEMPLATE[1].y);
    expect(DLIB_150_TEMPLATE[2].y).toBeGreaterThan(DLIB_150_TEMPLATE[0].y);
    expect(DLIB_150_TEMPLATE[3].y).toBeGreaterThan(DLIB_150_TEMPLATE[2].y);
    for (const p of DLIB_150_TEMPLATE) for (const v of [p.x, p.y]) expect(v > 0 && v < 150).toBe(true);
  });

  it('dlib chip with padding 0 spans the whole chip', () => {
    const t = dlibChipTemplate(100, 0);
    expect(t[0].x).toBeCloseTo(22.5492, 10);
    expect(t[1].x).toBeCloseTo(75.4761, 10);
  });
});
