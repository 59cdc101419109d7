export * from './sharpness';
export * from './pose';
export * from './face-quality';
