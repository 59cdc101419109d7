import type { Box, Point } from '../types';
import type { RawDetection } from './raw-detection';

/**
 * Where the image lands on a detector's input canvas: scaled to contentWidth x contentHeight and
 * placed at (left, top) on a canvasWidth x canvasHeight black canvas.
 */
export interface CanvasPlacement {
  canvasWidth: number;
  canvasHeight: number;
  contentWidth: number;
  contentHeight: number;
  left: number;
  top: number;
}

/**
 * Fit the image, aspect ratio kept, centred on a square `side` canvas, as MediaPipe's
 * ImageToTensorCalculator does with keep_aspect_ratio. `padRatio` adds a black margin around
 * the image (0.28 puts a 250-pixel LFW photo on a 320 canvas before scaling to 256), which
 * makes a face that fills the photo look more like the faces the model was trained on.
 */
export function centredSquarePlacement(width: number, height: number, side: number, padRatio = 0): CanvasPlacement {
  const longest = Math.max(width, height) * (1 + padRatio);
  const scale = side / longest;
  const contentWidth = Math.max(1, Math.min(side, Math.round(width * scale)));
  const contentHeight = Math.max(1, Math.min(side, Math.round(height * scale)));
  return {
    canvasWidth: side,
    canvasHeight: side,
    contentWidth,
    contentHeight,
    left: Math.floor((side - contentWidth) / 2),
    top: Math.floor((side - contentHeight) / 2),
  };
}

/**
 * YuNet takes any size that is a multiple of 32: shrink (never enlarge) so the longest side is
 * at most `maxSide`, then pad right and bottom up to the next multiple of 32.
 */
export function strideAlignedPlacement(width: number, height: number, maxSide: number, multiple = 32): CanvasPlacement {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const contentWidth = Math.max(1, Math.round(width * scale));
  const contentHeight = Math.max(1, Math.round(height * scale));
  return {
    canvasWidth: Math.ceil(contentWidth / multiple) * multiple,
    canvasHeight: Math.ceil(contentHeight / multiple) * multiple,
    contentWidth,
    contentHeight,
    left: 0,
    top: 0,
  };
}

/** Maps a point on the canvas (in canvas pixels) back to the original image's pixels. */
export function canvasToImage(p: Point, placement: CanvasPlacement, imageWidth: number, imageHeight: number): Point {
  return {
    x: ((p.x - placement.left) * imageWidth) / placement.contentWidth,
    y: ((p.y - placement.top) * imageHeight) / placement.contentHeight,
  };
}

/** Maps a detection in canvas pixels back to image pixels; the box is clipped to the image. */
export function detectionToImage(d: RawDetection, placement: CanvasPlacement, imageWidth: number, imageHeight: number): RawDetection {
  const p0 = canvasToImage({ x: d.box.x, y: d.box.y }, placement, imageWidth, imageHeight);
  const p1 = canvasToImage({ x: d.box.x + d.box.width, y: d.box.y + d.box.height }, placement, imageWidth, imageHeight);
  return {
    score: d.score,
    box: clipBox({ x: p0.x, y: p0.y, width: p1.x - p0.x, height: p1.y - p0.y }, imageWidth, imageHeight),
    keypoints: d.keypoints.map((k) => canvasToImage(k, placement, imageWidth, imageHeight)),
  };
}

export function clipBox(b: Box, width: number, height: number): Box {
  const x0 = Math.max(0, Math.min(width, b.x));
  const y0 = Math.max(0, Math.min(height, b.y));
  const x1 = Math.max(0, Math.min(width, b.x + b.width));
  const y1 = Math.max(0, Math.min(height, b.y + b.height));
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}
