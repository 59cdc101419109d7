import type { RawDetection } from './raw-detection';

export const YUNET_STRIDES = [8, 16, 32] as const;

/** One stride's outputs of YuNet (batch 1): cls/obj [cells], bbox [cells x 4], kps [cells x 10]. */
export interface YuNetLevel {
  stride: number;
  cls: Float32Array;
  obj: Float32Array;
  bbox: Float32Array;
  kps: Float32Array;
}

/**
 * YuNet's post-processing (as in OpenCV's FaceDetectorYN): for grid cell (row r, col c) at
 * stride s, score = sqrt(clamp(cls) * clamp(obj)); centre ((c + dx) s, (r + dy) s); size
 * (exp(dw) s, exp(dh) s); keypoint k at ((c + kx) s, (r + ky) s). Coordinates in input pixels.
 * Keypoint order: image-left eye, image-right eye, nose, image-left mouth corner, image-right mouth corner.
 */
export function decodeYuNet(levels: readonly YuNetLevel[], inputWidth: number, inputHeight: number, minScore: number): RawDetection[] {
  const out: RawDetection[] = [];
  for (const { stride: s, cls, obj, bbox, kps } of levels) {
    const cols = Math.floor(inputWidth / s);
    const rows = Math.floor(inputHeight / s);
    if (cls.length !== rows * cols || obj.length !== rows * cols || bbox.length !== rows * cols * 4 || kps.length !== rows * cols * 10) {
      throw new RangeError(`YuNet stride ${s} outputs do not match a ${cols}x${rows} grid`);
    }
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c;
        const score = Math.sqrt(clamp01(cls[i]!) * clamp01(obj[i]!));
        if (score < minScore) continue;
        const b = i * 4;
        const cx = (c + bbox[b]!) * s;
        const cy = (r + bbox[b + 1]!) * s;
        const w = Math.exp(bbox[b + 2]!) * s;
        const h = Math.exp(bbox[b + 3]!) * s;
        const keypoints = [];
        for (let k = 0; k < 5; k++) keypoints.push({ x: (c + kps[i * 10 + 2 * k]!) * s, y: (r + kps[i * 10 + 2 * k + 1]!) * s });
        out.push({ score, box: { x: cx - w / 2, y: cy - h / 2, width: w, height: h }, keypoints });
      }
    }
  }
  return out;
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
