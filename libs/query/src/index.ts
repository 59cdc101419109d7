export * from './merge-top-k';
