export * from './shard-transport';
export * from './codec';
export * from './reply-envelope';
export * from './subjects';
export * from './answer-request';
export * from './nats-shard-transport';
export * from './in-process-shard-transport';
export * from './message-headers';
