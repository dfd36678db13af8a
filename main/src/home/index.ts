export * from './paths.js';
export * from './config.js';
export * from './encoding.js';
export * from './errors.js';
export * from './secrets.js';
export * from './home.js';
export * from './unavailable-node.js';
export { writeFileAtomic } from './atomic-file.js';
