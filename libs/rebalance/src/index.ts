export * from './member-states';
export * from './ring-views';
export * from './move-plan';
export * from './membership-requests';
export * from './move-machine';
export * from './move-stages';
export * from './coordinator-lease';
