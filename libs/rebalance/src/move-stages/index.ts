export * from './stage-transition';
export * from './init';
export * from './migrate-identities';
export * from './propagate-deletes';
export * from './commit-read-ring';
export * from './commit-write-ring';
export * from './finalize';
