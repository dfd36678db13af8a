/**
 * The contract between the UI and the app service (DESIGN §1, §5): every request and every
 * event, as plain types free of Node and DOM, plus the tiny environment-free helpers both sides
 * share. The renderer may import only this module of core.
 */
export * from './result.js';
export * from './views.js';
export * from './events.js';
export * from './methods.js';
export * from './wire.js';
export * from './client.js';
