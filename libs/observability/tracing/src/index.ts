export * from './tracing-switch';
export * from './tracing-config';
export * from './start-tracing';
export * from './spans';
export * from './header-carriers';
