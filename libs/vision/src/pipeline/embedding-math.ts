/** Mean of two unit vectors, renormalised: the embedding of a face averaged with its mirror image. */
export function averageUnit(a: Float32Array, b: Float32Array): Float32Array {
  if (a.length !== b.length) throw new RangeError(`length ${a.length} vs ${b.length}`);
  const out = new Float32Array(a.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    out[i] = a[i]! + b[i]!;
    sum += out[i]! * out[i]!;
  }
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < out.length; i++) out[i]! /= norm;
  return out;
}
