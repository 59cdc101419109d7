export * from './metadata-store';
export * from './ring-state';
export * from './collection-spec';
export * from './jetstream-metadata-store';
export * from './local-metadata-store';
export * from './shard-identity';
export * from './heartbeat-monitor';
export * from './heartbeat-publisher';
export { writeFileAtomic, createFileAtomic, readTextIfExists } from './atomic-file';
