export * from './context/request-id';
export * from './context/request-context';
