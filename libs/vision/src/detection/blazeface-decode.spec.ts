import { describe, expect, it } from 'vitest';
import { decodeBlazeFace } from './blazeface-decode';

describe('decodeBlazeFace', () => {
  const anchors = [
    { xCenter: 0.25, yCenter: 0.5, w: 1, h: 1 },
    { xCenter: 0.75, yCenter: 0.5, w: 1, h: 1 },
  ];

  it('decodes offsets relative to the anchor in units of the input side, with sigmoid scores', () => {
    const boxes = new Float32Array(32);
    // anchor 0: centre moved by (+25.6, -12.8) px on a 256 input, size 51.2 x 76.8
    boxes.set([25.6, -12.8, 51.2, 76.8, 0, 0, 25.6, 0, 0, 25.6, 12.8, 12.8, 0, 0, 0, 0], 0);
    const out = decodeBlazeFace(new Float32Array([0, -10]), boxes, anchors, 256, 0.4);
    expect(out).toHaveLength(1); // anchor 1 scores sigmoid(-10) < 0.4
    const d = out[0]!;
    expect(d.score).toBeCloseTo(0.5, 12);
    expect(d.box.x).toBeCloseTo(0.35 - 0.1, 6);
    expect(d.box.y).toBeCloseTo(0.45 - 0.15, 6);
    expect(d.box.width).toBeCloseTo(0.2, 6);
    expect(d.box.height).toBeCloseTo(0.3, 6);
    expect(d.keypoints).toHaveLength(6);
    expect(d.keypoints[0]).toEqual({ x: 0.25, y: 0.5 });
    expect(d.keypoints[1]!.x).toBeCloseTo(0.35, 6);
    expect(d.keypoints[2]!.y).toBeCloseTo(0.6, 6);
    expect(d.keypoints[3]!.x).toBeCloseTo(0.3, 6);
  });

  it('clips logits at +-100 so huge values neither overflow nor pass as NaN', () => {
    const out = decodeBlazeFace(new Float32Array([1e6, -1e6]), new Float32Array(32), anchors, 256, 0.5);
    expect(out).toHaveLength(1);
    expect(out[0]!.score).toBe(1);
  });

  it('refuses outputs that do not match the anchors', () => {
    expect(() => decodeBlazeFace(new Float32Array(3), new Float32Array(32), anchors, 256, 0.5)).toThrow(RangeError);
  });
});
