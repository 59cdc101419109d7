/**
 * The ONNX graph writer and the embedding runner against real onnxruntime, on tiny generated
 * models (no shared files needed).
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { OnnxGraphBuilder } from '../../libs/vision/src/recognition/dlib/onnx-graph-builder';
import { OnnxEmbeddingRunner, RAW_PIXELS, createInferenceBackend, l2Normalise, type InferenceBackendOptions } from '../../libs/vision/src/recognition';
import type { RgbImage } from '../../libs/vision/src/types';

describe('OnnxGraphBuilder output runs in onnxruntime with the conventions the dlib graph relies on', () => {
  it("Conv: OIHW weights, pads [t,l,b,r], stride 2, bias per output channel", async () => {
    const g = new OnnxGraphBuilder();
    g.name('x');
    // 1 input channel 4x4, 2 output channels, 3x3 kernel, 'same' padding 1, stride 2 -> 2x2.
    const w = Float32Array.from({ length: 2 * 9 }, (_, k) => (k % 5) - 2);
    const b = Float32Array.of(0.5, -1);
    const y = g.node('Conv', ['x', g.floatInitializer('W', [2, 1, 3, 3], w), g.floatInitializer('B', [2], b)], {
      kernel_shape: [3, 3],
      strides: [2, 2],
      pads: [1, 1, 1, 1],
    }, 'y');
    const bytes = g.toModel({ graphName: 't', input: { name: 'x', dims: [1, 1, 4, 4] }, output: { name: y, dims: [1, 2, 2, 2] }, opset: 13, producer: 'test' });
    const session = await ort.InferenceSession.create(bytes);
    const x = Float32Array.from({ length: 16 }, (_, k) => k);
    const got = (await session.run({ x: new ort.Tensor('float32', x, [1, 1, 4, 4]) }))[y].data as Float32Array;
    await session.release();
    const expected: number[] = [];
    for (let o = 0; o < 2; o++)
      for (let oy = 0; oy < 2; oy++)
        for (let ox = 0; ox < 2; ox++) {
          let s = b[o];
          for (let ky = 0; ky < 3; ky++)
            for (let kx = 0; kx < 3; kx++) {
              const iy = oy * 2 + ky - 1;
              const ix = ox * 2 + kx - 1;
              if (iy >= 0 && iy < 4 && ix >= 0 && ix < 4) s += w[o * 9 + ky * 3 + kx] * x[iy * 4 + ix];
            }
          expected.push(s);
        }
    expect(Array.from(got)).toEqual(expected);
  });

  it('Pad with int64 pads appends zeros at the end of H/W and of C', async () => {
    const g = new OnnxGraphBuilder();
    g.name('x');
    const y = g.node('Pad', ['x', g.int64Initializer('p', [0, 0, 0, 0, 0, 1, 1, 1])], {}, 'y');
    const session = await ort.InferenceSession.create(
      g.toModel({ graphName: 't', input: { name: 'x', dims: [1, 1, 1, 2] }, output: { name: y, dims: [1, 2, 2, 3] }, opset: 13, producer: 'test' }),
    );
    const out = (await session.run({ x: new ort.Tensor('float32', Float32Array.of(5, 6), [1, 1, 1, 2]) }))[y];
    await session.release();
    expect(out.dims).toEqual([1, 2, 2, 3]);
    expect(Array.from(out.data as Float32Array)).toEqual([5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });
});

/**
 * Toy embedder: per-channel mean of a [N,3,4,4] input -> [N,3]. With declareDim false the channel
 * dim is symbolic, so not even ORT's shape inference knows the output width.
 */
function toyEmbedder(batch: number | string, declareDim: boolean): Uint8Array {
  const g = new OnnxGraphBuilder();
  g.name('pixels');
  const y = g.node('Flatten', [g.node('GlobalAveragePool', ['pixels'])], { axis: 1 }, 'emb');
  return g.toModel({
    graphName: 'toy',
    input: { name: 'pixels', dims: [batch, declareDim ? 3 : 'C', 4, 4] },
    output: { name: y, dims: [batch, declareDim ? 3 : 'd'] },
    opset: 13,
    producer: 'test',
  });
}

function solid(r: number, gr: number, b: number): RgbImage {
  const data = new Uint8Array(16 * 3);
  for (let i = 0; i < 16; i++) data.set([r, gr, b], i * 3);
  return { data, width: 4, height: 4 };
}

for (const [backendLabel, backendOptions] of [
  ['in-process session', { workers: 0 }],
  ['pool of 2 worker threads', { workers: 2 }],
] as Array<[string, InferenceBackendOptions]>) {
  describe(`OnnxEmbeddingRunner on real onnxruntime (${backendLabel})`, () => {
    const crops = [solid(10, 20, 30), solid(0, 5, 0), solid(200, 100, 50)];
    const expected = crops.map((c) => l2Normalise(Float32Array.of(c.data[0], c.data[1], c.data[2])));
    const config = { inputSize: 4, normalisation: RAW_PIXELS, channelOrder: 'rgb' as const, maxBatch: 2 };
    const open = async (model: Uint8Array, cfg = config): Promise<OnnxEmbeddingRunner> =>
      new OnnxEmbeddingRunner(await createInferenceBackend(model, backendOptions), cfg);

    for (const [label, batch] of [
      ['dynamic batch (chunks of maxBatch)', 'N'],
      ['fixed batch 1 (one by one)', 1],
      ['fixed batch 2 (last run padded)', 2],
    ] as const) {
      it(`${label}: one normalised row per crop, in order`, async () => {
        const runner = await open(toyEmbedder(batch, true));
        expect(runner.fixedBatch).toBe(typeof batch === 'number' ? batch : undefined);
        // Many concurrent calls too, so queued work in the pool comes back to the right caller.
        const outs = await Promise.all(Array.from({ length: 5 }, () => runner.embed(crops)));
        await runner.close();
        for (const out of outs) expect(out.map((v) => Array.from(v))).toEqual(expected.map((v) => Array.from(v)));
      });
    }

    it('probes the dimension with one run when the model does not declare it', async () => {
      const runner = await open(toyEmbedder('N', false));
      expect(runner.declaredDimension).toBeUndefined();
      expect(await runner.probeDimension()).toBe(3);
      await runner.close();
    });

    it('refuses a model whose input size is not the configured one', async () => {
      const backend = await createInferenceBackend(toyEmbedder(1, true), backendOptions);
      expect(() => new OnnxEmbeddingRunner(backend, { ...config, inputSize: 8 })).toThrow(/expected \[N,3,8,8\]/);
      await backend.release();
    });

    it('refuses to run after close', async () => {
      const runner = await open(toyEmbedder(1, true));
      await runner.close();
      await expect(runner.embed(crops)).rejects.toMatchObject({ code: 'INTERNAL' });
    });

    it('reports a run failure as INTERNAL (wrong input rank sent straight to the backend)', async () => {
      const backend = await createInferenceBackend(toyEmbedder(1, true), backendOptions);
      await expect(backend.run({ pixels: { data: new Float32Array(3), dims: [3] } })).rejects.toMatchObject({ code: 'INTERNAL' });
      // The backend still works afterwards.
      const ok = await backend.run({ pixels: { data: new Float32Array(48).fill(1), dims: [1, 3, 4, 4] } });
      expect(Array.from(ok.emb.data)).toEqual([1, 1, 1]);
      await backend.release();
    });

    it('fails to open a file that is not a model with INTERNAL', async () => {
      await expect(createInferenceBackend(new Uint8Array([1, 2, 3]), backendOptions)).rejects.toMatchObject({ code: 'INTERNAL' });
    });
  });
}
