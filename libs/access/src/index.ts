export * from './api-key';
export * from './api-key-secret';
export * from './api-key-repository';
export * from './parse-stored-key';
export * from './local-api-key-repository';
export * from './jetstream-api-key-repository';
