import { describe, expect, it } from 'vitest';
import { DEFAULT_ONNX_SESSION_SETTINGS, fixedDim, onnxSessionOptions } from './onnx-session';

describe('onnxSessionOptions', () => {
  it('defaults to one intra-op thread, sequential execution, no spinning', () => {
    const o = onnxSessionOptions();
    expect(o).toMatchObject({ intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
    expect(DEFAULT_ONNX_SESSION_SETTINGS.intraOpNumThreads).toBe(1);
    expect(o.extra).toMatchObject({ session: { intra_op: { allow_spinning: '0' } } });
  });

  it('lets a caller override thread settings', () => {
    expect(onnxSessionOptions({ intraOpNumThreads: 2 })).toMatchObject({ intraOpNumThreads: 2, interOpNumThreads: 1 });
  });
});

describe('fixedDim', () => {
  it('is the number for a positive fixed dim, undefined for symbolic or -1', () => {
    expect(fixedDim(4)).toBe(4);
    expect(fixedDim('batch')).toBeUndefined();
    expect(fixedDim(-1)).toBeUndefined();
    expect(fixedDim(0)).toBeUndefined();
    expect(fixedDim(undefined)).toBeUndefined();
  });
});
