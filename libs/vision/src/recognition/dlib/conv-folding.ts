/**
 * Weight re-layout and folding for the dlib ResNet: pure array arithmetic.
 */

/** TensorFlow conv filters [kh, kw, in, out] (HWIO) -> ONNX Conv weights [out, in, kh, kw] (OIHW). */
export function hwioToOihw(data: Float32Array, shape: readonly number[]): { data: Float32Array; shape: number[] } {
  if (shape.length !== 4) throw new Error(`expected a 4-D HWIO shape, got [${shape}]`);
  const [kh, kw, ci, co] = shape;
  if (data.length !== kh * kw * ci * co) throw new Error(`data has ${data.length} values, shape [${shape}] needs ${kh * kw * ci * co}`);
  const out = new Float32Array(data.length);
  for (let h = 0; h < kh; h++)
    for (let w = 0; w < kw; w++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++) out[((o * ci + i) * kh + h) * kw + w] = data[((h * kw + w) * ci + i) * co + o];
  return { data: out, shape: [co, ci, kh, kw] };
}

/**
 * conv(x, W) + bias, then a per-channel scale layer (· * s + t), equals conv(x, W * s) + (bias * s + t)
 * per output channel o. Computed in float64 and rounded once to float32.
 * Weights are OIHW, so output channel o owns the contiguous block [o * perOut, (o + 1) * perOut).
 */
export function foldConvScale(
  weightsOihw: Float32Array,
  bias: Float32Array,
  scale: Float32Array,
  shift: Float32Array,
): { weights: Float32Array; bias: Float32Array } {
  const co = bias.length;
  if (scale.length !== co || shift.length !== co || weightsOihw.length % co !== 0) {
    throw new Error(`channel counts disagree: bias ${co}, scale ${scale.length}, shift ${shift.length}, weights ${weightsOihw.length}`);
  }
  const perOut = weightsOihw.length / co;
  const weights = new Float32Array(weightsOihw.length);
  const folded = new Float32Array(co);
  for (let o = 0; o < co; o++) {
    const s = scale[o];
    for (let k = o * perOut; k < (o + 1) * perOut; k++) weights[k] = weightsOihw[k] * s;
    folded[o] = bias[o] * s + shift[o];
  }
  return { weights, bias: folded };
}
