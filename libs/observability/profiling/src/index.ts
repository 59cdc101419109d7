export * from './profile-request';
export * from './process-profiler';
