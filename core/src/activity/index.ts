export * from './activity-registry.js';
export * from './handle-snapshot.js';
export * from './handle-state.js';
