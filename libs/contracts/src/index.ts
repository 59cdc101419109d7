export * from './errors';
export * from './collection';
export * from './identity';
export * from './shard-protocol';
export * from './cluster';
export * from './integrity';
