import { describe, expect, it } from 'vitest';
import { FUSION_DLIB_MOBILEFACENET_THRESHOLD, FUSION_DLIB_WEIGHT } from '../recognition';
import { fusedDlibArcFaceConfig } from './pipeline-config';

const mfn = { kind: 'arcface' as const, modelPath: '/models/mobilefacenet_112.onnx', normalisation: 'imagenet' as const, name: 'mobilefacenet' };

describe('fusedDlibArcFaceConfig', () => {
  it('at the default weight: dlib first with w, the ArcFace model with 1 - w, the DevTrain threshold, a plain name', () => {
    const c = fusedDlibArcFaceConfig(mfn);
    expect(c.members).toEqual([
      { recognizer: { kind: 'dlib' }, weight: FUSION_DLIB_WEIGHT },
      { recognizer: mfn, weight: 1 - FUSION_DLIB_WEIGHT },
    ]);
    expect(c.name).toBe('dlib-resnet-v1+mobilefacenet');
    expect(c.defaultThreshold).toBe(FUSION_DLIB_MOBILEFACENET_THRESHOLD);
  });

  it('at another weight: the weight in the name (a calibration made at the default does not apply) and no preset threshold', () => {
    const other = Number(FUSION_DLIB_WEIGHT) === 0.4 ? 0.45 : 0.4;
    const c = fusedDlibArcFaceConfig(mfn, other);
    expect(c.name).toBe(`dlib-resnet-v1+mobilefacenet@${other}`);
    expect(c.defaultThreshold).toBeUndefined();
    expect(c.members.map((m) => m.weight)).toEqual([other, 1 - other]);
  });
});
