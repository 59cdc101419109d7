import { describe, expect, it } from 'vitest';
import { FUSION_DLIB_WEIGHT } from '@faceshard/vision';
import { pipelineConfigFromFlags } from '../../bench/vision/pipeline-args';

const mfn = { 'recognizer-model': '/m/mobilefacenet_112.onnx', 'recognizer-norm': 'imagenet' };

describe('pipelineConfigFromFlags: --recognizer fused (eval:lfw, bench:vision)', () => {
  it('fuses the dlib ResNet (first, weight w) with the --recognizer-model ArcFace model (1 - w), default w = FUSION_DLIB_WEIGHT', () => {
    const c = pipelineConfigFromFlags({ recognizer: 'fused', ...mfn });
    expect(c.recognizer?.kind === 'fused' && c.recognizer.members.map((m) => [m.recognizer.kind, m.weight])).toEqual([
      ['dlib', FUSION_DLIB_WEIGHT],
      ['arcface', 1 - FUSION_DLIB_WEIGHT],
    ]);
    const w = pipelineConfigFromFlags({ recognizer: 'fused', ...mfn, 'fusion-weight': '0.8' }).recognizer;
    expect(w?.kind === 'fused' && w.members.map((m) => m.weight)).toEqual([0.8, 1 - 0.8]);
  });

  it('refuses --fusion-weight without --recognizer fused, outside [0, 1], and fusion without a model file', () => {
    expect(() => pipelineConfigFromFlags({ recognizer: 'arcface', ...mfn, 'fusion-weight': '0.5' })).toThrow(/needs --recognizer fused/);
    expect(() => pipelineConfigFromFlags({ recognizer: 'fused', ...mfn, 'fusion-weight': '1.2' })).toThrow(/in \[0, 1\]/);
    expect(() => pipelineConfigFromFlags({ recognizer: 'fused' })).toThrow(/--recognizer-model is required/);
  });
});
