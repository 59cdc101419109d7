export * from './merge-top-k';
export * from './attribute-filter';
