import type { AnalyzedFace, FaceAnalysis } from '@faceshard/vision';

/**
 * One number per face for `minQuality`, 0..1: the detector's confidence, scaled down for faces
 * too small to embed well (under 40 px between the eyes) and for faces turned away (yaw).
 * Roll is not counted: alignment undoes it. The raw measurements are answered beside it.
 */
export function overallQuality(quality: AnalyzedFace['quality']): number {
  const size = Math.min(1, Math.max(0, quality.eyeDistance / 40));
  const pose = Math.max(0, Math.cos((Math.min(90, Math.abs(quality.yaw)) * Math.PI) / 180));
  const score = Math.min(1, Math.max(0, quality.score));
  return Math.round(score * size * pose * 1000) / 1000;
}

export interface SelectedFace {
  face: AnalyzedFace;
  quality: number;
  area: number;
}

/** Faces largest first (ties: higher detector score), those under minQuality dropped, at most maxFaces. */
export function selectFaces(analysis: FaceAnalysis, options: { minQuality?: number; maxFaces: number }): SelectedFace[] {
  return analysis.faces
    .map((face) => ({ face, quality: overallQuality(face.quality), area: face.box.width * face.box.height }))
    .filter((f) => options.minQuality === undefined || f.quality >= options.minQuality)
    .sort((a, b) => b.area - a.area || b.face.score - a.face.score)
    .slice(0, options.maxFaces);
}

/**
 * The face as the API answers it: box, keypoints and quality (no embedding), and the 68 landmarks
 * (iBUG order, image pixels) when the landmark net placed the face: they were computed for the
 * alignment anyway, so answering them costs only their bytes.
 */
export function describeFace(selected: SelectedFace) {
  const { face, quality } = selected;
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    box: { x: round(face.box.x), y: round(face.box.y), width: round(face.box.width), height: round(face.box.height) },
    keypoints: Object.fromEntries(
      Object.entries(face.landmarks)
        .filter(([, p]) => p !== undefined)
        .map(([name, p]) => [name, { x: round(p.x), y: round(p.y) }]),
    ),
    ...(face.landmarks68 ? { landmarks68: face.landmarks68.map((p) => ({ x: round(p.x), y: round(p.y) })) } : {}),
    quality: {
      overall: quality,
      detection: Math.round(face.quality.score * 1000) / 1000,
      faceSize: round(face.quality.faceSize),
      eyeDistance: round(face.quality.eyeDistance),
      sharpness: round(face.quality.sharpness),
      yaw: round(face.quality.yaw),
      roll: round(face.quality.roll),
    },
  };
}
