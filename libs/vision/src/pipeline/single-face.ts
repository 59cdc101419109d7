import { FaceshardError } from '@faceshard/contracts';
import type { AnalyzedFace, FaceAnalysis } from './analysis-types';
import { nearestCenterIndex } from './nearest-center';

/** The face a single-face request means: nearest the centre, and it must pass the quality policy. */
export function requireSingleFace(analysis: FaceAnalysis): AnalyzedFace {
  const i = nearestCenterIndex(analysis.faces, analysis.width, analysis.height);
  if (i < 0) throw new FaceshardError('NO_FACE', 'no face found in the image');
  const face = analysis.faces[i]!;
  if (!face.quality.passed) {
    throw new FaceshardError('FACE_QUALITY_TOO_LOW', `face fails the quality policy: ${face.quality.failures.join(', ')}`, {
      failures: face.quality.failures,
      quality: { ...face.quality },
    });
  }
  return face;
}
