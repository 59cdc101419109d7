import type { Box, Point } from '../types';
import type { Similarity } from '../alignment/similarity';
import { boundingBoxOf } from './landmark-points';

/** A square region of the image the landmark net looks at: top-left corner and side, in image pixels. */
export interface SquareRegion {
  x: number;
  y: number;
  side: number;
}

/** The square centred on the box's centre whose side is `scale` times the box's longer side. */
export function squareAround(box: Box, scale: number): SquareRegion {
  const side = Math.max(box.width, box.height) * scale;
  return { x: box.x + box.width / 2 - side / 2, y: box.y + box.height / 2 - side / 2, side };
}

/** Second pass: the square around the first pass's 68 points (their bounding box), `scale` times its longer side. */
export function squareAroundPoints(points: readonly Point[], scale: number): SquareRegion {
  return squareAround(boundingBoxOf(points), scale);
}

/**
 * Net-input pixel -> image point for a region resized to inputSize (pixel u of the input shows
 * image point x + u * side / inputSize: tfjs resizeBilinear without half-pixel centres, which is
 * what face-api fed the net).
 */
export function regionToImage(region: SquareRegion, inputSize: number): Similarity {
  return { a: region.side / inputSize, b: 0, tx: region.x, ty: region.y };
}

/** The net's output (x, y fractions of the input side, interleaved) -> 68 image points. */
export function outputToImagePoints(output: ArrayLike<number>, offset: number, region: SquareRegion): Point[] {
  const points: Point[] = [];
  for (let i = 0; i < 68; i++) {
    points.push({ x: region.x + output[offset + 2 * i]! * region.side, y: region.y + output[offset + 2 * i + 1]! * region.side });
  }
  return points;
}
