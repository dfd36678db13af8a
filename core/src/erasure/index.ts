export { availableErasureKernels, createReedSolomon, ErasureError } from './reed-solomon.js';
export type { ErasureKernelName, ReedSolomon } from './reed-solomon.js';
export type { CodingWorkspace } from './matrix.js';
