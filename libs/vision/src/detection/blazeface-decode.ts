import type { Anchor } from './ssd-anchors';
import type { RawDetection } from './raw-detection';

export const BLAZEFACE_VALUES_PER_ANCHOR = 16;
export const BLAZEFACE_KEYPOINTS = 6;

/**
 * MediaPipe's TensorsToDetectionsCalculator for BlazeFace (reverse_output_order: x before y;
 * box_coord_offset 0, keypoint_coord_offset 4, 6 keypoints x 2 values, sigmoid_score with
 * score_clipping_thresh 100). `scale` is x_scale = y_scale = w_scale = h_scale = the model
 * input side (256 for the back model). Output coordinates are normalised to the model input.
 *
 * Keypoint order (MediaPipe face_detection docs): subject's right eye, subject's left eye,
 * nose tip, mouth centre, right ear tragion, left ear tragion. Subject's right = image-left.
 */
export function decodeBlazeFace(
  scores: Float32Array,
  boxes: Float32Array,
  anchors: readonly Anchor[],
  scale: number,
  minScore: number,
): RawDetection[] {
  if (scores.length !== anchors.length || boxes.length !== anchors.length * BLAZEFACE_VALUES_PER_ANCHOR) {
    throw new RangeError(`BlazeFace output sizes ${scores.length}/${boxes.length} do not match ${anchors.length} anchors`);
  }
  // Compare logits, not probabilities: skips exp() for the ~890 anchors that are background.
  const minLogit = Math.log(minScore / (1 - minScore));
  const out: RawDetection[] = [];
  for (let i = 0; i < anchors.length; i++) {
    const logit = Math.max(-100, Math.min(100, scores[i]!));
    if (logit < minLogit) continue;
    const a = anchors[i]!;
    const o = i * BLAZEFACE_VALUES_PER_ANCHOR;
    const cx = (boxes[o]! / scale) * a.w + a.xCenter;
    const cy = (boxes[o + 1]! / scale) * a.h + a.yCenter;
    const w = (boxes[o + 2]! / scale) * a.w;
    const h = (boxes[o + 3]! / scale) * a.h;
    const keypoints = [];
    for (let k = 0; k < BLAZEFACE_KEYPOINTS; k++) {
      keypoints.push({
        x: (boxes[o + 4 + 2 * k]! / scale) * a.w + a.xCenter,
        y: (boxes[o + 5 + 2 * k]! / scale) * a.h + a.yCenter,
      });
    }
    out.push({ score: 1 / (1 + Math.exp(-logit)), box: { x: cx - w / 2, y: cy - h / 2, width: w, height: h }, keypoints });
  }
  return out;
}
