export * from './cap.js';
export * from './derive.js';
export * from './text.js';
