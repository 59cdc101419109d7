export * from './landmark68-architecture';
export * from './landmark-points';
export * from './landmark-crop';
export { LANDMARK68_ONNX_INPUT, LANDMARK68_ONNX_OUTPUT } from './landmark68-onnx-graph';
export {
  ensureLandmark68OnnxModel,
  landmark68OnnxCacheKey,
  LANDMARK68_ONNX_BUILDER_VERSION,
  FACE_API_LANDMARK68_MANIFEST,
  type Landmark68OnnxOptions,
  type Landmark68OnnxModel,
} from './build-landmark68-onnx';
export { FaceLandmarker, DEFAULT_LANDMARKER, TURNED_CROP_MIN_ROLL, TURNED_CROP_RECHECK, type FaceLandmarkerOptions } from './face-landmarker';
