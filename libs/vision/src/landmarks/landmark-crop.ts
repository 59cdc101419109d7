import type { Box, Point } from '../types';
import type { Similarity } from '../alignment/similarity';
import { boundingBoxOf } from './landmark-points';

/**
 * A square region of the image the landmark net looks at: top-left corner and side, in image
 * pixels, and optionally turned about its centre by `angle` (radians, image coordinates with y
 * down: positive turns clockwise on screen, as a face's roll does). The net was trained on upright
 * faces, so a face tilted far is cut along its own eye line and shown to the net upright.
 */
export interface SquareRegion {
  x: number;
  y: number;
  side: number;
  /** 0 or absent: axis-aligned (every region before turned crops existed, bit for bit). */
  angle?: number;
}

/** The square centred on the box's centre whose side is `scale` times the box's longer side. */
export function squareAround(box: Box, scale: number): SquareRegion {
  const side = Math.max(box.width, box.height) * scale;
  return { x: box.x + box.width / 2 - side / 2, y: box.y + box.height / 2 - side / 2, side };
}

/**
 * Second pass: the square around the first pass's 68 points (their bounding box), `scale` times
 * its longer side; with an angle, the box is taken along that angle (points turned upright first).
 */
export function squareAroundPoints(points: readonly Point[], scale: number, angle = 0): SquareRegion {
  if (!angle) return squareAround(boundingBoxOf(points), scale);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const upright = boundingBoxOf(points.map((p) => ({ x: cos * p.x + sin * p.y, y: -sin * p.x + cos * p.y })));
  const side = Math.max(upright.width, upright.height) * scale;
  const u = upright.x + upright.width / 2;
  const v = upright.y + upright.height / 2;
  const cx = cos * u - sin * v;
  const cy = sin * u + cos * v;
  return { x: cx - side / 2, y: cy - side / 2, side, angle };
}

/** The same square turned by `angle` about its centre. */
export function turned(region: SquareRegion, angle: number): SquareRegion {
  return { x: region.x, y: region.y, side: region.side, angle };
}

/**
 * Net-input pixel -> image point for a region resized to inputSize (pixel u of the input shows
 * image point x + u * side / inputSize: tfjs resizeBilinear without half-pixel centres, which is
 * what face-api fed the net).
 */
export function regionToImage(region: SquareRegion, inputSize: number): Similarity {
  const scale = region.side / inputSize;
  if (!region.angle) return { a: scale, b: 0, tx: region.x, ty: region.y };
  // Input pixel (0, 0) is the turned square's first corner: centre - R (h, h), h = half the side.
  const cos = Math.cos(region.angle);
  const sin = Math.sin(region.angle);
  const h = region.side / 2;
  return { a: scale * cos, b: scale * sin, tx: region.x + h - (cos * h - sin * h), ty: region.y + h - (sin * h + cos * h) };
}

/** The net's output (x, y fractions of the input side, interleaved) -> 68 image points. */
export function outputToImagePoints(output: ArrayLike<number>, offset: number, region: SquareRegion): Point[] {
  const points: Point[] = [];
  if (!region.angle) {
    for (let i = 0; i < 68; i++) {
      points.push({ x: region.x + output[offset + 2 * i]! * region.side, y: region.y + output[offset + 2 * i + 1]! * region.side });
    }
    return points;
  }
  const cos = Math.cos(region.angle);
  const sin = Math.sin(region.angle);
  const cx = region.x + region.side / 2;
  const cy = region.y + region.side / 2;
  for (let i = 0; i < 68; i++) {
    const u = (output[offset + 2 * i]! - 0.5) * region.side;
    const v = (output[offset + 2 * i + 1]! - 0.5) * region.side;
    points.push({ x: cx + cos * u - sin * v, y: cy + sin * u + cos * v });
  }
  return points;
}
