import type { Box } from '../types';
import type { RawDetection } from './raw-detection';

/** Intersection over union of two axis-aligned boxes; 0 when either is empty. */
export function iou(a: Box, b: Box): number {
  const x0 = Math.max(a.x, b.x);
  const y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.width, b.x + b.width);
  const y1 = Math.min(a.y + a.height, b.y + b.height);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

function byScoreDesc(detections: readonly RawDetection[]): RawDetection[] {
  return [...detections].sort((a, b) => b.score - a.score);
}

/** Classic greedy NMS: keep the best, drop everything overlapping it by more than `iouThreshold`. */
export function hardNms(detections: readonly RawDetection[], iouThreshold: number, maxResults = Infinity): RawDetection[] {
  const kept: RawDetection[] = [];
  for (const d of byScoreDesc(detections)) {
    if (kept.length >= maxResults) break;
    if (kept.every((k) => iou(k.box, d.box) <= iouThreshold)) kept.push(d);
  }
  return kept;
}

/**
 * MediaPipe's WEIGHTED non-max suppression (non_max_suppression_calculator.cc): the best
 * remaining detection absorbs every detection overlapping it by more than `iouThreshold`;
 * box and keypoints become the score-weighted mean of the group, the score stays the best one's.
 * Steadier boxes and keypoints than hard NMS, since many anchors fire on one face.
 */
export function weightedNms(detections: readonly RawDetection[], iouThreshold: number, maxResults = Infinity): RawDetection[] {
  let remaining = byScoreDesc(detections);
  const out: RawDetection[] = [];
  while (remaining.length > 0 && out.length < maxResults) {
    const top = remaining[0]!;
    const group: RawDetection[] = [];
    const rest: RawDetection[] = [];
    for (const d of remaining) (iou(top.box, d.box) > iouThreshold || d === top ? group : rest).push(d);
    remaining = rest;
    out.push(group.length === 1 ? top : weightedMean(group, top.score));
  }
  return out;
}

function weightedMean(group: readonly RawDetection[], score: number): RawDetection {
  let total = 0;
  let x0 = 0;
  let y0 = 0;
  let x1 = 0;
  let y1 = 0;
  const nk = group[0]!.keypoints.length;
  const kx = new Array<number>(nk).fill(0);
  const ky = new Array<number>(nk).fill(0);
  for (const d of group) {
    const w = d.score;
    total += w;
    x0 += d.box.x * w;
    y0 += d.box.y * w;
    x1 += (d.box.x + d.box.width) * w;
    y1 += (d.box.y + d.box.height) * w;
    for (let k = 0; k < nk; k++) {
      kx[k]! += d.keypoints[k]!.x * w;
      ky[k]! += d.keypoints[k]!.y * w;
    }
  }
  return {
    score,
    box: { x: x0 / total, y: y0 / total, width: (x1 - x0) / total, height: (y1 - y0) / total },
    keypoints: kx.map((x, k) => ({ x: x / total, y: ky[k]! / total })),
  };
}
