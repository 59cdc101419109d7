import { describe, expect, it } from 'vitest';
import { canvasToImage, centredSquarePlacement, clipBox, detectionToImage, strideAlignedPlacement } from './input-geometry';

describe('centredSquarePlacement', () => {
  it('fits a landscape image across the width, centred vertically', () => {
    const p = centredSquarePlacement(400, 200, 256);
    expect(p).toEqual({ canvasWidth: 256, canvasHeight: 256, contentWidth: 256, contentHeight: 128, left: 0, top: 64 });
  });
  it('adds the margin around the longest side', () => {
    const p = centredSquarePlacement(250, 250, 256, 0.28); // 250 on a 320 canvas, scaled to 256
    expect(p.contentWidth).toBe(200);
    expect(p.left).toBe(28);
  });
  it('round-trips points through the canvas', () => {
    const p = centredSquarePlacement(300, 500, 256, 0.1);
    const img = { x: 123, y: 456 };
    const canvas = { x: p.left + (img.x * p.contentWidth) / 300, y: p.top + (img.y * p.contentHeight) / 500 };
    const back = canvasToImage(canvas, p, 300, 500);
    expect(back.x).toBeCloseTo(123, 9);
    expect(back.y).toBeCloseTo(456, 9);
  });
});

describe('strideAlignedPlacement', () => {
  it('pads up to a multiple of 32 without scaling small images', () => {
    expect(strideAlignedPlacement(250, 250, 640)).toEqual({ canvasWidth: 256, canvasHeight: 256, contentWidth: 250, contentHeight: 250, left: 0, top: 0 });
  });
  it('shrinks large images to maxSide', () => {
    const p = strideAlignedPlacement(1280, 720, 640);
    expect(p).toMatchObject({ contentWidth: 640, contentHeight: 360, canvasWidth: 640, canvasHeight: 384 });
  });
});

describe('detectionToImage', () => {
  it('maps box and keypoints back and clips the box to the image', () => {
    const p = { canvasWidth: 256, canvasHeight: 256, contentWidth: 128, contentHeight: 128, left: 64, top: 64 };
    const d = detectionToImage({ score: 0.9, box: { x: 32, y: 96, width: 128, height: 32 }, keypoints: [{ x: 128, y: 128 }] }, p, 64, 64);
    expect(d.keypoints[0]).toEqual({ x: 32, y: 32 });
    expect(d.box).toEqual({ x: 0, y: 16, width: 48, height: 16 });
    expect(d.score).toBe(0.9);
  });
  it('clipBox handles boxes fully outside', () => {
    expect(clipBox({ x: -20, y: -20, width: 5, height: 5 }, 10, 10)).toEqual({ x: 0, y: 0, width: 0, height: 0 });
  });
});
