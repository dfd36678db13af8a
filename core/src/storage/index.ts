export * from './node.js';
export * from './local-node.js';
export * from './memory-node.js';
export * from './placement.js';
export * from './share-checks.js';
