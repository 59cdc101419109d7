export * from './merge-top-k';
export * from './attribute-filter';
export * from './shard-ef';
