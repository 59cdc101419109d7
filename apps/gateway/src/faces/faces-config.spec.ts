import { describe, expect, it } from 'vitest';
import { FUSION_DLIB_WEIGHT } from '@faceshard/vision';
import { readFacesConfig } from './faces-config';

const byo = { FACE_RECOGNIZER_MODEL: '/models/mobilefacenet_112.onnx', FACE_RECOGNIZER_NORMALISATION: 'imagenet', FACE_RECOGNIZER_NAME: 'mobilefacenet' };

describe('readFacesConfig: recognizer', () => {
  it('runs the npm dlib ResNet without a model file, and the bring-your-own model alone without FACE_RECOGNIZER_FUSION', () => {
    expect(readFacesConfig({}).recognizer).toEqual({ kind: 'dlib' });
    expect(readFacesConfig(byo).recognizer).toEqual({ kind: 'arcface', modelPath: '/models/mobilefacenet_112.onnx', normalisation: 'imagenet', name: 'mobilefacenet' });
  });

  it('FACE_RECOGNIZER_FUSION=dlib fuses the bring-your-own model with dlib at the default weight, or FACE_RECOGNIZER_FUSION_WEIGHT', () => {
    const fused = readFacesConfig({ ...byo, FACE_RECOGNIZER_FUSION: 'dlib' }).recognizer;
    expect(fused).toMatchObject({ kind: 'fused', name: 'dlib-resnet-v1+mobilefacenet' });
    expect(fused.kind === 'fused' && fused.members.map((m) => [m.recognizer.kind, m.weight])).toEqual([
      ['dlib', FUSION_DLIB_WEIGHT],
      ['arcface', 1 - FUSION_DLIB_WEIGHT],
    ]);
    const weighted = readFacesConfig({ ...byo, FACE_RECOGNIZER_FUSION: 'dlib', FACE_RECOGNIZER_FUSION_WEIGHT: '0.25' }).recognizer;
    expect(weighted.kind === 'fused' && weighted.members.map((m) => m.weight)).toEqual([0.25, 0.75]);
  });

  it('refuses fusion without a model file, an unknown fusion and a weight outside [0, 1] at start-up', () => {
    expect(() => readFacesConfig({ FACE_RECOGNIZER_FUSION: 'dlib' })).toThrow(/needs FACE_RECOGNIZER_MODEL/);
    expect(() => readFacesConfig({ ...byo, FACE_RECOGNIZER_FUSION: 'yes' })).toThrow(/FACE_RECOGNIZER_FUSION must be one of/);
    expect(() => readFacesConfig({ ...byo, FACE_RECOGNIZER_FUSION: 'dlib', FACE_RECOGNIZER_FUSION_WEIGHT: '1.5' })).toThrow(/in \[0, 1\]/);
  });
});
