export * from './raw-detection';
export * from './ssd-anchors';
export * from './nms';
export * from './blazeface-decode';
export * from './yunet-decode';
export * from './input-geometry';
export * from './canvas';
export { BlazeFaceDetector, defaultBlazeFaceModelPath, BLAZEFACE_MODEL_FILE, BLAZEFACE_PAD_RATIO, type BlazeFaceDetectorOptions } from './blazeface-detector';
export * from './yunet-detector';
