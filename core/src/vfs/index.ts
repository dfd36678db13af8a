export * from './sftp-status.js';
export * from './error-mapping.js';
export * from './paths.js';
export * from './attributes.js';
