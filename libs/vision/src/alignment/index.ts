export * from './similarity';
export * from './warp';
export * from './align-face';
export * from './face-chip-68';
