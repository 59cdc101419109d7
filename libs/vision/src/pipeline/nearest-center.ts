import type { Box } from '../types';

/** Index of the face whose box centre is nearest the image centre; -1 for no faces. */
export function nearestCenterIndex(faces: ReadonlyArray<{ box: Box }>, width: number, height: number): number {
  let best = -1;
  let bestDistance = Infinity;
  faces.forEach((f, i) => {
    const d = Math.hypot(f.box.x + f.box.width / 2 - width / 2, f.box.y + f.box.height / 2 - height / 2);
    if (d < bestDistance) {
      bestDistance = d;
      best = i;
    }
  });
  return best;
}

/** The face nearest the image centre, or undefined when there is none. */
export function pickCenterFace<T extends { box: Box }>(analysis: { width: number; height: number; faces: readonly T[] }): T | undefined {
  const i = nearestCenterIndex(analysis.faces, analysis.width, analysis.height);
  return i < 0 ? undefined : analysis.faces[i];
}
