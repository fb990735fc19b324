/**
 * The Node reactor and what runs on it.
 *
 * @module
 */
export { NodeReactor, reactor } from './reactor.js';
export type { RunOptions } from './reactor.js';
export { react } from './react.js';
