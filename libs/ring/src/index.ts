export * from './ring-placement';
export * from './plan-movement';
