export * from './context/request-id';
export * from './context/request-context';
export * from './logging/log-config';
export * from './logging/redaction';
export * from './logging/create-logger';
export * from './logging/pino-nest-logger';
