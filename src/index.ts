/**
 * `weft`: everything in `weft/core`, plus the Node reactor (`reactor`,
 * `NodeReactor`, `react`).
 *
 * @module
 */
export * from './core/index.js';
export * from './node/index.js';
