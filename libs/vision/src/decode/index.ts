export * from './decode-limits';
export * from './decode-image';
