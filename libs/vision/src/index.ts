export * from './types';
export * from './decode';
export * from './detection';
export * from './alignment';
export * from './landmarks';
export * from './quality';
export * from './recognition';
export * from './pipeline';
