export * from './similarity';
export * from './warp';
export * from './align-face';
