/**
 * MediaPipe's SsdAnchorsCalculator (mediapipe/calculators/tflite/ssd_anchors_calculator.cc),
 * rewritten: the anchor list a BlazeFace model's outputs are indexed by.
 */
export interface SsdAnchorOptions {
  numLayers: number;
  minScale: number;
  maxScale: number;
  inputSizeWidth: number;
  inputSizeHeight: number;
  anchorOffsetX: number;
  anchorOffsetY: number;
  strides: readonly number[];
  aspectRatios: readonly number[];
  /** > 0 adds one extra anchor per cell at the geometric mean of this and the next layer's scale. */
  interpolatedScaleAspectRatio: number;
  /** BlazeFace: every anchor is 1x1 (the model regresses absolute sizes). */
  fixedAnchorSize: boolean;
  reduceBoxesInLowestLayer: boolean;
}

/** Anchor centre and size, normalised to the model input (0..1). */
export interface Anchor {
  xCenter: number;
  yCenter: number;
  w: number;
  h: number;
}

/**
 * Options of MediaPipe's `face_detection_back` (256x256, "back camera"/longer range) model,
 * from mediapipe/graphs/face_detection/face_detection_back_desktop_live.pbtxt
 * (SsdAnchorsCalculatorOptions: num_layers 4, min_scale 0.15625, max_scale 0.75,
 * input 256x256, anchor_offset 0.5/0.5, strides [16, 32, 32, 32], aspect_ratios [1.0],
 * fixed_anchor_size true; interpolated_scale_aspect_ratio defaults to 1.0 in the proto).
 * That gives 16x16 cells x 2 anchors + 8x8 cells x 6 anchors = 896, matching the ONNX outputs
 * (Identity 512 + Identity_1 384) and keijiro's Postprocess1.compute (16 cells x 2, 8 cells x 6).
 */
export const BLAZEFACE_BACK_256_ANCHORS: SsdAnchorOptions = {
  numLayers: 4,
  minScale: 0.15625,
  maxScale: 0.75,
  inputSizeWidth: 256,
  inputSizeHeight: 256,
  anchorOffsetX: 0.5,
  anchorOffsetY: 0.5,
  strides: [16, 32, 32, 32],
  aspectRatios: [1.0],
  interpolatedScaleAspectRatio: 1.0,
  fixedAnchorSize: true,
  reduceBoxesInLowestLayer: false,
};

/**
 * `face_detection_front` (128x128, selfie range), from
 * mediapipe/modules/face_detection/face_detection_front_cpu.pbtxt: strides [8, 16, 16, 16],
 * min_scale 0.1484375; otherwise as the back model. Also 896 anchors.
 */
export const BLAZEFACE_FRONT_128_ANCHORS: SsdAnchorOptions = {
  ...BLAZEFACE_BACK_256_ANCHORS,
  minScale: 0.1484375,
  inputSizeWidth: 128,
  inputSizeHeight: 128,
  strides: [8, 16, 16, 16],
};

function calculateScale(minScale: number, maxScale: number, strideIndex: number, numStrides: number): number {
  return numStrides === 1 ? (minScale + maxScale) * 0.5 : minScale + ((maxScale - minScale) * strideIndex) / (numStrides - 1);
}

export function generateSsdAnchors(o: SsdAnchorOptions): Anchor[] {
  if (o.strides.length !== o.numLayers) throw new RangeError(`strides has ${o.strides.length} entries, numLayers is ${o.numLayers}`);
  const anchors: Anchor[] = [];
  let layerId = 0;
  while (layerId < o.numLayers) {
    const heights: number[] = [];
    const widths: number[] = [];
    const ratios: number[] = [];
    const scales: number[] = [];
    // Consecutive layers with the same stride share one feature map: their anchors are merged per cell.
    let last = layerId;
    while (last < o.strides.length && o.strides[last] === o.strides[layerId]) {
      const scale = calculateScale(o.minScale, o.maxScale, last, o.strides.length);
      if (last === 0 && o.reduceBoxesInLowestLayer) {
        ratios.push(1.0, 2.0, 0.5);
        scales.push(0.1, scale, scale);
      } else {
        for (const ar of o.aspectRatios) {
          ratios.push(ar);
          scales.push(scale);
        }
        if (o.interpolatedScaleAspectRatio > 0) {
          const next = last === o.strides.length - 1 ? 1.0 : calculateScale(o.minScale, o.maxScale, last + 1, o.strides.length);
          scales.push(Math.sqrt(scale * next));
          ratios.push(o.interpolatedScaleAspectRatio);
        }
      }
      last++;
    }
    for (let i = 0; i < ratios.length; i++) {
      const r = Math.sqrt(ratios[i]!);
      heights.push(scales[i]! / r);
      widths.push(scales[i]! * r);
    }
    const stride = o.strides[layerId]!;
    const rows = Math.ceil(o.inputSizeHeight / stride);
    const cols = Math.ceil(o.inputSizeWidth / stride);
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < cols; x++) {
        for (let a = 0; a < heights.length; a++) {
          anchors.push({
            xCenter: (x + o.anchorOffsetX) / cols,
            yCenter: (y + o.anchorOffsetY) / rows,
            w: o.fixedAnchorSize ? 1 : widths[a]!,
            h: o.fixedAnchorSize ? 1 : heights[a]!,
          });
        }
      }
    }
    layerId = last;
  }
  return anchors;
}
